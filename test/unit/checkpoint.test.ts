import { describe, expect, it } from 'vitest';
import { mergeCheckpoints, parseCheckpoint, serializeCheckpoint, type CheckpointFile } from '../../src/core/checkpoint.js';
import { UsageError } from '../../src/errors.js';

const SEQ = '49680606365356646076142461896724921603674346347827298306';

const good: CheckpointFile = {
  schemaVersion: 1,
  stream: 'orders-cdc',
  updatedAt: '2026-11-27T10:00:00.000Z',
  shards: {
    'shardId-000000000002': { sequenceNumber: SEQ, subSequenceNumber: 1, arrivalTime: '2026-11-27T09:59:59.000Z' },
    'shardId-000000000000': { sequenceNumber: '9223372036854775807', closed: true },
  },
};

describe('serializeCheckpoint / parseCheckpoint', () => {
  it('round-trips every field', () => {
    expect(parseCheckpoint(serializeCheckpoint(good), 'cp.json')).toEqual(good);
  });

  it('sorts shards by id and omits absent optional fields, so the file diffs cleanly', () => {
    const text = serializeCheckpoint(good);
    expect(text.indexOf('shardId-000000000000')).toBeLessThan(text.indexOf('shardId-000000000002'));
    expect(text).not.toContain('undefined');
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text).shards['shardId-000000000000']).toEqual({ sequenceNumber: '9223372036854775807', closed: true });
  });

  it('drops closed: false (only a shard read to its end is marked)', () => {
    const cp = parseCheckpoint(JSON.stringify({ ...good, shards: { a: { sequenceNumber: '1', closed: false } } }), 'f');
    expect(cp.shards.a).toEqual({ sequenceNumber: '1' });
  });
});

const bad: [string, string, RegExp][] = [
  ['text that is not JSON', 'not json', /cp\.json: not valid JSON/],
  ['a JSON array', '[]', /expected a JSON object/],
  ['schemaVersion 2', JSON.stringify({ ...good, schemaVersion: 2 }), /schemaVersion/],
  ['a missing stream name', JSON.stringify({ ...good, stream: '' }), /"stream"/],
  ['an updatedAt that is not a time', JSON.stringify({ ...good, updatedAt: 'yesterday' }), /updatedAt/],
  ['shards as a list', JSON.stringify({ ...good, shards: [] }), /"shards"/],
  ['a numeric sequence number (loses precision)', JSON.stringify({ ...good, shards: { a: { sequenceNumber: 4968 } } }), /shards\["a"\]\.sequenceNumber/],
  ['a non-decimal sequence number', JSON.stringify({ ...good, shards: { a: { sequenceNumber: '12ab' } } }), /sequenceNumber/],
  ['a negative subSequenceNumber', JSON.stringify({ ...good, shards: { a: { sequenceNumber: '1', subSequenceNumber: -1 } } }), /subSequenceNumber/],
  ['closed as a string', JSON.stringify({ ...good, shards: { a: { sequenceNumber: '1', closed: 'yes' } } }), /closed/],
  ['a bad arrivalTime', JSON.stringify({ ...good, shards: { a: { sequenceNumber: '1', arrivalTime: 'x' } } }), /arrivalTime/],
];

describe('parseCheckpoint rejects bad content with a UsageError naming the file', () => {
  it.each(bad)('%s', (_name, text, message) => {
    let error: unknown;
    try {
      parseCheckpoint(text, 'cp.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('cp.json');
    expect((error as Error).message).toMatch(message);
  });
});

describe('mergeCheckpoints: a checkpoint file never loses what it knew', () => {
  const cp = (shards: Record<string, { sequenceNumber: string; closed?: boolean; subSequenceNumber?: number }>, stream = 's') => ({ schemaVersion: 1 as const, stream, updatedAt: '2026-12-01T00:00:00.000Z', shards });
  it.each([
    ['a shard only the old file knows is kept', cp({ a: { sequenceNumber: '5' } }), cp({ b: { sequenceNumber: '7' } }), { a: { sequenceNumber: '5' }, b: { sequenceNumber: '7' } }],
    ['a run that read less keeps the further position', cp({ a: { sequenceNumber: '50' } }), cp({ a: { sequenceNumber: '7' } }), { a: { sequenceNumber: '50' } }],
    ['a run that read further moves it', cp({ a: { sequenceNumber: '50' } }), cp({ a: { sequenceNumber: '70' } }), { a: { sequenceNumber: '70' } }],
    ['sequence numbers compare as numbers, not text', cp({ a: { sequenceNumber: '9' } }), cp({ a: { sequenceNumber: '10' } }), { a: { sequenceNumber: '10' } }],
    ['a closed shard is the furthest', cp({ a: { sequenceNumber: '50', closed: true } }), cp({ a: { sequenceNumber: '70' } }), { a: { sequenceNumber: '50', closed: true } }],
    ['an empty run keeps everything', cp({ a: { sequenceNumber: '5' } }), cp({}), { a: { sequenceNumber: '5' } }],
  ])('%s', (_name, old, next, shards) => {
    expect(mergeCheckpoints(old, next).shards).toEqual(shards);
  });
  it('without an old file, or for another stream, the new one is written as it is', () => {
    const next = cp({ a: { sequenceNumber: '1' } });
    expect(mergeCheckpoints(undefined, next)).toBe(next);
    expect(mergeCheckpoints(cp({ b: { sequenceNumber: '2' } }, 'other'), next)).toBe(next);
  });
});
