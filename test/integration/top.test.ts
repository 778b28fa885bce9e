/**
 * `cdcpipe top` (issue 18) against kinesis-local: the built binary samples while the test writes, and its
 * NDJSON frames must name the hot shard and key, refuse to split a single hot key, and suggest a split
 * that, once run, halves a shard whose load is spread over many keys. In a real terminal (tmux) the
 * screen shows the header and a row per shard, and `q` gives the shell back.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { partitionKeyToHashKey } from '../../src/core/hash-range.js';
import type { TopFrame } from '../../src/core/top-frame.js';
import { createStream, kinesisClient, listShards, openShards, putRecords, runCli, uniqueStreamName, type CliResult, type TestRecord } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';
import { columns, TmuxTerminal } from '../helpers/tmux.js';

let client: KinesisClient;
const endpoint = () => inject('kinesisEndpoint');
type Frame = TopFrame & { schemaVersion: number };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  client = kinesisClient(endpoint());
});
afterAll(() => client?.destroy());

/** Runs `top` while writing `batch()` every 250 ms; the frames it printed. */
async function topUnderLoad(args: string[], batch: () => TestRecord[]): Promise<{ frames: Frame[]; result: CliResult }> {
  let done = false;
  const run = runCli(['top', ...args, '--json'], { endpoint: endpoint(), timeoutMs: 90_000 }).finally(() => (done = true));
  const writer = (async () => {
    while (!done) {
      const started = Date.now();
      await putRecords(client, args[0]!, batch());
      await sleep(Math.max(0, 250 - (Date.now() - started)));
    }
  })();
  const result = await run;
  await writer;
  expect(result.code, result.stderr).toBe(0);
  return { frames: result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Frame), result };
}

const shardOfKey = async (stream: string, key: string) => {
  const hash = partitionKeyToHashKey(key);
  return openShards(await listShards(client, stream)).find((s) => BigInt(s.HashKeyRange!.StartingHashKey!) <= hash && hash <= BigInt(s.HashKeyRange!.EndingHashKey!))!.ShardId!;
};

describe('top --sample', () => {
  it('one key with 60 % of the records: the frames name its shard and its share, and say it cannot be split', async () => {
    const stream = uniqueStreamName('top-hotkey');
    await createStream(client, stream, 4);
    let n = 0;
    // 100 records a batch, 60 of them 'customer-42', interleaved; the rest over 400 keys.
    const batch = () => Array.from({ length: 100 }, (_, i) => ({ partitionKey: i % 5 < 3 ? 'customer-42' : `k-${n++ % 400}`, data: `{"i":${i},"pad":"${'x'.repeat(100)}"}` }));
    const { frames } = await topUnderLoad([stream, '--sample', '--interval', '1s', '--count', '12', '--hot', '0.05'], batch);
    const last = frames.at(-1)!;
    expect(last.schemaVersion).toBe(1);
    expect(last.source).toMatchObject({ kind: 'sample', via: 'polling' });
    const hotShard = await shardOfKey(stream, 'customer-42');
    expect(last.hottest?.shardId).toBe(hotShard);
    expect(last.topKeys[0]!.partitionKey).toBe('customer-42');
    expect(Math.abs(last.topKeys[0]!.share - 0.6)).toBeLessThanOrEqual(0.05);
    const advice = last.advice.filter((a) => a.shardId === hotShard);
    expect(advice).toHaveLength(1);
    expect(advice[0]).toMatchObject({ kind: 'hot-key', partitionKey: 'customer-42' });
    expect(advice[0]!.command).toBeUndefined();
    expect(advice[0]!.text).toMatch(/no split can spread it: change the partition key/);
    expect(last.source).toMatchObject({ warning: expect.stringMatching(/read capacity .* shared with the polling consumers/) });
  }, 120_000);

  it('a hot shard with many keys in one hash range: the suggested split leaves two children within 10 points of each other', async () => {
    const stream = uniqueStreamName('top-split');
    await createStream(client, stream, 2);
    // 160 keys whose MD5 falls in the lowest quarter of shard 0's half of the key space.
    const keys: string[] = [];
    for (let i = 0; keys.length < 160; i++) if (partitionKeyToHashKey(`order-${i}`) < 1n << 125n) keys.push(`order-${i}`);
    const batch = () => [...keys.map((k) => ({ partitionKey: k, data: `{"k":"${k}"}` })), ...Array.from({ length: 8 }, (_, i) => ({ partitionKey: `other-${i}`, data: '{}' }))];
    const before = await topUnderLoad([stream, '--sample', '--interval', '1s', '--count', '8', '--hot', '0.05'], batch);
    const last = before.frames.at(-1)!;
    const hot = await shardOfKey(stream, keys[0]!);
    expect(last.hottest?.shardId).toBe(hot);
    const split = last.advice.find((a) => a.shardId === hot)!;
    expect(split).toMatchObject({ kind: 'split' });
    expect(split.command).toMatch(new RegExp(`^cdcpipe reshard ${stream} --split ${hot} --at-key order-\\d+$`));

    const reshard = await runCli([...split.command!.split(' ').slice(1), '--yes'], { endpoint: endpoint() });
    expect(reshard.code, reshard.stderr).toBe(0);
    const children = openShards(await listShards(client, stream)).filter((s) => s.ParentShardId === hot);
    expect(children).toHaveLength(2);

    const after = await topUnderLoad([stream, '--sample', '--interval', '1s', '--count', '8', '--hot', '0.05'], batch);
    const rows = after.frames.at(-1)!.shards.filter((s) => children.some((c) => c.ShardId === s.shardId));
    expect(rows).toHaveLength(2);
    const [a, b] = rows.map((r) => r.trafficShare!);
    expect(a! + b!).toBeGreaterThan(0.8);
    expect(Math.abs(a! - b!)).toBeLessThanOrEqual(0.1);
  }, 180_000);
});

describe('top in a real terminal', () => {
  const term = new TmuxTerminal();
  afterAll(() => term.close());

  it('draws the header and one row per shard in 100 columns, and q gives the shell back', async () => {
    term.tmux('-V');
    const stream = uniqueStreamName('top-tty');
    await createStream(client, stream, 3);
    const session = term.start(['top', stream, '--sample', '--interval', '1s'], { width: 100, height: 30, cwd: tempDir('top-tty'), env: { AWS_ENDPOINT_URL: endpoint() } });
    await putRecords(client, stream, Array.from({ length: 50 }, (_, i) => ({ partitionKey: `k-${i}`, data: 'x' })));
    const lines = await term.waitFor(session, /shardId-000000000002/);
    expect(lines[0]).toMatch(new RegExp(`^cdcpipe top ${stream} · provisioned · 3 open shards`));
    expect(lines.join('\n')).toMatch(/headroom/);
    expect(lines.join(' ')).toMatch(/figures: sampled \(GetRecords from LATEST, each shard every 1 s\), last \d+ s; uses read capacity shared\s+with\s+polling consumers/);
    for (const id of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']) expect(lines.filter((l) => l.includes(id))).toHaveLength(1);
    expect(Math.max(...lines.map(columns))).toBeLessThanOrEqual(100);
    term.tmux('send-keys', '-t', session, 'q');
    const after = await term.waitFor(session, /__EXIT \d+__/, 20_000);
    expect(after.join('\n')).toMatch(/__EXIT 0__/);
    expect(after.join('\n')).not.toMatch(/shardId-|headroom/);
  }, 60_000);
});

describe('top flags', () => {
  it.each([
    [['--interval', '0s'], /--interval/],
    [['--hot', '2'], /--hot: expected a number > 0 and ≤ 1/],
    [['--efo', 'c1'], /--efo: only with --sample/],
    [['--keys', '0'], /--keys/],
    [['--count', '1.5'], /--count/],
    [['--app', 'a', '--checkpoint', 'c.json'], /--app\/--lease-table and --checkpoint/],
    [['--lambda', 'fn', '--flink', 'app'], /--lambda and --flink: name one lag source/],
    [['--lambda', 'no spaces'], /--lambda: expected a Lambda function name/],
    [['--sample-calls', '10'], /--sample-calls: only with --sample, without --efo/],
    [['--sample', '--efo', 'c1', '--sample-calls', '10'], /--sample-calls: only with --sample, without --efo/],
    [['--sample', '--sample-calls', '0'], /--sample-calls/],
    [['--sample', '--sample-calls', '2.5'], /--sample-calls/],
  ])('%j exits 2 naming the flag', async (args, message) => {
    const r = await runCli(['top', 'some-stream', ...args], { endpoint: endpoint() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
