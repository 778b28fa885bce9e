// CPU of `cdcpipe top --sample` (issue 18, "Speed"): on a 100-shard stream carrying 5,000 records/s, top at
// 1 s intervals must use at most 15 % of one core. Measured as CPU seconds (user + sys, start-up included)
// over wall seconds of `node bin/cdcpipe.js top <s> --sample --interval 1s --count <n> --json`, beside a bare
// AWS SDK loop making the same 1 GetRecords a second per shard from LATEST for the same time, both fresh
// processes against the same kinesis-local, alternated, while this process writes the load.
// kinesis-local takes far less than 5,000 records/s on a small machine, so the same pair is measured again
// against a synthetic read endpoint (kinesis-synthetic.js) that serves exactly 5,000 records/s across the
// shards; the target is judged there, at the load it names, and the kinesis-local figures are shown beside.
//
//   npm run build && node bench/top.js [--shards 100] [--rate 5000] [--seconds 20] [--synthetic-seconds 60] [--rounds 2] [--json]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { measureChild, writeCpuPreload } from './cpu-child.js';
import { startSyntheticKinesis } from './kinesis-synthetic.js';
import { CHILD_ENV, createStream, kinesisSdk } from './local-kinesis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_CORE_SHARE = 0.15;

const { values } = parseArgs({
  options: {
    bare: { type: 'string' }, // internal: the bare loop against this endpoint (with --stream, --seconds)
    stream: { type: 'string' },
    shards: { type: 'string', default: '100' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    // The synthetic endpoint's rounds: long enough that start-up (≈ 0.4 CPU s) is not most of the figure.
    'synthetic-seconds': { type: 'string', default: '60' },
    rounds: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});

async function kinesis(endpoint) {
  const { K, client } = await kinesisSdk();
  return { K, client: client(endpoint) };
}

/** The baseline: every shard from LATEST, one GetRecords a second each, counting records and bytes; nothing else. */
async function bareLoop(endpoint, stream, seconds) {
  const { K, client } = await kinesis(endpoint);
  const shards = [];
  let token;
  do {
    const res = await client.send(new K.ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    shards.push(...(res.Shards ?? []));
    token = res.NextToken;
  } while (token);
  const deadline = Date.now() + seconds * 1000;
  let records = 0;
  let bytes = 0;
  await Promise.all(
    shards.map(async (shard) => {
      let iterator = (await client.send(new K.GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'LATEST' }))).ShardIterator;
      while (iterator && Date.now() < deadline) {
        const calledAt = Date.now();
        const res = await client.send(new K.GetRecordsCommand({ ShardIterator: iterator }));
        for (const r of res.Records ?? []) {
          records++;
          bytes += (r.Data?.length ?? 0) + (r.PartitionKey?.length ?? 0);
        }
        iterator = res.NextShardIterator;
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - calledAt))));
      }
    }),
  );
  client.destroy();
  process.stderr.write(`bare loop: ${records} records, ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
}

/** Writes `rate` records a second in PutRecords of 500 until `stop()`; resolves with what it wrote. */
function writeLoad(K, client, stream, rate) {
  let stopped = false;
  let written = 0;
  const started = Date.now();
  const data = Buffer.from(JSON.stringify({ op: 'update', table: 'orders', pad: 'x'.repeat(160) }));
  const loop = async (worker, workers) => {
    for (let batch = worker; !stopped; batch += workers) {
      const due = started + (batch * 500 * 1000) / rate;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      const Records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `order-${(batch * 500 + i) % 20_000}`, Data: data }));
      const res = await client.send(new K.PutRecordsCommand({ StreamName: stream, Records }));
      written += 500 - (res.FailedRecordCount ?? 0);
    }
  };
  const workers = 4;
  const done = Promise.all(Array.from({ length: workers }, (_, w) => loop(w, workers)));
  return {
    stop: async () => {
      stopped = true;
      await done;
      return { written, recordsPerSecond: written / ((Date.now() - started) / 1000) };
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `rounds` × (the bare loop, then top) against one endpoint; the medians, and the records/s top saw. */
async function measurePair(endpoint, stream, env, dir, { seconds, rounds, label }) {
  const topArgs = ['bin/cdcpipe.js', '--endpoint-url', endpoint, 'top', stream, '--sample', '--interval', '1s', '--count', String(seconds), '--json', '-q'];
  const bareArgs = [fileURLToPath(import.meta.url), '--bare', endpoint, '--stream', stream, '--seconds', String(seconds)];
  const top = [];
  const bare = [];
  const seen = [];
  for (let r = 0; r < rounds; r++) {
    bare.push(await measureChild(bareArgs, env, dir, 'bare'));
    const frames = join(dir, `top-${label}-${r}.ndjson`);
    top.push(await measureChild(topArgs, env, dir, 'top', frames));
    // The frames after the first (which covers the start-up and the first calls' latency).
    const later = readFileSync(frames, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l).totals.recordsPerSec);
    seen.push(later.length ? later.reduce((a, b) => a + b, 0) / later.length : 0);
    const share = (m) => `${((100 * m.cpuS) / m.wallS).toFixed(1)} %`;
    process.stderr.write(`${label} round ${r + 1}: bare ${share(bare.at(-1))} of a core, top ${share(top.at(-1))} (top saw ${Math.round(seen.at(-1))} records/s)\n`);
  }
  const summary = (ms) => ({ coreShare: +median(ms.map((m) => m.cpuS / m.wallS)).toFixed(3), cpuSeconds: +median(ms.map((m) => m.cpuS)).toFixed(2), wallSeconds: +median(ms.map((m) => m.wallS)).toFixed(1) });
  const t = summary(top);
  const b = summary(bare);
  return { topSawRecordsPerSecond: Math.round(median(seen)), top: t, bareGetRecordsLoop: b, ratio: +(t.coreShare / b.coreShare).toFixed(2) };
}

async function main() {
  if (values.bare) return bareLoop(values.bare, values.stream, Number(values.seconds));
  const shardCount = Number(values.shards);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const { startKinesisLocal } = await import(pathToFileURL(join(ROOT, 'dist/local/kinesis-local.js')).href);
  const server = await startKinesisLocal();
  const dir = mkdtempSync(join(tmpdir(), 'cdcpipe-top-cpu-'));
  writeCpuPreload(dir);
  const { K, client } = await kinesis(server.endpoint);
  const stream = `bench-top-${Date.now()}`;
  try {
    await createStream(K, client, stream, shardCount);
    const env = CHILD_ENV;
    const load = writeLoad(K, client, stream, rate);
    await new Promise((r) => setTimeout(r, 3000));
    const local = await measurePair(server.endpoint, stream, env, dir, { seconds, rounds, label: 'kinesis-local' });
    const written = await load.stop();
    const synthetic = await startSyntheticKinesis({ stream, shards: shardCount, recordsPerSecond: rate, recordBytes: 200 });
    let atRate;
    try {
      atRate = await measurePair(synthetic.endpoint, stream, env, dir, { seconds: Number(values['synthetic-seconds']), rounds, label: 'synthetic' });
    } finally {
      await synthetic.stop();
    }
    const result = {
      shards: shardCount,
      targetRecordsPerSecond: rate,
      seconds,
      rounds,
      kinesisLocal: { writtenRecordsPerSecond: Math.round(written.recordsPerSecond), ...local },
      synthetic: atRate,
      target: TARGET_CORE_SHARE,
      pass: atRate.top.coreShare <= TARGET_CORE_SHARE,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const line = (name, m) => `  ${name.padEnd(34)} ${(m.coreShare * 100).toFixed(1)} % of one core (${m.cpuSeconds} CPU s over ${m.wallSeconds} s)\n`;
      process.stdout.write(
        `top --sample, ${shardCount} shards, median of ${rounds} rounds (kinesis-local ${seconds} s, synthetic ${values['synthetic-seconds']} s):\n` +
          `at ${result.synthetic.topSawRecordsPerSecond} records/s (synthetic read endpoint):\n${line('top', atRate.top)}${line('bare GetRecords loop', atRate.bareGetRecordsLoop)}` +
          `on kinesis-local, ${result.kinesisLocal.writtenRecordsPerSecond} records/s written (top saw ${local.topSawRecordsPerSecond}):\n${line('top', local.top)}${line('bare GetRecords loop', local.bareGetRecordsLoop)}` +
          `  target                             ≤ ${TARGET_CORE_SHARE * 100} % at ${rate} records/s ${result.pass ? 'PASS' : 'FAIL'}\n`,
      );
    }
    if (!result.pass) process.exitCode = 1;
  } finally {
    client.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
