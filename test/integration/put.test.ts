/**
 * `cdcpipe put` against kinesis-local, through the built binary: the tail → put round trip, bad input
 * (a truncated gzip, a 2 MiB record, an invalid line), --skip-bad and the failed file, --dry-run, and the
 * exit codes of a missing stream and of bad flags. What reached the stream is read back with a plain
 * GetRecords loop (test/helpers/read-all.ts) or with `cdcpipe tail`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createStream, kinesisClient, runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { readAll } from '../helpers/read-all.js';
import { tempDir } from '../helpers/temp-dir.js';

const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
afterAll(() => client.destroy());
const dir = tempDir('put');

interface TailLine {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  dataBase64: string;
}

const lines = (text: string): TailLine[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as TailLine);

/** partition key → the records' data in stream order (tail prints each shard in order; a key lives on one shard). */
function byKey(records: { partitionKey: string; data: string }[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of records) m.set(r.partitionKey, [...(m.get(r.partitionKey) ?? []), r.data]);
  return m;
}

describe('put', () => {
  it('round trip: produce 5,000 DMS records on 4 shards, tail --json --include-raw, put into a 2-shard stream, tail it: same (key, data) multiset, each key in order', async () => {
    const src = uniqueStreamName('put-src');
    const dst = uniqueStreamName('put-dst');
    await Promise.all([createStream(client, src, 4), createStream(client, dst, 2)]);
    const produced = await runCli(['produce', src, '--rps', '20000', '--kb', '0.5', '--count', '5000', '--seed', '5', '--ops', 'insert=40,update=50,delete=10', '--json'], { endpoint, timeoutMs: 200_000 });
    expect(produced.code, produced.stderr).toBe(0);

    const tailed = await runCli(['tail', src, '--from', 'trim-horizon', '-e', '--json', '--include-raw'], { endpoint, timeoutMs: 120_000 });
    expect(tailed.code, tailed.stderr).toBe(0);
    const a = lines(tailed.stdout);
    expect(a).toHaveLength(5000);
    expect(a.every((l) => typeof l.dataBase64 === 'string')).toBe(true);
    const file = join(dir, 'a.ndjson');
    writeFileSync(file, tailed.stdout);

    const put = await runCli(['put', dst, file, '--json'], { endpoint, timeoutMs: 300_000 });
    expect(put.code, put.stderr).toBe(0);
    const doc = JSON.parse(put.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ schemaVersion: 1, records: 5000, selected: 5000, failed: 0, bad: 0, dryRun: false });
    expect(doc.bytes).toBe(a.reduce((n, l) => n + Buffer.from(l.dataBase64, 'base64').length, 0));
    expect(Object.keys(doc.phasesMs as object)).toEqual(['describe', 'read', 'parse', 'write']);

    const back = await runCli(['tail', dst, '--from', 'trim-horizon', '-e', '--json', '--include-raw'], { endpoint, timeoutMs: 120_000 });
    expect(back.code, back.stderr).toBe(0);
    const b = lines(back.stdout);
    const pairs = (ls: TailLine[]) => ls.map((l) => `${l.partitionKey}\u0000${l.dataBase64}`).sort();
    expect(pairs(b)).toEqual(pairs(a));
    // Per key, the order of the source stream.
    const order = (ls: TailLine[]) => byKey(ls.map((l) => ({ partitionKey: l.partitionKey, data: l.dataBase64 })));
    const want = order(a);
    const got = order(b);
    expect(got.size).toBe(want.size);
    const repeated = [...want.values()].filter((v) => v.length > 1).length;
    expect(repeated).toBeGreaterThan(100);
    for (const [key, list] of want) expect(got.get(key), key).toEqual(list);
  }, 600_000);

  it('bad input: a truncated gzip, a 2 MiB record and an invalid line are named by file and line, and nothing is written', async () => {
    const dst = uniqueStreamName('put-bad');
    await createStream(client, dst, 1);
    const good = (i: number) => JSON.stringify({ partitionKey: `k${i}`, dataBase64: Buffer.from(`record ${i}`).toString('base64') });
    const ok = join(dir, 'ok.ndjson');
    writeFileSync(ok, `${good(1)}\n${good(2)}\n`);
    const invalid = join(dir, 'invalid.ndjson');
    writeFileSync(invalid, `${good(3)}\n{"partitionKey": "k4", "dataBase64": \n${good(5)}\n`);
    const big = join(dir, 'big.ndjson');
    writeFileSync(big, `${good(6)}\n${JSON.stringify({ partitionKey: 'big', dataBase64: Buffer.alloc(2 * 1024 * 1024, 120).toString('base64') })}\n`);
    const gz = gzipSync(Buffer.from(Array.from({ length: 200 }, (_, i) => good(100 + i)).join('\n')));
    const truncated = join(dir, 'cut.ndjson.gz');
    writeFileSync(truncated, gz.subarray(0, Math.floor(gz.length * 0.6)));

    const res = await runCli(['put', dst, ok, invalid, big, truncated], { endpoint, timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(`${invalid}:2: not a JSON object`);
    expect(res.stderr).toContain('nothing was written');
    expect(res.stdout).toMatch(new RegExp(`${big}:2: a record of 2097155 bytes .*maximum record size of 1048576 bytes`));
    expect(res.stdout).toMatch(new RegExp(`${truncated}:\\d+: truncated or corrupt gzip`));
    expect(await readAll(client, dst)).toHaveLength(0);

    // --skip-bad: the good records go in, the bad ones to the failed file, which put reads back as bad again.
    const failed = join(dir, 'bad-out.ndjson');
    const skip = await runCli(['put', dst, ok, invalid, big, truncated, '--skip-bad', '--failed-file', failed, '--json'], { endpoint, timeoutMs: 60_000 });
    expect(skip.code, skip.stderr).toBe(0);
    const doc = JSON.parse(skip.stdout) as { records: number; bad: number; failedFile: string };
    const stored = await readAll(client, dst);
    expect(doc.bad).toBe(3);
    expect(doc.records).toBe(stored.length);
    expect(stored.length).toBeGreaterThan(5);
    expect(stored.every((r) => r.partitionKey !== 'big' && r.partitionKey !== 'k4')).toBe(true);
    expect(doc.failedFile).toBe(failed);
    const badLines = readFileSync(failed, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { bad: string; input: string });
    expect(badLines.map((l) => l.input)).toEqual([`${invalid}:2`, `${big}:2`, expect.stringMatching(new RegExp(`^${truncated}:\\d+$`))]);
    const again = await runCli(['put', dst, failed], { endpoint });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('marked bad by an earlier put');
  }, 120_000);

  it('--dry-run reads and checks, prints the counts and writes nothing; stdin and --format lines with --key', async () => {
    const dst = uniqueStreamName('put-dry');
    await createStream(client, dst, 1);
    const input = Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: i % 3, n: i })).join('\n');
    const dry = await runCli(['put', dst, '--format', 'lines', '--key', 'row-%{id}', '--dry-run', '--json'], { endpoint, input });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, selected: 30, records: 0, bad: 0 });
    expect(await readAll(client, dst)).toHaveLength(0);

    const res = await runCli(['put', dst, '-', '--format', 'lines', '--key', 'row-%{id}', '--max', '20'], { endpoint, input });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('wrote 20 of 20 records');
    const stored = await readAll(client, dst);
    expect(stored).toHaveLength(20);
    const got = byKey(stored.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(r.data).toString() })));
    for (const id of [0, 1, 2]) {
      const want = Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 3 === id).map((i) => JSON.stringify({ id, n: i }));
      expect(got.get(`row-${id}`)).toEqual(want);
    }
  }, 60_000);

  it('records that cannot be written after retries go to the failed file (exit 1), and putting that file writes them', async () => {
    const dst = uniqueStreamName('put-fail');
    await createStream(client, dst, 1);
    const input = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n');
    const failed = join(dir, 'unwritten.ndjson');
    // A proxy that throttles every entry of every PutRecords (test/helpers/put-faults.ts).
    const { startPutFaults } = await import('../helpers/put-faults.js');
    const faults = await startPutFaults({ target: endpoint, seed: 1, requestFraction: 1, entryFraction: 1 });
    try {
      const res = await runCli(['put', dst, '--format', 'lines', '--key', 'k%n', '--failed-file', failed], { endpoint: faults.endpoint, input, env: { CDCPIPE_TEST_PUT_MAX_ATTEMPTS: '2' }, timeoutMs: 60_000 });
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain(`10 records could not be written after retries; they are in ${failed}`);
      expect(res.stderr).toContain(`cdcpipe put ${dst} ${failed}`);
    } finally {
      await faults.close();
    }
    expect(await readAll(client, dst)).toHaveLength(0);
    const retry = await runCli(['put', dst, failed], { endpoint });
    expect(retry.code, retry.stderr).toBe(0);
    const stored = await readAll(client, dst);
    expect(stored.map((r) => [r.partitionKey, Buffer.from(r.data).toString()]).sort()).toEqual(Array.from({ length: 10 }, (_, i) => [`k${i + 1}`, `line ${i}`]).sort());
  }, 120_000);

  it.each([
    [['put', 'nope-stream-missing', '-'], 4, /nope-stream-missing/],
    [['put', 'x', '--format', 'csv'], 2, /--format: expected auto \| tail \| lines/],
    [['put', 'x', '--rps', '0'], 2, /--rps: expected a number > 0/],
    [['put', 'x', '--max', '1.5'], 2, /--max: expected a whole number/],
    [['put', 'x', '--key', '%q'], 2, /--key: unknown code %q/],
    [['put', 'x', '--since', '-1h'], 2, /--since: only with --from/],
    [['put', 'x', '--from', 'bucket/prefix'], 2, /--from: expected s3:\/\/bucket\/prefix/],
    [['put', 'x', 'a.ndjson', '--from', 's3://bucket/p'], 2, /--from: read either files or an S3 prefix/],
    [['put', 'x', '--format', 'lines', '--error-code', 'A'], 2, /--error-code: only with --format firehose-errors/],
    [['put', 'x', '--max-in-flight', '65'], 2, /--max-in-flight: expected a whole number ≥ 1 and ≤ 64/],
    [['put', 'x', '--bogus'], 2, /unknown option '--bogus'/],
    [['tail', 'x', '--include-raw'], 2, /--include-raw: only with --json/],
  ])('%j exits %i naming what is wrong', async (args, code, message) => {
    const res = await runCli(args, { endpoint, input: '{"partitionKey":"k","dataBase64":"eA=="}\n' });
    expect(res.code, res.stderr).toBe(code);
    expect(res.stderr).toMatch(message);
  });

  it('--failed-file must be a new file', async () => {
    const existing = join(dir, 'exists.ndjson');
    writeFileSync(existing, '');
    const res = await runCli(['put', 'x', '--failed-file', existing], { endpoint });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--failed-file: expected a path to a new file.*\(it exists\)/);
    expect(existsSync(existing)).toBe(true);
  });
});
