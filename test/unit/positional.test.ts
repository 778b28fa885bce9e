/** Flags in any order: the stream name taken back from a variadic or optional-value flag (issue 20, item 6). */
import { describe, expect, it } from 'vitest';
import { streamFromOptionalValue, streamFromVariadic } from '../../src/commands/positional.js';
import { UsageError } from '../../src/errors.js';

const isShard = (v: string) => /^(shardId-)?\d+$/.test(v);

describe('streamFromVariadic', () => {
  it.each([
    ['the stream in its place is kept', 'orders', ['1', '2'], undefined, { stream: 'orders', values: ['1', '2'] }],
    ['tail --shard 1 orders: the word that is no shard id', undefined, ['1', 'orders'], undefined, { stream: 'orders', values: ['1'] }],
    ['tail --shard 1 2 orders', undefined, ['1', '2', 'orders'], undefined, { stream: 'orders', values: ['1', '2'] }],
    ['reshard --merge A B orders: the third word of a two-word flag', undefined, ['shardId-000000000001', 'shardId-000000000002', 'orders'], 2, { stream: 'orders', values: ['shardId-000000000001', 'shardId-000000000002'] }],
  ])('%s', (_name, stream, values, keep, expected) => {
    expect(streamFromVariadic(stream, values, keep === undefined ? isShard : () => true, keep)).toEqual(expected);
  });
  it('no stream anywhere is the usage error commander gave', () => {
    expect(() => streamFromVariadic(undefined, ['1', '2'], isShard)).toThrow(UsageError);
    expect(() => streamFromVariadic(undefined, undefined, isShard)).toThrow(/missing required argument 'stream'/);
  });
});

describe('streamFromOptionalValue', () => {
  it.each([
    ['lag --watch orders --checkpoint c: the stream, and --watch at its default', undefined, 'orders', { stream: 'orders', value: true }],
    ['lag orders --watch 10s', 'orders', '10s', { stream: 'orders', value: '10s' }],
    ['lag orders --watch', 'orders', true, { stream: 'orders', value: true }],
  ])('%s', (_name, stream, value, expected) => {
    expect(streamFromOptionalValue(stream, value as string | true, (v) => /^\d/.test(v))).toEqual(expected);
  });
  it('--watch 10s with no stream is still missing the stream', () => {
    expect(() => streamFromOptionalValue(undefined, '10s', (v) => /^\d/.test(v))).toThrow(/missing required argument 'stream'/);
  });
});
