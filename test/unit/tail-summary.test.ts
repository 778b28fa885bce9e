/** tail's closing line on stderr (issue 20, item 15: "tail: 1 records" reads badly). */
import { describe, expect, it } from 'vitest';
import { renderTailSummary } from '../../src/render/tail.js';
import type { TailResult } from '../../src/services/tail.js';

const result = (records: number, perShard: [string, number][] = []): TailResult =>
  ({ stats: { records, recordsPerShard: new Map(perShard), undecodable: 0, throttlesRetried: 0, errorsRetried: 0, iteratorsRenewed: 0 }, reason: 'end', elapsedMs: 1200 }) as unknown as TailResult;

describe('renderTailSummary', () => {
  it.each([
    [0, 'tail: 0 records · 0 undecodable · 0 throttles retried · end after 1.2s'],
    [1, 'tail: 1 record (shardId-000000000000 1) · 0 undecodable · 0 throttles retried · end after 1.2s'],
    [2, 'tail: 2 records (shardId-000000000000 2) · 0 undecodable · 0 throttles retried · end after 1.2s'],
  ])('%i record(s)', (n, line) => {
    expect(renderTailSummary(result(n, n ? [['shardId-000000000000', n]] : []))).toBe(line);
  });
});
