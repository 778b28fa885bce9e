// CPU cost of `cdcpipe tail` (issue 3 "Done when"; reused by the benchmark issue): CPU seconds (user + sys)
// of `node bin/cdcpipe.js tail <s> --from trim-horizon -e --json > /dev/null` over 20k ~1 KiB DMS records,
// beside a bare AWS SDK GetRecords loop over the same stream, both as fresh processes in the same run and
// alternated so drift in machine load hits both. Target: tail ≤ 1.3 × the bare loop.
//
//   npm run build && node bench/tail-cpu.js [--records 20000] [--shards 2] [--rounds 5] [--json]
//
// Each measured process gets a preload (node --import) that writes its own process.cpuUsage() at exit,
// so start-up (Node, the SDK) counts on both sides, exactly as a user pays it.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CHILD_ENV, createStream, kinesisSdk } from './local-kinesis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_RATIO = 1.3;

const { values } = parseArgs({
  options: {
    bare: { type: 'string' }, // internal: run the bare loop against this endpoint (with --stream)
    stream: { type: 'string' },
    records: { type: 'string', default: '20000' },
    shards: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
    // reuse a server and stream set up before (a 20k-record load into kinesis-local takes minutes on a busy machine)
    endpoint: { type: 'string' },
    'setup-only': { type: 'boolean', default: false },
  },
});

/** The baseline: ListShards, then per shard TRIM_HORIZON and GetRecords until the shard's end or its tip. No decoding, no output. */
async function bareLoop(endpoint, stream) {
  const { K, client: make } = await kinesisSdk();
  const client = make(endpoint);
  const shards = [];
  let token;
  do {
    const res = await client.send(new K.ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    shards.push(...(res.Shards ?? []));
    token = res.NextToken;
  } while (token);
  let records = 0;
  let bytes = 0;
  await Promise.all(
    shards.map(async (shard) => {
      let iterator = (await client.send(new K.GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (iterator) {
        const res = await client.send(new K.GetRecordsCommand({ ShardIterator: iterator }));
        for (const r of res.Records ?? []) {
          records++;
          bytes += r.Data?.length ?? 0;
        }
        if ((res.Records ?? []).length === 0 && (res.MillisBehindLatest ?? 0) === 0) break;
        iterator = res.NextShardIterator;
        await new Promise((r) => setTimeout(r, 200)); // the 5 calls/s per shard the tail keeps to as well
      }
    }),
  );
  client.destroy();
  process.stderr.write(`bare loop: ${records} records, ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
}

/** A ~1 KiB DMS update with a full before-image (MySQL style), as DMS writes it (AWS DMS User Guide, Using Amazon Kinesis Data Streams as a target). */
function dmsRecord(i) {
  const key = i % 1000;
  const row = (status) => ({
    order_id: key,
    customer_id: 10_000 + (i % 7919),
    status,
    amount: ((i * 37) % 100000 / 100).toFixed(2),
    currency: 'EUR',
    created_at: '2026-11-20T10:15:00.000000Z',
    shipping_address: `${i} Long Street, Apartment ${i % 300}, 1010 Some City, Some Country`,
    note: 'n'.repeat(180),
  });
  const doc = {
    data: row('PAID'),
    'before-image': row('NEW'),
    metadata: {
      timestamp: new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + i).toISOString().replace('Z', '000Z'),
      'record-type': 'data',
      operation: 'update',
      'partition-key-type': 'primary-key',
      'partition-key-value': `shop.orders.${key}`,
      'schema-name': 'shop',
      'table-name': 'orders',
      'transaction-id': 73014444033 + i,
    },
  };
  return { PartitionKey: `shop.orders.${key}`, Data: Buffer.from(JSON.stringify(doc)) };
}

/** Runs `node --import <cpu preload> ...args` with stdout to /dev/null; resolves with its CPU seconds and wall time. */
async function measure(args, env, dir, label) {
  const out = join(dir, `${label}-${Date.now()}.cpu`);
  const preload = join(dir, 'cpu-preload.mjs');
  const devnull = openSync('/dev/null', 'w');
  const started = performance.now();
  const code = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, CDCPIPE_BENCH_CPU_FILE: out },
      stdio: ['ignore', devnull, 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (c) => (c === 0 ? resolve(c) : reject(new Error(`${label} exited ${c}: ${stderr}`))));
  });
  closeSync(devnull);
  const wallS = (performance.now() - started) / 1000;
  const { user, system } = JSON.parse(readFileSync(out, 'utf8'));
  return { code, cpuS: (user + system) / 1e6, userS: user / 1e6, sysS: system / 1e6, wallS };
}

/** Creates the stream and writes the records; returns the bytes written. */
async function load(K, client, stream, shardCount, recordCount) {
  await createStream(K, client, stream, shardCount);
  let bytes = 0;
  for (let i = 0; i < recordCount; i += 500) {
    const batch = Array.from({ length: Math.min(500, recordCount - i) }, (_, j) => dmsRecord(i + j));
    bytes += batch.reduce((n, r) => n + r.Data.length, 0);
    const res = await client.send(new K.PutRecordsCommand({ StreamName: stream, Records: batch }));
    if (res.FailedRecordCount) throw new Error(`PutRecords: ${res.FailedRecordCount} failed`);
  }
  return bytes;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (values.bare) return bareLoop(values.bare, values.stream);
  const recordCount = Number(values.records);
  const shardCount = Number(values.shards);
  const rounds = Number(values.rounds);
  const { startKinesisLocal } = await import(pathToFileURL(join(ROOT, 'dist/local/kinesis-local.js')).href);
  const server = values.endpoint ? { endpoint: values.endpoint, stop: async () => undefined } : await startKinesisLocal();
  const dir = mkdtempSync(join(tmpdir(), 'cdcpipe-tail-cpu-'));
  writeFileSync(
    join(dir, 'cpu-preload.mjs'),
    "import { writeFileSync } from 'node:fs';\nprocess.once('exit', () => writeFileSync(process.env.CDCPIPE_BENCH_CPU_FILE, JSON.stringify(process.cpuUsage())));\n",
  );
  try {
    const { K, client: make } = await kinesisSdk();
    const client = make(server.endpoint);
    const stream = values.stream ?? `bench-tail-${Date.now()}`;
    let bytes = 0;
    if (!values.stream) bytes = await load(K, client, stream, shardCount, recordCount);
    else bytes = recordCount * dmsRecord(0).Data.length;
    client.destroy();
    if (values['setup-only']) {
      process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint, stream })}\n`);
      // The server runs until Ctrl-C or SIGTERM; then `finally` stops it and removes the temporary directory.
      await new Promise((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return;
    }
    const env = CHILD_ENV;
    const tailArgs = ['bin/cdcpipe.js', '--endpoint-url', server.endpoint, 'tail', stream, '--from', 'trim-horizon', '-e', '--json', '-q'];
    const bareArgs = [fileURLToPath(import.meta.url), '--bare', server.endpoint, '--stream', stream];
    const tail = [];
    const bare = [];
    for (let r = 0; r < rounds; r++) {
      bare.push(await measure(bareArgs, env, dir, 'bare'));
      tail.push(await measure(tailArgs, env, dir, 'tail'));
      process.stderr.write(`round ${r + 1}: bare ${bare.at(-1).cpuS.toFixed(2)} s CPU, tail ${tail.at(-1).cpuS.toFixed(2)} s CPU\n`);
    }
    const tailCpu = median(tail.map((m) => m.cpuS));
    const bareCpu = median(bare.map((m) => m.cpuS));
    const result = {
      records: recordCount,
      shards: shardCount,
      avgRecordBytes: Math.round(bytes / recordCount),
      rounds,
      tail: { cpuSeconds: +tailCpu.toFixed(3), userSeconds: +median(tail.map((m) => m.userS)).toFixed(3), sysSeconds: +median(tail.map((m) => m.sysS)).toFixed(3), wallSeconds: +median(tail.map((m) => m.wallS)).toFixed(2) },
      bareGetRecordsLoop: { cpuSeconds: +bareCpu.toFixed(3), userSeconds: +median(bare.map((m) => m.userS)).toFixed(3), sysSeconds: +median(bare.map((m) => m.sysS)).toFixed(3), wallSeconds: +median(bare.map((m) => m.wallS)).toFixed(2) },
      ratio: +(tailCpu / bareCpu).toFixed(2),
      target: TARGET_RATIO,
      pass: tailCpu / bareCpu <= TARGET_RATIO,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      process.stdout.write(
        `tail --json over ${recordCount} records (${result.avgRecordBytes} B avg, ${shardCount} shards), median of ${rounds}:\n` +
          `  tail               ${result.tail.cpuSeconds.toFixed(2)} s CPU (user ${result.tail.userSeconds.toFixed(2)} + sys ${result.tail.sysSeconds.toFixed(2)}), ${result.tail.wallSeconds} s wall\n` +
          `  bare SDK loop      ${result.bareGetRecordsLoop.cpuSeconds.toFixed(2)} s CPU (user ${result.bareGetRecordsLoop.userSeconds.toFixed(2)} + sys ${result.bareGetRecordsLoop.sysSeconds.toFixed(2)}), ${result.bareGetRecordsLoop.wallSeconds} s wall\n` +
          `  ratio              ${result.ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×) ${result.pass ? 'PASS' : 'FAIL'}\n`,
      );
    }
    if (!result.pass) process.exitCode = 1;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
