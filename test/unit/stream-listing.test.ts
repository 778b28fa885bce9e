/** The pure helpers of `ls`, `describe` and the not-found hint: name similarity, the key-space bar, id lists. */
import { describe, expect, it } from 'vitest';
import { shareBar } from '../../src/core/share-bar.js';
import { didYouMean, editDistance, similarNames } from '../../src/core/similar-names.js';
import { idList } from '../../src/core/reshard-steps.js';
import { normalizeShardId } from '../../src/core/lineage.js';
import { parseReshardMode } from '../../src/core/reshard-mode.js';

const STREAMS = ['orders-cdc', 'orders-cdc-dev', 'payments-cdc', 'customers', 'od', 'Orders', 'audit-log'];

describe('edit distance (insert, delete, replace, swap neighbours)', () => {
  it.each([
    ['the same name is 0 apart', 'orders', 'orders', 0],
    ['one missing letter is 1', 'ordrs', 'orders', 1],
    ['two swapped neighbours are 1, not 2', 'odrers', 'orders', 1],
    ['one replaced letter is 1', 'orderz', 'orders', 1],
    ['one extra letter is 1', 'orderss', 'orders', 1],
    ['from nothing, the length', '', 'abc', 3],
    ['unrelated names are far apart', 'payments', 'orders', 6],
  ])('%s', (_name, a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('similar stream names for "did you mean"', () => {
  it.each([
    ['a missing letter finds the stream', 'ordrs-cdc', ['orders-cdc']],
    ['two edits still count, closest first', 'ordrs-cd', ['orders-cdc']],
    ['swapped letters count as one edit', 'ordres-cdc', ['orders-cdc']],
    ['case is ignored: the same name in other case comes first', 'ORDERS-CDC-DEV', ['orders-cdc-dev', 'orders-cdc']],
    ['the start of a name finds the longer one (and a case twin)', 'orders', ['Orders', 'orders-cdc']],
    ['a start shorter than half the name does not count: `pay` is not `payments-cdc`', 'pay', []],
    ['a longer name finds the stream it starts with', 'orders-cdc-prod', ['orders-cdc']],
    ['a name with no near neighbour finds none', 'inventory', []],
    ['a two-character name allows no edit: `os` does not find `od`', 'os', []],
    ['three edits are too many', 'ordxyz-cdc', []],
  ])('%s', (_name, wanted, expected) => {
    expect(similarNames(wanted, STREAMS)).toEqual(expected);
  });

  it('never suggests the name itself and stops at the maximum', () => {
    expect(similarNames('orders-cdc', STREAMS)).toEqual(['Orders', 'orders-cdc-dev']);
    expect(similarNames('orders', STREAMS, 1)).toEqual(['Orders']);
  });

  it.each([
    ['no name, no hint', [], undefined],
    ['one name', ['orders-cdc'], "did you mean 'orders-cdc'?"],
    ['two names', ['a', 'b'], "did you mean 'a' or 'b'?"],
    ['three names', ['a', 'b', 'c'], "did you mean 'a', 'b' or 'c'?"],
  ])('hint text: %s', (_name, names, text) => {
    expect(didYouMean(names)).toBe(text);
  });
});

describe('key-space bar', () => {
  it.each([
    ['a quarter of 8 cells is 2 filled', 0.25, 8, '██░░░░░░'],
    ['a half of 20 cells is 10 filled', 0.5, 20, '██████████░░░░░░░░░░'],
    ['all of it is every cell', 1, 4, '████'],
    ['none of it is no cell', 0, 4, '░░░░'],
    ['0.1 % still shows one cell', 0.001, 10, '█░░░░░░░░░'],
    ['99.9 % still leaves one cell empty', 0.999, 10, '█████████░'],
    ['12.5 % of 20 cells rounds to 3', 0.125, 20, '███░░░░░░░░░░░░░░░░░'],
    ['over 1 is clamped to the width', 1.5, 4, '████'],
    ['a negative share is clamped to none', -0.2, 4, '░░░░'],
  ])('%s', (_name, ratio, width, bar) => {
    expect(shareBar(ratio, width)).toBe(bar);
    expect([...shareBar(ratio, width)]).toHaveLength(width);
  });

  it('refuses a width under 2', () => expect(() => shareBar(0.5, 1)).toThrow(RangeError));
});

describe('id lists in messages', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => normalizeShardId(String(i))!);
  it.each([
    ['none', 0, 'none'],
    ['one', 1, 'shardId-000000000000'],
    ['ten are all listed', 10, ids(10).join(', ')],
    ['eleven show ten and one more', 11, `${ids(10).join(', ')} … and 1 more`],
    ['25 show ten and 15 more', 25, `${ids(10).join(', ')} … and 15 more`],
  ])('%s', (_name, n, text) => {
    expect(idList([...ids(n)].reverse())).toBe(text);
  });
});

describe('reshard --split and --merge take the shard id forms tail takes', () => {
  it.each([
    ['a number', { split: '3' }, { kind: 'split', shardId: 'shardId-000000000003' }],
    ['a zero-padded number', { split: '000000000003' }, { kind: 'split', shardId: 'shardId-000000000003' }],
    ['the full id', { split: 'shardId-000000000003' }, { kind: 'split', shardId: 'shardId-000000000003' }],
    ['two numbers to merge', { merge: ['4', 'shardId-000000000005'] }, { kind: 'merge', shardA: 'shardId-000000000004', shardB: 'shardId-000000000005' }],
  ])('%s', (_name, flags, mode) => {
    expect(parseReshardMode({ targetUtilization: '0.8', window: '1h', ...flags })).toEqual(mode);
  });

  it.each([
    ['--split', { split: 'shard-3' }],
    ['--merge', { merge: ['4', 'five'] }],
  ])('a malformed id is a usage error naming %s', (flag, flags) => {
    expect(() => parseReshardMode({ targetUtilization: '0.8', window: '1h', ...flags })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining(flag) }));
  });
});
