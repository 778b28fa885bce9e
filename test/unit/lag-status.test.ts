import { describe, expect, it } from 'vitest';
import { evaluateShard, isFailing, isGrowing, worstStatus, type LagSample, type LagStatus, type Liveness, type ShardEvidence } from '../../src/core/lag-status.js';
import { mapPositionsToShards, parseLeaseItem, parsePosition, shardLagMs, stageBreakdown, type ShardLagReport } from '../../src/core/lag-model.js';
import { buildLagReport, evaluateMetricSource } from '../../src/core/lag-report.js';

const S = 1000;
const MIN = 60 * S;
const NOW = Date.parse('2026-11-27T10:00:00Z');
const RULES = { nowMs: NOW, windowMs: 15 * MIN, thresholdMs: 5 * MIN };

/** Samples every `stepMs` back from NOW; `lag(i)` for the i-th (oldest first). */
function series(count: number, stepMs: number, fields: (i: number) => Partial<LagSample>): LagSample[] {
  return Array.from({ length: count }, (_, i) => ({ atMs: NOW - (count - 1 - i) * stepMs, ...fields(i) }));
}
const liveLease: Liveness = { kind: 'lease', minObserveMs: 5 * S, hasOwner: true };
const fresh: Liveness = { kind: 'activity', lastActivityMs: NOW - 10 * S, staleAfterMs: 15 * MIN };

const cases: [name: string, evidence: ShardEvidence, status: LagStatus, reason?: RegExp][] = [
  ['a caught-up consumer renewing its lease is OK', { samples: series(2, 5 * S, (i) => ({ lagMs: 0, checkpoint: '100', leaseCounter: 10 + i })), liveness: liveLease }, 'OK', /caught up/],
  ['lag under the threshold with a renewing lease is OK', { samples: series(2, 5 * S, (i) => ({ lagMs: 30 * S, checkpoint: '100', leaseCounter: 10 + i })), liveness: liveLease }, 'OK'],
  ['lag over the threshold is CRIT', { samples: series(2, 5 * S, (i) => ({ lagMs: 6 * MIN, checkpoint: '100', leaseCounter: 10 + i })), liveness: liveLease }, 'CRIT', /over the threshold 5m/],
  ['a lag that grows slowly under the threshold is WARN', { samples: series(15, MIN, (i) => ({ lagMs: 10 * S + i * 10 * S, checkpoint: String(100 + i), leaseCounter: 10 + i })), liveness: liveLease }, 'WARN', /grew from 10s/],
  ['a saw-tooth lag (checkpoint once a minute) is not growth: OK', { samples: series(15, MIN, (i) => ({ lagMs: i % 2 ? 50 * S : 5 * S, checkpoint: String(100 + i), leaseCounter: 10 + i })), liveness: liveLease }, 'OK'],
  ['a few seconds of observation are too short to call growth: OK', { samples: series(2, 5 * S, (i) => ({ lagMs: 20 * S + i * 5 * S, checkpoint: '100', leaseCounter: 10 + i })), liveness: liveLease }, 'OK'],
  ['the stopped consumer: lease counter still over the observation while behind is STOPPED, even under the threshold', { samples: series(2, 5 * S, () => ({ lagMs: 20 * MIN, checkpoint: '100', leaseCounter: 42 })), liveness: liveLease }, 'STOPPED', /lease counter unchanged/],
  ['a consumer that stopped 20 minutes ago with nothing behind yet is WARN, never OK', { samples: series(2, 5 * S, () => ({ lagMs: 0, checkpoint: '100', leaseCounter: 42 })), liveness: liveLease }, 'WARN', /nothing behind yet/],
  ['an observation shorter than the renewal interval cannot tell: a still counter is not STOPPED', { samples: series(2, 2 * S, () => ({ lagMs: 20 * S, checkpoint: '100', leaseCounter: 42 })), liveness: liveLease }, 'OK'],
  ['a single lease read (--observe 0) cannot tell liveness: lag decides', { samples: series(1, S, () => ({ lagMs: 6 * MIN, checkpoint: '100', leaseCounter: 42 })), liveness: liveLease }, 'CRIT'],
  ['a lease with no owner while behind is STOPPED', { samples: series(1, S, () => ({ lagMs: 5 * S, checkpoint: '100' })), liveness: { kind: 'lease', minObserveMs: 5 * S, hasOwner: false } }, 'STOPPED', /no owner/],
  ['a moving checkpoint proves life even when the counter is still', { samples: series(2, 5 * S, (i) => ({ lagMs: 5 * S, checkpoint: String(100 + i), leaseCounter: 42 })), liveness: liveLease }, 'OK'],
  ['an owner switch proves life (another worker took the lease)', { samples: series(2, 5 * S, (i) => ({ lagMs: 5 * S, checkpoint: '100', leaseCounter: 42, owner: i ? 'w2' : 'w1' })), liveness: liveLease }, 'OK'],
  ['checkpoint unchanged for 5 minutes while the lease renews and records wait is STALLED', { samples: series(6, MIN, (i) => ({ lagMs: 40 * S + i * MIN, checkpoint: '100', leaseCounter: 10 + i })), liveness: liveLease }, 'STALLED', /checkpoint unchanged for 5m/],
  ['STALLED outranks CRIT', { samples: series(6, MIN, (i) => ({ lagMs: 10 * MIN + i * MIN, checkpoint: '100', leaseCounter: 10 + i })), liveness: liveLease }, 'STALLED'],
  ['an unchanged checkpoint with nothing behind is idle, not stalled: OK', { samples: series(6, MIN, (i) => ({ lagMs: 0, checkpoint: '100', leaseCounter: 10 + i })), liveness: liveLease }, 'OK'],
  ['a tail checkpoint written 20 minutes ago (window 15m) while behind is STOPPED', { samples: series(1, S, () => ({ lagMs: 3 * MIN, checkpoint: '100' })), liveness: { kind: 'activity', lastActivityMs: NOW - 20 * MIN, staleAfterMs: 15 * MIN } }, 'STOPPED', /20m/],
  ['a tail checkpoint written 10 s ago and behind under the threshold is OK', { samples: series(1, S, () => ({ lagMs: 3 * MIN, checkpoint: '100' })), liveness: fresh }, 'OK'],
  ['no sign of the consumer at all while behind is STOPPED', { samples: series(1, S, () => ({ lagMs: 3 * S })), liveness: { kind: 'activity', staleAfterMs: 5 * MIN } }, 'STOPPED', /no sign/],
  ['a shard read to SHARD_END is OK whatever the samples say', { samples: series(2, 5 * S, () => ({ lagMs: 0, checkpoint: 'SHARD_END', leaseCounter: 3 })), liveness: liveLease, finished: true }, 'OK', /SHARD_END/],
  ['samples older than the window are ignored', { samples: [{ atMs: NOW - 20 * MIN, lagMs: 10 * MIN }, { atMs: NOW, lagMs: 10 * S }], liveness: { kind: 'none' } }, 'OK'],
];

describe('lag status rules', () => {
  it.each(cases)('%s', (_name, evidence, status, reason) => {
    const r = evaluateShard(evidence, RULES);
    expect(r.status).toBe(status);
    if (reason) expect(r.reason).toMatch(reason);
  });

  it.each([
    ['worst of OK, WARN, CRIT is CRIT', ['OK', 'WARN', 'CRIT'], 'CRIT'],
    ['STOPPED outranks everything', ['CRIT', 'STOPPED', 'STALLED'], 'STOPPED'],
    ['no shards is OK', [], 'OK'],
  ] as [string, LagStatus[], LagStatus][])('overall: %s', (_n, statuses, worst) => {
    expect(worstStatus(statuses)).toBe(worst);
  });

  it.each([
    ['OK', 'crit', false],
    ['WARN', 'crit', false],
    ['WARN', 'warn', true],
    ['CRIT', 'crit', true],
    ['STALLED', 'crit', true],
    ['STOPPED', 'crit', true],
    ['OK', 'warn', false],
  ] as [LagStatus, 'crit' | 'warn', boolean][])('%s with --fail-on %s fails: %s', (status, failOn, fails) => {
    expect(isFailing(status, failOn)).toBe(fails);
  });

  it('growth needs 3 samples: two rising samples over the span are not a trend', () => {
    expect(isGrowing(series(2, 10 * MIN, (i) => ({ lagMs: i * MIN })), 5 * MIN)).toBe(false);
  });
});

describe('lag model', () => {
  it.each([
    ['a sequence number', '49590338271490256608559692538361571095921575989136588898', { kind: 'sequence', sequenceNumber: '49590338271490256608559692538361571095921575989136588898' }],
    ['SHARD_END', 'SHARD_END', { kind: 'SHARD_END' }],
    ['TRIM_HORIZON', 'TRIM_HORIZON', { kind: 'TRIM_HORIZON' }],
    ['LATEST', 'LATEST', { kind: 'LATEST' }],
    ['garbage is no position', 'oops', undefined],
  ])('parses a checkpoint: %s', (_n, text, expected) => {
    expect(parsePosition(text)).toEqual(expected);
  });

  it('reads a KCL 2.x lease and a KCL 3.x lease; multi-stream keys of other streams are dropped', () => {
    const v2 = parseLeaseItem({ leaseKey: 'shardId-000000000001', leaseOwner: 'w1', leaseCounter: 7, checkpoint: '123', checkpointSubSequenceNumber: 0, ownerSwitchesSinceCheckpoint: 2, parentShardId: ['shardId-000000000000'] }, 'orders');
    expect(v2).toMatchObject({ shardId: 'shardId-000000000001', owner: 'w1', leaseCounter: 7, ownerSwitchesSinceCheckpoint: 2, layout: '2.x', parentShardIds: ['shardId-000000000000'], checkpoint: { kind: 'sequence', sequenceNumber: '123' } });
    const v3 = parseLeaseItem({ leaseKey: 'shardId-000000000000', leaseOwner: 'w1', leaseCounter: 3, checkpoint: 'SHARD_END', childShardIds: ['shardId-000000000002', 'shardId-000000000001'], startingHashKey: '0', endingHashKey: '9' }, 'orders');
    expect(v3).toMatchObject({ layout: '3.x', childShardIds: ['shardId-000000000001', 'shardId-000000000002'], checkpoint: { kind: 'SHARD_END' } });
    expect(parseLeaseItem({ leaseKey: '123456789012:other:1700000000:shardId-000000000000' }, 'orders')).toBeUndefined();
    expect(parseLeaseItem({ leaseKey: '123456789012:orders:1700000000:shardId-000000000004' }, 'orders')?.shardId).toBe('shardId-000000000004');
  });

  it('maps leases to shards: a closed parent at SHARD_END has nothing to read, a child without a lease waits for an unfinished parent', () => {
    const shards = [
      { shardId: 'shardId-0', parentShardIds: [], closed: true },
      { shardId: 'shardId-1', parentShardIds: ['shardId-0'], closed: false },
      { shardId: 'shardId-2', parentShardIds: ['shardId-0'], closed: false },
    ];
    const finished = mapPositionsToShards(shards, [
      { shardId: 'shardId-0', position: { kind: 'SHARD_END' } },
      { shardId: 'shardId-1', position: { kind: 'sequence', sequenceNumber: '5' } },
    ]);
    expect(finished.map((r) => [r.shardId, r.probe?.kind, r.waitingForParent])).toEqual([
      ['shardId-0', undefined, false],
      ['shardId-1', 'sequence', false],
      ['shardId-2', 'TRIM_HORIZON', false],
    ]);
    const unfinished = mapPositionsToShards(shards, [{ shardId: 'shardId-0', position: { kind: 'sequence', sequenceNumber: '9' } }]);
    expect(unfinished.find((r) => r.shardId === 'shardId-1')?.waitingForParent).toBe(true);
    const trimmed = mapPositionsToShards([], [{ shardId: 'shardId-9', position: { kind: 'SHARD_END' } }]);
    expect(trimmed[0]).toMatchObject({ inStream: false, shardId: 'shardId-9' });
  });

  it('per-shard lag is now minus the first unprocessed arrival, 0 when there is none', () => {
    expect(shardLagMs(NOW, NOW - 42 * S)).toBe(42 * S);
    expect(shardLagMs(NOW, undefined)).toBe(0);
  });

  it('stage breakdown: DMS time is target minus source latency, and the slowest stage is named', () => {
    const stages = stageBreakdown({ cdcLatencySourceS: 2, cdcLatencyTargetS: 5, consumerLagMs: 4 * S, firehoseFreshnessS: 90 });
    expect(stages.sourceToDms?.lagMs).toBe(2 * S);
    expect(stages.dmsToStream?.lagMs).toBe(3 * S);
    expect(stages.streamToConsumer?.lagMs).toBe(4 * S);
    expect(stages.streamToS3?.lagMs).toBe(90 * S);
    expect(stages.slowest).toBe('streamToS3');
    expect(stages.endToEndMs).toBe(95 * S);
  });

  describe('the report', () => {
    const shard = (shardId: string, status: LagStatus, lagMs: number): ShardLagReport => ({ shardId, parentShardIds: [], closed: false, lagMs, status, reason: `${status} at ${lagMs}` });
    const parts = { stream: 'orders', rules: { windowMs: 15 * MIN, thresholdMs: 5 * MIN }, extra: {}, series: new Map(), notes: [], nowMs: NOW };

    it('the overall status is the worst shard\'s, and its reason names the most behind shard of that status', () => {
      const r = buildLagReport({ ...parts, source: { kind: 'kcl', app: 'indexer', table: 'indexer' }, shards: [shard('s0', 'CRIT', 6 * MIN), shard('s1', 'STOPPED', MIN), shard('s2', 'STOPPED', 2 * MIN), shard('s3', 'OK', 0)] });
      expect([r.status, r.reason, r.maxLagMs]).toEqual(['STOPPED', 's2: STOPPED at 120000', 6 * MIN]);
      expect(r.stages.streamToConsumer).toEqual({ lagMs: 6 * MIN, from: 'KCL app indexer' });
      expect(r.evaluatedAt).toBe('2026-11-27T10:00:00.000Z');
    });

    it('no shard and no aggregate is OK with the reason "no shards" and no consumer stage', () => {
      const r = buildLagReport({ ...parts, source: { kind: 'checkpoint', path: 'cp.json' }, shards: [] });
      expect([r.status, r.reason, r.maxLagMs, r.stages.streamToConsumer]).toEqual(['OK', 'no shards', 0, undefined]);
    });

    it('an EFO consumer with no datapoint for 9 minutes while records arrive is STOPPED; throttling is summed over the window', () => {
      const at = (min: number) => NOW - min * MIN;
      const series = new Map([
        ['consumerBehind', { timestampsMs: [at(10), at(9)], values: [1000, 2000] }],
        ['incoming', { timestampsMs: [at(8), at(7)], values: [5, 3] }],
        ['writeThrottled', { timestampsMs: [at(3), at(2)], values: [1, 4] }],
      ]);
      const m = evaluateMetricSource({ kind: 'efo', consumer: 'search' }, series, [], parts.rules, NOW);
      expect(m.aggregate).toMatchObject({ scope: 'consumer', status: 'STOPPED', lagMs: 8 * MIN, metric: 'SubscribeToShardEvent.MillisBehindLatest (consumer search)' });
      expect(m.throttling).toEqual({ readThrottledSum: 0, writeThrottledSum: 5 });
      const r = buildLagReport({ ...parts, source: { kind: 'efo', consumer: 'search' }, ...m });
      expect([r.status, r.reason]).toEqual(['STOPPED', `consumer: ${m.aggregate.reason}`]);
      expect(r.stages.streamToConsumer?.from).toBe(m.aggregate.metric);
    });
  });
});
