/** Tables and prose fitted to a terminal's width (issue 20, item 10); piped output (no width) keeps every value. */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { shortShardIds } from '../../src/render/lag.js';
import { fitColumns, renderTable } from '../../src/render/table.js';
import { plainText, visibleWidth, wrapText } from '../../src/render/wrap.js';

const HEAD = ['action', 'resource', 'name', 'detail'];
const ROWS = [
  ['create', 'kinesis-stream', 'orders-cdc', '4 shards, 48 h retention, KMS alias/aws/kinesis, enhanced monitoring IncomingBytes,IteratorAgeMilliseconds'],
  ['create', 'cloudwatch-alarm', 'cdcpipe-orders-cdc-to-s3-firehose-freshness', 'DeliveryToS3.DataFreshness > 900'],
  ['start', 'dms-task', 'orders-cdc', 'start-replication (first start)'],
];
const lines = (text: string) => text.split('\n');
const widest = (text: string) => Math.max(...lines(text).map(visibleWidth));
/** One column's text, top to bottom, its wrapped lines joined again where they were broken. */
const column = (text: string, i: number) =>
  lines(text)
    .map((l) => l.split('│')[i + 1]?.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/([-/,]) /g, '$1');

describe('renderTable with a width', () => {
  const full = renderTable(HEAD, ROWS);

  it('a table that fits is drawn exactly as without a width', () => {
    expect(renderTable(HEAD, ROWS, { width: widest(full) })).toBe(full);
    expect(renderTable(HEAD, ROWS, { width: 500, shrink: { detail: 10 }, drop: ['name'] })).toBe(full);
  });

  it('no width (stdout piped) keeps every value in full, however wide', () => {
    expect(widest(full)).toBeGreaterThan(150);
    expect(lines(full)).toHaveLength(ROWS.length + 3);
  });

  it('a too-wide table wraps its shrinkable columns inside their cells: every line ≤ 100, nothing lost', () => {
    const fitted = renderTable(HEAD, ROWS, { width: 100, shrink: { detail: 34, name: 20 } });
    expect(widest(fitted)).toBeLessThanOrEqual(100);
    expect(lines(fitted).every((l) => /^[│┌└].*[│┐┘]$/.test(l))).toBe(true); // every line is a whole table line
    expect(lines(fitted)[1]).toBe(`│ action │ resource         │ name${' '.repeat(28)}│ detail${' '.repeat(29)}│`);
    expect(fitted).toContain('│ DeliveryToS3.DataFreshness > 900   │');
    expect(column(fitted, 2)).toBe(['name', ...ROWS.map((r) => r[2])].join(' '));
    expect(column(fitted, 3)).toBe(['detail', ...ROWS.map((r) => r[3])].join(' ').replace(/([-/,]) /g, '$1'));
  });

  it('the first shrinkable column gives up width first, down to its minimum, then the next', () => {
    const natural = [6, 16, 43, 110];
    const rows = [ROWS[0]!.map((_, i) => 'x'.repeat(natural[i]!))];
    // 188 columns wide; 88 to give up: the detail gives 76 (to 34), the name the other 12.
    expect(fitColumns(HEAD, rows, 100, { shrink: { detail: 34, name: 20 } })).toEqual({ kept: [0, 1, 2, 3], widths: [6, 16, 31, 34] });
    expect(fitColumns(HEAD, rows, 200, { shrink: { detail: 34 } })).toBeUndefined();
  });

  it('when wrapping is not enough, the droppable columns go, least useful first, and every line still fits', () => {
    const fitted = renderTable(HEAD, ROWS, { width: 70, shrink: { detail: 30 }, drop: ['name', 'resource'] });
    expect(widest(fitted)).toBeLessThanOrEqual(70);
    expect(lines(fitted)[1]).toMatch(/^│ action │ resource +│ detail +│$/);
    expect(fitted).not.toContain('cdcpipe-orders');
    const narrower = renderTable(HEAD, ROWS, { width: 48, shrink: { detail: 30 }, drop: ['name', 'resource'] });
    expect(widest(narrower)).toBeLessThanOrEqual(48);
    expect(lines(narrower)[1]).toMatch(/^│ action │ detail +│$/);
  });

  it('a dropped column takes its alignment with it', () => {
    const fitted = renderTable(['a', 'b', 'n'], [['x'.repeat(30), 'y'.repeat(30), '7']], { width: 45, drop: ['b'], align: ['left', 'left', 'right'] });
    expect(lines(fitted)[1]).toBe(`│ a${' '.repeat(29)} │ n │`);
    expect(lines(fitted)[2]).toBe(`│ ${'x'.repeat(30)} │ 7 │`);
  });

  it('with nothing left to drop, every column wraps, the widest first, so no line is wider', () => {
    const fitted = renderTable(HEAD, ROWS, { width: 40 });
    expect(widest(fitted)).toBeLessThanOrEqual(40);
    expect(lines(fitted)[1]).toContain('│ action │');
  });

  it('colour codes count for nothing: a coloured table fits where its plain twin does, and keeps its colour', () => {
    const c = new Chalk({ level: 1 });
    const coloured = ROWS.map(([a, ...rest]) => [c.green(a!), ...rest.slice(0, -1), c.bold(rest.at(-1)!)]);
    const fitted = renderTable(HEAD, coloured, { width: 100, shrink: { detail: 34, name: 20 } });
    const plain = renderTable(HEAD, ROWS, { width: 100, shrink: { detail: 34, name: 20 } });
    expect(plainText(fitted)).toBe(plain);
    expect(fitted).toContain(c.green('create'));
    expect(widest(fitted)).toBeLessThanOrEqual(100);
    expect(fitted.length).toBeGreaterThan(plain.length);
  });
});

describe('wrapText', () => {
  it.each([
    ['a line that fits is unchanged', 'kinesis target, MessageFormat json', 40, '', 'kinesis target, MessageFormat json'],
    ['breaks at spaces', 'full-load-and-cdc, 4 table-mapping rules', 24, '', 'full-load-and-cdc, 4\ntable-mapping rules'],
    ['breaks after a hyphen in a long name', 'cdcpipe-orders-cdc-to-s3-firehose-freshness', 26, '', 'cdcpipe-orders-cdc-to-s3-\nfirehose-freshness'],
    ['breaks after / in a path', 'alias/aws/kinesis', 12, '', 'alias/aws/\nkinesis'],
    ['breaks after a comma in a list', 'IncomingBytes,IteratorAgeMilliseconds', 25, '', 'IncomingBytes,\nIteratorAgeMilliseconds'],
    ['never inside 2,628 nor records/s', '2,628 records/s', 9, '', '2,628\nrecords/s'],
    ['cuts a word wider than the line', 'GetRecords.IteratorAgeMilliseconds', 12, '', 'GetRecords.I\nteratorAgeMi\nlliseconds'],
    ['a hanging indent on the lines after the first', 'capacity mode    provisioned: cheaper for a known, steady load', 30, '  ', 'capacity mode    provisioned:\n  cheaper for a known, steady\n  load'],
    ['keeps the line\'s own leading spaces', '  1. UpdateShardCount 3 → 5 shards', 22, '     ', '  1. UpdateShardCount\n     3 → 5 shards'],
    ['no width: unchanged, however long', 'x'.repeat(300), undefined, '', 'x'.repeat(300)],
  ])('%s', (_name, text, width, indent, expected) => {
    expect(wrapText(text, width, indent)).toBe(expected);
  });

  it('never cuts a colour code, and does not count it', () => {
    const c = new Chalk({ level: 1 });
    const text = c.bold('total, provisioned ← cheapest');
    const wrapped = wrapText(text, 20);
    expect(plainText(wrapped)).toBe('total, provisioned ←\ncheapest');
    expect(wrapped.startsWith('\x1b[1m') && wrapped.endsWith('\x1b[22m')).toBe(true);
    expect(visibleWidth(text)).toBe(29);
  });
});

describe('shortShardIds (lag\'s parent column)', () => {
  it.each([
    ['two parents: the last four digits', ['shardId-000000000000', 'shardId-000000000001'], ['…0000', '…0001']],
    ['one parent keeps four digits too', ['shardId-000000000003', 'shardId-000000000003'], ['…0003']],
    ['as many digits as it takes to tell them apart', ['shardId-000000010003', 'shardId-000000020003'], ['…10003', '…20003']],
    ['ids that differ only at the front stay whole', ['a-shardId-000000000001', 'b-shardId-000000000001'], ['a-shardId-000000000001', 'b-shardId-000000000001']],
    ['an id as short as the suffix stays whole', ['s-1', 's-2'], ['s-1', 's-2']],
  ])('%s', (_name, ids, expected) => {
    expect([...shortShardIds(ids).values()]).toEqual(expected);
  });
});
