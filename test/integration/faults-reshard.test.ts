/**
 * Fault suite (issue 8): `cdcpipe reshard` through the fault-injecting proxy (test/helpers/fault-proxy.ts)
 * in front of kinesis-local, with the real binary. The clean-path interruption of --rebalance is covered
 * in test/integration/reshard.test.ts; this adds what it does not: an interrupted --to whose re-run goes
 * through HTTP 500s, connection resets and throttling on every call reshard makes, and an UpdateShardCount
 * whose response is lost after the server acted on it. Outcomes are checked with ListShards (no proxy).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Shard } from '@aws-sdk/client-kinesis';
import { checkCoverage, deviationFromEven, toShardRange } from '../../src/core/hash-range.js';
import { startFaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { createStream, kinesisClient, listShards, openShards, runCli, uniqueStreamName } from '../helpers/kinesis.js';

const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
afterAll(() => client.destroy());

interface ReshardDoc {
  steps: { call: string; status: string; params: Record<string, string | number> }[];
  calls: Record<string, number>;
  budget?: { spent: number; planned: number };
  complete: boolean;
}

function expectEvenMap(all: Shard[], n: number): void {
  const open = openShards(all).map(toShardRange);
  expect(open).toHaveLength(n);
  const coverage = checkCoverage(open);
  expect(coverage.gaps).toEqual([]);
  expect(coverage.overlaps).toEqual([]);
  for (const r of open) expect(deviationFromEven(r, n)).toBeLessThanOrEqual(0.01);
}

/** Faults on every call reshard makes; all injected before the request reaches the server. */
const NOISY: FaultRule[] = [
  { operation: 'DescribeStreamSummary', fault: 'http-500', rate: 0.25 },
  { operation: 'ListShards', fault: 'reset', rate: 0.2 },
  { operation: 'ListShards', fault: 'http-500', rate: 0.1 },
  { operation: 'UpdateShardCount', fault: 'http-500', rate: 1, limit: 1 },
  { operation: 'UpdateShardCount', fault: 'reset', rate: 1, limit: 1 },
  { operation: 'UpdateShardCount', fault: 'limit-exceeded', rate: 1, limit: 1 },
  { operation: 'DescribeStreamSummary', fault: 'slow', rate: 0.1, delayMs: 200 },
];

describe('fault suite: reshard under injected faults', () => {
  it('--to 8 interrupted after the first UpdateShardCount, then re-run through 500s, resets and throttling: converges to 8 even shards', async () => {
    const stream = uniqueStreamName('faults-rs');
    await createStream(client, stream, 2);
    const proxy = await startFaultProxy({ target: endpoint, seed: 909, rules: NOISY });
    try {
      const run = (env: Record<string, string> = {}) => runCli(['reshard', stream, '--to', '8', '--yes', '--json'], { endpoint: proxy.endpoint, env, timeoutMs: 120_000 });
      const stopped = await run({ CDCPIPE_TEST_STOP_AFTER_CALLS: '1' });
      expect(stopped.code, stopped.stderr).toBe(1);
      expect(stopped.stderr).toMatch(/stopped after 1/);
      expectEvenMap(await listShards(client, stream), 4); // 2 → 4 done, 4 → 8 not yet

      const resumed = await run();
      expect(resumed.code, resumed.stderr).toBe(0);
      const doc = JSON.parse(resumed.stdout) as ReshardDoc;
      // The re-run plans from the current map: only 4 → 8 is left, and the first call counts against the budget.
      expect(doc.steps.map((s) => `${s.call} ${s.params.TargetShardCount} ${s.status}`)).toEqual(['UpdateShardCount 8 done']);
      expect(doc.budget).toMatchObject({ spent: 1, planned: 1 });
      expect(doc.complete).toBe(true);
      expectEvenMap(await listShards(client, stream), 8);

      // Every kind of fault really hit the runs, and UpdateShardCount went through its 500, reset and throttle.
      expect(proxy.counts.injected.UpdateShardCount).toEqual({ 'http-500': 1, reset: 1, 'limit-exceeded': 1 });
      expect(proxy.total('http-500', 'DescribeStreamSummary') + proxy.total('reset', 'ListShards') + proxy.total('http-500', 'ListShards')).toBeGreaterThan(0);

      const again = await run();
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as ReshardDoc).steps).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it('an UpdateShardCount whose response is lost after the server acted: the run still ends at exactly the target and a re-run does nothing', async () => {
    const stream = uniqueStreamName('faults-rs-lost');
    await createStream(client, stream, 2);
    // `cut` forwards the request and then drops the connection: the shards change, the client never hears.
    const proxy = await startFaultProxy({ target: endpoint, seed: 5, rules: [{ operation: 'UpdateShardCount', fault: 'cut', rate: 1, limit: 1, delayMs: 0 }] });
    try {
      const first = await runCli(['reshard', stream, '--to', '4', '--yes', '--json'], { endpoint: proxy.endpoint, timeoutMs: 120_000 });
      expect(proxy.total('cut', 'UpdateShardCount')).toBe(1);
      // The SDK re-sends the call; the stream is then UPDATING or already at 4, and reshard verifies the map with
      // ListShards rather than trusting the answer: the run ends at exactly 4 even shards, and a re-run does nothing.
      expect(first.code, first.stderr).toBe(0);
      expectEvenMap(await listShards(client, stream), 4);
      const second = await runCli(['reshard', stream, '--to', '4', '--yes', '--json'], { endpoint: proxy.endpoint, timeoutMs: 120_000 });
      expect(second.code, second.stderr).toBe(0);
      expect((JSON.parse(second.stdout) as ReshardDoc).steps).toEqual([]);
      expectEvenMap(await listShards(client, stream), 4);
    } finally {
      await proxy.stop();
    }
  });
});
