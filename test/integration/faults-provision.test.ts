/**
 * Fault suite (issue 8): `cdcpipe provision` (the stream part, real binary, kinesis-local) through the
 * fault-injecting proxy (test/helpers/fault-proxy.ts). For each step that changes the stream, the proxy
 * fails that call on every SDK attempt, so the run stops at that step (exit 1); a re-run through a proxy
 * that still injects transient 500s and resets must converge to the file, never delete anything, and a
 * third run must make no mutating call. The DMS/Firehose/CloudWatch/IAM steps have no local server: their
 * failure-at-each-step-then-re-run cases are in test/unit/provision-aws.test.ts (mocked clients).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeStreamSummaryCommand, ListTagsForStreamCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { kinesisClient, listShards, openShards, runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
const dir = tempDir('faults-provision');
afterAll(() => client.destroy());

const MUTATING = /^(Create|Delete|Increase|Decrease|Start|Stop|Enable|Disable|Update|AddTags|RemoveTags|Merge|Split|Register|Deregister|Put)/;
const DESTRUCTIVE = /^(Delete|Decrease|Stop|Disable|RemoveTags|Merge|Deregister)/;
/** SDK attempts per call (src/aws/clients.ts maxAttempts): failing this many times in a row fails the step. */
const SDK_ATTEMPTS = 5;

const TRANSIENT: FaultRule[] = [
  { operation: 'DescribeStreamSummary', fault: 'http-500', rate: 0.2 },
  { operation: 'ListShards', fault: 'reset', rate: 0.2 },
  { operation: 'ListTagsForStream', fault: 'http-500', rate: 0.2 },
];

const STEPS = ['CreateStream', 'IncreaseStreamRetentionPeriod', 'StartStreamEncryption', 'EnableEnhancedMonitoring', 'AddTagsToStream'];

function ops(proxy: FaultProxy): string[] {
  return Object.keys(proxy.counts.requests);
}

describe('fault suite: provision interrupted at each stream step, then re-run through transient faults', () => {
  it.each(STEPS)('fails at %s; the re-run converges and deletes nothing; a third run changes nothing', async (step) => {
    const stream = uniqueStreamName(`faults-prov-${step.slice(0, 6).toLowerCase()}`);
    const file = join(dir, `${stream}.yaml`);
    writeFileSync(file, `stream:\n  name: ${stream}\n  shards: 2\n  retentionHours: 48\n  enhancedMonitoring: [IncomingBytes]\ntags:\n  team: data\n`);
    const provision = (proxy: FaultProxy) => runCli(['provision', '--config', file, '--yes', '--json'], { endpoint: proxy.endpoint, timeoutMs: 90_000 });

    const failing = await startFaultProxy({ target: endpoint, seed: 31, rules: [{ operation: step, fault: 'http-500', rate: 1, limit: SDK_ATTEMPTS }] });
    try {
      const res = await provision(failing);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain('re-run');
      expect(failing.total('http-500', step)).toBe(SDK_ATTEMPTS);
      expect(ops(failing).filter((op) => DESTRUCTIVE.test(op))).toEqual([]);
    } finally {
      await failing.stop();
    }

    const noisy = await startFaultProxy({ target: endpoint, seed: 32, rules: TRANSIENT });
    try {
      const res = await provision(noisy);
      expect(res.code, res.stderr).toBe(0);
      expect(ops(noisy).filter((op) => DESTRUCTIVE.test(op))).toEqual([]);
      // Only the steps the first run did not finish are made now: never CreateStream twice.
      if (step !== 'CreateStream') expect(noisy.counts.requests.CreateStream ?? 0).toBe(0);
    } finally {
      await noisy.stop();
    }
    const s = (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!;
    expect({ retention: s.RetentionPeriodHours, encryption: s.EncryptionType, metrics: s.EnhancedMonitoring?.[0]?.ShardLevelMetrics }).toEqual({
      retention: 48,
      encryption: 'KMS',
      metrics: ['IncomingBytes'],
    });
    expect(openShards(await listShards(client, stream))).toHaveLength(2);
    expect((await client.send(new ListTagsForStreamCommand({ StreamName: stream }))).Tags).toEqual([{ Key: 'team', Value: 'data' }]);

    const clean = await startFaultProxy({ target: endpoint, seed: 33, rules: [] });
    try {
      const res = await provision(clean);
      expect(res.code, res.stderr).toBe(0);
      expect((JSON.parse(res.stdout) as { actions: { action: string }[] }).actions.map((a) => a.action)).toEqual(['none']);
      expect(ops(clean).filter((op) => MUTATING.test(op))).toEqual([]);
    } finally {
      await clean.stop();
    }
  });
});
