// CPU cost of `cdcpipe put` (issue 17 "Speed"): CPU seconds (user + sys) of
// `node bin/cdcpipe.js put <s> records.ndjson` over 20k 1 KiB records in the `tail --json --include-raw`
// format, beside a bare AWS SDK PutRecords loop over the same file (read, JSON.parse and base64-decode
// each line, 500 records a request, 16 requests in flight, failed entries retried), both fresh processes in
// the same run, alternated, each into a new stream. Target: put ≤ 1.3 × the bare loop. The bare loop's
// records/s is kinesis-local's ceiling on this machine; put's records/s is reported against it.
//
//   npm run build && node bench/put.js [--records 20000] [--shards 4] [--rounds 3] [--json]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { measureChild, writeCpuPreload } from './cpu-child.js';
import { CHILD_ENV, createStream, kinesisSdk } from './local-kinesis.js';

// The SDK's Node.js support notice is noise here (set before any SDK module loads: they are imported dynamically).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_RATIO = 1.3;
const IN_FLIGHT = 16;

const { values } = parseArgs({
  options: {
    bare: { type: 'string' }, // internal: run the bare loop against this endpoint (with --stream, --file)
    stream: { type: 'string' },
    file: { type: 'string' },
    records: { type: 'string', default: '20000' },
    shards: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});

/** The baseline: the same file, parsed and written with PutRecords as plainly as it can be. */
async function bareLoop(endpoint, stream, file) {
  const { K, client: make } = await kinesisSdk();
  const client = make(endpoint);
  const records = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const o = JSON.parse(l);
      return { PartitionKey: o.partitionKey, Data: Buffer.from(o.dataBase64, 'base64') };
    });
  const batches = [];
  for (let i = 0; i < records.length; i += 500) batches.push(records.slice(i, i + 500));
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < batches.length) {
        let batch = batches[next++];
        while (batch.length) {
          const res = await client.send(new K.PutRecordsCommand({ StreamName: stream, Records: batch }));
          batch = batch.filter((_, i) => res.Records?.[i]?.ErrorCode);
        }
      }
    }),
  );
  client.destroy();
}

/** A ~1 KiB DMS update, as a `tail --json --include-raw` line. */
function tailLine(i) {
  const key = `shop.orders.${i % 5000}`;
  const doc = {
    data: { order_id: i % 5000, customer_id: 10_000 + (i % 7919), status: 'PAID', amount: (((i * 37) % 100000) / 100).toFixed(2), currency: 'EUR', note: 'n'.repeat(700) },
    metadata: { timestamp: new Date(Date.UTC(2026, 10, 27, 10) + i).toISOString(), 'record-type': 'data', operation: 'update', 'partition-key-type': 'primary-key', 'schema-name': 'shop', 'table-name': 'orders' },
  };
  const data = Buffer.from(JSON.stringify(doc));
  return JSON.stringify({ shardId: 'shardId-000000000000', sequenceNumber: String(49_000_000 + i), partitionKey: key, arrivalTime: null, format: 'dms', cdc: null, dataBase64: data.toString('base64') });
}


const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (values.bare) return bareLoop(values.bare, values.stream, values.file);
  const recordCount = Number(values.records);
  const shards = Number(values.shards);
  const rounds = Number(values.rounds);
  const { startKinesisLocal } = await import(pathToFileURL(join(ROOT, 'dist/local/kinesis-local.js')).href);
  const server = await startKinesisLocal();
  const dir = mkdtempSync(join(tmpdir(), 'cdcpipe-put-bench-'));
  writeCpuPreload(dir);
  try {
    const file = join(dir, 'records.ndjson');
    writeFileSync(file, `${Array.from({ length: recordCount }, (_, i) => tailLine(i)).join('\n')}\n`);
    const dataBytes = readFileSync(file, 'utf8').split('\n').filter(Boolean).reduce((n, l) => n + Buffer.from(JSON.parse(l).dataBase64, 'base64').length, 0);
    const { K, client: make } = await kinesisSdk();
    const client = make(server.endpoint);
    const env = CHILD_ENV;
    const put = [];
    const bare = [];
    for (let r = 0; r < rounds; r++) {
      const bs = `bench-put-bare-${Date.now()}-${r}`;
      const ps = `bench-put-cdcpipe-${Date.now()}-${r}`;
      await createStream(K, client, bs, shards);
      await createStream(K, client, ps, shards);
      bare.push(await measureChild([fileURLToPath(import.meta.url), '--bare', server.endpoint, '--stream', bs, '--file', file], env, dir, 'bare'));
      // No rate limit here: the figure is CPU per record and the most kinesis-local takes.
      put.push(await measureChild(['bin/cdcpipe.js', '--endpoint-url', server.endpoint, 'put', ps, file, '--rps', '1000000', '--mibps', '10000', '-q'], env, dir, 'put'));
      process.stderr.write(`round ${r + 1}: bare ${bare.at(-1).cpuS.toFixed(2)} s CPU (${bare.at(-1).wallS.toFixed(1)} s), put ${put.at(-1).cpuS.toFixed(2)} s CPU (${put.at(-1).wallS.toFixed(1)} s)\n`);
    }
    client.destroy();
    const putCpu = median(put.map((m) => m.cpuS));
    const bareCpu = median(bare.map((m) => m.cpuS));
    const putWall = median(put.map((m) => m.wallS));
    const bareWall = median(bare.map((m) => m.wallS));
    const result = {
      records: recordCount,
      shards,
      avgRecordBytes: Math.round(dataBytes / recordCount),
      rounds,
      put: { cpuSeconds: +putCpu.toFixed(3), wallSeconds: +putWall.toFixed(2), recordsPerSecond: Math.round(recordCount / putWall) },
      barePutRecordsLoop: { cpuSeconds: +bareCpu.toFixed(3), wallSeconds: +bareWall.toFixed(2), recordsPerSecond: Math.round(recordCount / bareWall), inFlight: IN_FLIGHT },
      ratio: +(putCpu / bareCpu).toFixed(2),
      throughputShareOfCeiling: +(bareWall / putWall).toFixed(2),
      target: TARGET_RATIO,
      pass: putCpu / bareCpu <= TARGET_RATIO,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`put ${putCpu.toFixed(2)} CPU s vs bare ${bareCpu.toFixed(2)} CPU s: ${result.ratio}× (target ≤ ${TARGET_RATIO}×); ${result.put.recordsPerSecond} records/s vs kinesis-local's ${result.barePutRecordsLoop.recordsPerSecond}\n`);
    process.exitCode = result.pass ? 0 : 1;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
