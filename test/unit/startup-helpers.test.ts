import { describe, expect, it } from 'vitest';
import { formatNumber } from '../../src/core/units.js';
import { commandNameOf } from '../../src/commands/index.js';

describe('formatNumber (no Intl, en-US grouping)', () => {
  const cases: [string, number, number, number, string][] = [
    ['groups thousands', 1234567, 0, 0, '1,234,567'],
    ['two fixed decimals for money', 14.625, 2, 2, '14.63'],
    ['trims trailing zeros down to the minimum', 12.5, 3, 0, '12.5'],
    ['drops the point when nothing is left', 12, 3, 0, '12'],
    ['pads to the minimum', 3, 2, 2, '3.00'],
    ['negative numbers keep their sign', -1234.5, 1, 1, '-1,234.5'],
    ['a negative that rounds to zero has no sign', -0.001, 2, 0, '0'],
    ['small prices keep their digits', 0.000014, 6, 0, '0.000014'],
  ];
  it.each(cases)('%s', (_name, n, max, min, expected) => {
    expect(formatNumber(n, max, min)).toBe(expected);
  });
});

describe('commandNameOf: which command module start-up loads', () => {
  const cases: [string, string[], string | undefined][] = [
    ['the first word', ['plan', '--rps', '1'], 'plan'],
    ['after global flags with values', ['--region', 'eu-west-1', '--profile', 'p', 'tail', 's'], 'tail'],
    ['after boolean global flags', ['--json', '--no-color', 'cost'], 'cost'],
    ['none for --help', ['--help'], undefined],
    ['none for an unknown word (commander reports it with every command loaded)', ['plna'], undefined],
    ['not a value of --endpoint-url', ['--endpoint-url', 'plan'], undefined],
  ];
  it.each(cases)('%s', (_name, args, expected) => {
    expect(commandNameOf(args)).toBe(expected);
  });
});
