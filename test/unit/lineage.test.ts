import { describe, expect, it } from 'vitest';
import {
  LineageTracker,
  normalizeShardId,
  parseFromFlag,
  parseUntilFlag,
  planRead,
  selectShards,
  type ReadFrom,
  type ShardLike,
  type StartPosition,
} from '../../src/core/lineage.js';
import type { CheckpointFile } from '../../src/core/checkpoint.js';
import { NotFoundError, UsageError } from '../../src/errors.js';

const id = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
const shard = (n: number, opts: { parents?: number[]; closed?: boolean } = {}): ShardLike => ({
  ShardId: id(n),
  ParentShardId: opts.parents?.[0] !== undefined ? id(opts.parents[0]) : undefined,
  AdjacentParentShardId: opts.parents?.[1] !== undefined ? id(opts.parents[1]) : undefined,
  SequenceNumberRange: { StartingSequenceNumber: `${n}00`, EndingSequenceNumber: opts.closed ? '9223372036854775807' : undefined },
});

/** 0,1 split into 2,3 and 4,5 (UpdateShardCount 2 → 4); 3 and 4 merged into 6. */
const RESHARDED: ShardLike[] = [
  shard(0, { closed: true }),
  shard(1, { closed: true }),
  shard(2, { parents: [0] }),
  shard(3, { parents: [0], closed: true }),
  shard(4, { parents: [1], closed: true }),
  shard(5, { parents: [1] }),
  shard(6, { parents: [3, 4] }),
];
/** The same stream after 0 and 1 expired past retention. */
const TRIMMED = RESHARDED.slice(2);

const NOW = new Date('2026-11-27T10:00:00Z');
const TRIM: StartPosition = { type: 'TRIM_HORIZON' };

function checkpoint(shards: CheckpointFile['shards']): ReadFrom {
  return { kind: 'checkpoint', checkpoint: { schemaVersion: 1, stream: 's', updatedAt: NOW.toISOString(), shards } };
}

/** Runs the tracker to completion the way the reader does: every started shard is read to its end. */
function readOrder(shards: ShardLike[], plan: ReturnType<typeof planRead>): string[][] {
  const tracker = new LineageTracker(shards, plan);
  const waves: string[][] = [];
  for (let ready = tracker.takeReady(); ready.length > 0; ready = tracker.takeReady()) {
    waves.push(ready.map((r) => r.shardId.slice(-1)).sort());
    for (const r of ready) tracker.finish(r.shardId);
  }
  return waves;
}

describe('parseFromFlag', () => {
  const cases: [string, string, unknown][] = [
    ['latest is the newest position', 'latest', { kind: 'latest' }],
    ['trim-horizon is the oldest record kept', 'trim-horizon', { kind: 'trim-horizon' }],
    ['an ISO time is AT_TIMESTAMP', '2026-11-27T09:00:00Z', { kind: 'timestamp', at: new Date('2026-11-27T09:00:00Z') }],
    ['-15m is 15 minutes before now', '-15m', { kind: 'timestamp', at: new Date('2026-11-27T09:45:00Z') }],
    ['seq: keeps the full 56-digit number as a string', 'seq:49680606365356646076142461896724921603674346347827298306', { kind: 'sequence', sequenceNumber: '49680606365356646076142461896724921603674346347827298306' }],
    ['checkpoint: keeps the path', 'checkpoint:./cp.json', { kind: 'checkpoint', path: './cp.json' }],
  ];
  it.each(cases)('%s', (_name, raw, expected) => expect(parseFromFlag(raw, NOW)).toEqual(expected));

  const bad = ['yesterday', 'seq:', 'seq:12ab', 'checkpoint:', '-15x', '2026-13-45T00:00:00Z', ''];
  it.each(bad)('rejects %j with a UsageError naming --from', (raw) => {
    expect(() => parseFromFlag(raw, NOW)).toThrow(UsageError);
    expect(() => parseFromFlag(raw, NOW)).toThrow(/--from/);
  });
});

describe('parseUntilFlag', () => {
  const cases: [string, string, Date][] = [
    ['an ISO time is that time', '2026-11-27T09:00:00Z', new Date('2026-11-27T09:00:00Z')],
    ['-5m is 5 minutes before now', '-5m', new Date('2026-11-27T09:55:00Z')],
    ['+1h is an hour after now', '+1h', new Date('2026-11-27T11:00:00Z')],
  ];
  it.each(cases)('%s', (_name, raw, expected) => expect(parseUntilFlag(raw, NOW)).toEqual(expected));

  it.each(['-5x', 'tomorrow', ''])('rejects %j with a UsageError naming --until', (raw) => {
    expect(() => parseUntilFlag(raw, NOW)).toThrow(UsageError);
    expect(() => parseUntilFlag(raw, NOW)).toThrow(/--until/);
  });
});

describe('normalizeShardId and selectShards', () => {
  it.each([
    ['shardId-000000000003', id(3)],
    ['000000000003', id(3)],
    ['3', id(3)],
    ['shard-3', null],
  ])('%s → %s', (raw, expected) => expect(normalizeShardId(raw)).toBe(expected));

  it('accepts repeated and comma-separated ids, dropping repeats', () => {
    expect(selectShards(RESHARDED, ['2,3', '3', 'shardId-000000000006'], 's')).toEqual([id(2), id(3), id(6)]);
  });
  it('a malformed id is a usage error naming --shard', () => expect(() => selectShards(RESHARDED, ['abc'], 's')).toThrow(UsageError));
  it('an id the stream does not have is not found (exit 4)', () => expect(() => selectShards(RESHARDED, ['9'], 's')).toThrow(NotFoundError));
});

describe('planRead: the read set and where each shard starts', () => {
  const startOf = (from: ReadFrom, selected?: string[], shards = RESHARDED) =>
    Object.fromEntries([...planRead(shards, from, selected).start].map(([k, v]) => [k.slice(-1), v.type]));

  const cases: [string, ReadFrom, string[] | undefined, ShardLike[], Record<string, string>][] = [
    ['latest reads only open shards, at LATEST', { kind: 'latest' }, undefined, RESHARDED, { 2: 'LATEST', 5: 'LATEST', 6: 'LATEST' }],
    ['trim-horizon reads every shard, parents included', { kind: 'trim-horizon' }, undefined, RESHARDED, { 0: 'TRIM_HORIZON', 1: 'TRIM_HORIZON', 2: 'TRIM_HORIZON', 3: 'TRIM_HORIZON', 4: 'TRIM_HORIZON', 5: 'TRIM_HORIZON', 6: 'TRIM_HORIZON' }],
    ['a time reads every shard AT_TIMESTAMP', { kind: 'timestamp', at: NOW }, undefined, TRIMMED, { 2: 'AT_TIMESTAMP', 3: 'AT_TIMESTAMP', 4: 'AT_TIMESTAMP', 5: 'AT_TIMESTAMP', 6: 'AT_TIMESTAMP' }],
    ['--shard 3 reads 3 and its descendant 6', { kind: 'trim-horizon' }, [id(3)], RESHARDED, { 3: 'TRIM_HORIZON', 6: 'TRIM_HORIZON' }],
    ['seq: starts the selected shard AT_SEQUENCE_NUMBER and its children at TRIM_HORIZON', { kind: 'sequence', sequenceNumber: '42' }, [id(4)], RESHARDED, { 4: 'AT_SEQUENCE_NUMBER', 6: 'TRIM_HORIZON' }],
  ];
  it.each(cases)('%s', (_name, from, selected, shards, expected) => expect(startOf(from, selected, shards)).toEqual(expected));

  it('seq: without exactly one --shard is a usage error', () => {
    expect(() => planRead(RESHARDED, { kind: 'sequence', sequenceNumber: '42' })).toThrow(/exactly one --shard/);
  });

  it('a timestamp start keeps AT_TIMESTAMP for children found later (they may hold older records)', () => {
    expect(planRead(RESHARDED, { kind: 'timestamp', at: NOW }).descendantStart).toEqual({ type: 'AT_TIMESTAMP', timestamp: NOW });
  });

  describe('from a checkpoint', () => {
    it('resumes checkpointed shards after their sequence number, skips closed ones, reads descendants from TRIM_HORIZON and skips ancestors', () => {
      const plan = planRead(RESHARDED, checkpoint({ [id(0)]: { sequenceNumber: '1', closed: true }, [id(3)]: { sequenceNumber: '33' }, [id(1)]: { sequenceNumber: '11' } }));
      expect(Object.fromEntries(plan.start)).toEqual({
        [id(1)]: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '11' },
        [id(2)]: TRIM,
        [id(3)]: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '33' },
        [id(4)]: TRIM,
        [id(5)]: TRIM,
        [id(6)]: TRIM,
      });
      expect([...plan.done]).toEqual([id(0)]);
      expect(plan.warnings).toEqual([]);
    });

    it('resumes inside a KPL aggregate AT_SEQUENCE_NUMBER, skipping the user records already read', () => {
      const plan = planRead(RESHARDED, checkpoint({ [id(2)]: { sequenceNumber: '22', subSequenceNumber: 1 } }));
      expect(plan.start.get(id(2))).toEqual({ type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '22', skipThroughSubSequenceNumber: 1 });
    });

    it('skips the ancestors of a checkpointed shard and reads unrelated shards from TRIM_HORIZON with a warning', () => {
      const plan = planRead(RESHARDED, checkpoint({ [id(6)]: { sequenceNumber: '66' } }));
      expect(Object.fromEntries([...plan.start].map(([k, v]) => [k.slice(-1), v.type]))).toEqual({ 2: 'TRIM_HORIZON', 5: 'TRIM_HORIZON', 6: 'AFTER_SEQUENCE_NUMBER' });
      expect(plan.warnings.join()).toMatch(/not in the checkpoint.*shardId-000000000002, shardId-000000000005/);
    });

    it('treats children of an expired checkpointed shard as its descendants', () => {
      const plan = planRead(TRIMMED, checkpoint({ [id(0)]: { sequenceNumber: '1' }, [id(1)]: { sequenceNumber: '2', closed: true } }));
      expect(plan.start.get(id(2))).toEqual(TRIM);
      expect(plan.warnings.join()).toMatch(/no longer in the stream.*shardId-000000000000, shardId-000000000001/);
      expect(plan.warnings.join()).not.toMatch(/not in the checkpoint/);
    });
  });
});

describe('LineageTracker: a child starts only after all its parents in the read set are done', () => {
  it('trim-horizon: parents, then split children, then the merge child after BOTH of its parents', () => {
    expect(readOrder(RESHARDED, planRead(RESHARDED, { kind: 'trim-horizon' }))).toEqual([['0', '1'], ['2', '3', '4', '5'], ['6']]);
  });

  it('parents expired from the list do not hold their children back', () => {
    expect(readOrder(TRIMMED, planRead(TRIMMED, { kind: 'trim-horizon' }))).toEqual([['2', '3', '4', '5'], ['6']]);
  });

  it('a merge child waits for the second parent while the first is done', () => {
    const tracker = new LineageTracker(TRIMMED, planRead(TRIMMED, { kind: 'trim-horizon' }));
    tracker.takeReady();
    tracker.finish(id(3));
    expect(tracker.takeReady()).toEqual([]);
    expect(tracker.stateOf(id(6))).toBe('waiting');
    tracker.finish(id(4));
    expect(tracker.takeReady()).toEqual([{ shardId: id(6), start: TRIM }]);
  });

  it('a merge child with only one parent selected starts after that one', () => {
    expect(readOrder(RESHARDED, planRead(RESHARDED, { kind: 'trim-horizon' }, [id(3)]))).toEqual([['3'], ['6']]);
  });

  it('children found in ChildShards at a shard end join the read set (latest start, reshard while reading)', () => {
    const shards = [shard(0), shard(1)];
    const tracker = new LineageTracker(shards, planRead(shards, { kind: 'latest' }));
    expect(tracker.takeReady().map((r) => r.start.type)).toEqual(['LATEST', 'LATEST']);
    tracker.finish(id(0), [{ ShardId: id(2), ParentShards: [id(0), id(1)] }]);
    expect(tracker.takeReady()).toEqual([]);
    tracker.finish(id(1), [{ ShardId: id(2), ParentShards: [id(0), id(1)] }]);
    expect(tracker.takeReady()).toEqual([{ shardId: id(2), start: TRIM }]);
  });

  it('without ChildShards (kinesis-local SubscribeToShard) the children from ListShards are used', () => {
    const tracker = new LineageTracker(RESHARDED, planRead(RESHARDED, { kind: 'trim-horizon' }, [id(0)]));
    tracker.takeReady();
    tracker.finish(id(0));
    expect(tracker.takeReady().map((r) => r.shardId)).toEqual([id(2), id(3)]);
  });

  it('a stopped parent (caught up, or past --until) never starts its children', () => {
    const tracker = new LineageTracker(RESHARDED, planRead(RESHARDED, { kind: 'trim-horizon' }, [id(0)]));
    tracker.takeReady();
    tracker.stop(id(0));
    expect(tracker.takeReady()).toEqual([]);
    expect(tracker.reading).toBe(0);
  });

  it('shards closed in the checkpoint count as done: their children start at once', () => {
    const tracker = new LineageTracker(RESHARDED, planRead(RESHARDED, checkpoint({ [id(3)]: { sequenceNumber: '3', closed: true }, [id(4)]: { sequenceNumber: '4', closed: true } })));
    expect(tracker.takeReady().map((r) => r.shardId)).toContain(id(6));
  });
});
