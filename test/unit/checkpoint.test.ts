import { describe, expect, it } from 'vitest';
import { parseCheckpoint, serializeCheckpoint, type CheckpointFile } from '../../src/core/checkpoint.js';
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
