// A synthetic Kinesis read endpoint for bench/top.js: answers DescribeStreamSummary, ListShards,
// GetShardIterator and GetRecords (AWS JSON 1.1, as the Kinesis API Reference shapes them) for one
// provisioned stream whose shards each take `recordsPerSecond / shards` new ~`recordBytes`-byte records a
// second: a GetRecords returns the records that arrived since the iterator it was given (at most 10,000),
// as Kinesis does, so a reader calling less often gets more per call. It exists
// because kinesis-local on the 2-core development machine takes ~1,400 records/s with nobody reading (its cost
// per record grows with the records a shard holds), so the 5,000 records/s the top target names can only be
// served by an answer that costs the server nothing. Only a reader's CPU is measured against it; nothing
// here stands in for AWS behaviour in a test. Other operations answer 400 UnknownOperationException, as
// kinesis-local does for CloudWatch.
import http from 'node:http';

const HASH_MAX = (1n << 128n) - 1n;

export async function startSyntheticKinesis({ stream, shards, recordsPerSecond, recordBytes }) {
  const shardList = Array.from({ length: shards }, (_, i) => ({
    ShardId: `shardId-${String(i).padStart(12, '0')}`,
    HashKeyRange: { StartingHashKey: String((HASH_MAX * BigInt(i)) / BigInt(shards) + (i ? 1n : 0n)), EndingHashKey: String((HASH_MAX * BigInt(i + 1)) / BigInt(shards)) },
    SequenceNumberRange: { StartingSequenceNumber: '49600000000000000000000000000000000000000000000000000000' },
  }));
  const data = Buffer.from(JSON.stringify({ op: 'update', table: 'orders', pad: 'x'.repeat(Math.max(0, recordBytes - 40)) })).toString('base64');
  const started = Date.now();
  const perShardPerMs = recordsPerSecond / shards / 1000;
  // Records a shard has taken by time t; an iterator is the shard and the time of the read it continues.
  const arrived = (t) => Math.floor((t - started) * perShardPerMs);
  let seq = 0;
  let records = 0;
  const getRecords = (body) => {
    const [, shard, from] = /^it-(\d+)-(\d+)$/.exec(JSON.parse(body).ShardIterator ?? '') ?? [];
    const nowMs = Date.now();
    const n = shard === undefined ? 0 : Math.min(10_000, arrived(nowMs) - arrived(Number(from)));
    const out = [];
    for (let i = 0; i < n; i++) {
      seq++;
      out.push(`{"SequenceNumber":"${49600000000000000000n + BigInt(seq)}","ApproximateArrivalTimestamp":${nowMs / 1000},"Data":"${data}","PartitionKey":"order-${seq % 20_000}"}`);
    }
    records += n;
    return `{"Records":[${out.join(',')}],"NextShardIterator":"it-${shard ?? 0}-${nowMs}","MillisBehindLatest":0}`;
  };
  const answers = {
    DescribeStreamSummary: () =>
      JSON.stringify({
        StreamDescriptionSummary: { StreamName: stream, StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`, StreamStatus: 'ACTIVE', StreamModeDetails: { StreamMode: 'PROVISIONED' }, RetentionPeriodHours: 24, StreamCreationTimestamp: 1.7e9, EnhancedMonitoring: [{ ShardLevelMetrics: [] }], EncryptionType: 'NONE', OpenShardCount: shards, ConsumerCount: 0 },
      }),
    ListShards: () => JSON.stringify({ Shards: shardList }),
    GetShardIterator: (body) => JSON.stringify({ ShardIterator: `it-${Number(/(\d+)$/.exec(JSON.parse(body).ShardId ?? '0')?.[1] ?? 0)}-${Date.now()}` }),
    GetRecords: getRecords,
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
      const answer = answers[op];
      res.writeHead(answer ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(answer ? answer(Buffer.concat(chunks).toString() || '{}') : JSON.stringify({ __type: 'UnknownOperationException', message: `${op ?? 'this call'} is not served here` }));
    });
  });
  // Kinesis keeps idle connections open longer than Node's 5 s default; a reader calling each shard every few seconds reuses them.
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    /** Records served so far. */
    get records() {
      return records;
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
