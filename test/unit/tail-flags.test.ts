/** tail's flags checked before any AWS call (issue 20, items 9 and 15): a future --from, an unknown template code. */
import { describe, expect, it } from 'vitest';
import { parseFromFlag } from '../../src/core/lineage.js';
import { UsageError } from '../../src/errors.js';
import { checkTemplate } from '../../src/render/tail.js';

const NOW = new Date('2026-12-01T10:00:00Z');

describe('--from in the future', () => {
  it('is a usage error naming --from, not an InvalidArgumentException from AWS', () => {
    expect(() => parseFromFlag('2026-12-02T00:00:00Z', NOW)).toThrow(UsageError);
    expect(() => parseFromFlag('2026-12-02T00:00:00Z', NOW)).toThrow(/--from: 2026-12-02T00:00:00Z is in the future/);
  });
  it('a past time is a timestamp position', () => {
    expect(parseFromFlag('2026-11-30T00:00:00Z', NOW)).toEqual({ kind: 'timestamp', at: new Date('2026-11-30T00:00:00Z') });
  });
});

describe('-f/--template', () => {
  it.each([['%T %o %t %d'], ['%s %S %k %p %%x'], ['plain text\\t%k\\n']])('accepts %j', (t) => {
    expect(() => checkTemplate(t)).not.toThrow();
  });
  it.each([
    ['%x', /unknown code %x/],
    ['%T %q', /unknown code %q/],
    ['', /expected a template such as/],
  ])('refuses %j', (t, message) => {
    expect(() => checkTemplate(t)).toThrow(message);
  });
});
