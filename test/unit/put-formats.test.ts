/** put's pure parts: splitting archives, key templates, input formats, the S3 window and the write rate. */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBase64, detectFormat, parseSource, tailLine, type ParseOptions } from '../../src/core/put-formats.js';
import { parseKeyTemplate, renderKey } from '../../src/core/put-key.js';
import { inWindow, objectTime, parseS3Url, writeRate } from '../../src/core/put-plan.js';
import { splitDocuments, splitLines } from '../../src/core/put-split.js';

const b = (s: string) => Buffer.from(s);
const texts = (s: string, pieces: { start: number; end: number }[]) => pieces.map((p) => s.slice(p.start, p.end));
const opts = (over: Partial<ParseOptions> = {}): ParseOptions => ({ defaultKey: { kind: 'auto' }, maxRecordBytes: 1024 * 1024, random: () => 0.5, ...over });

describe('splitDocuments', () => {
  it.each([
    ['concatenated objects without a delimiter', '{"a":1}{"b":2}', ['{"a":1}', '{"b":2}']],
    ['one per line', '{"a":1}\n{"b":2}\n', ['{"a":1}', '{"b":2}']],
    ['a newline and braces inside a string do not split', '{"a":"x\\n}{\ny"}{"b":"\\"}"}', ['{"a":"x\\n}{\ny"}', '{"b":"\\"}"}']],
    ['pretty multi-line documents (DMS json format)', '{\n\t"data": {\n\t\t"id": 1\n\t}\n}\n{\n\t"id": 2\n}', ['{\n\t"data": {\n\t\t"id": 1\n\t}\n}', '{\n\t"id": 2\n}']],
    ['text between documents is one record per line', '{"a":1}\nplain text\n{"b":2}', ['{"a":1}', 'plain text', '{"b":2}']],
  ])('%s', (_name, input, expected) => {
    expect(texts(input, splitDocuments(b(input)))).toEqual(expected);
  });

  it('a document cut short is unterminated, with the line it starts on', () => {
    const pieces = splitDocuments(b('{"a":1}\n{"b":"x\n'));
    expect(pieces.map((p) => [p.line, Boolean(p.unterminated)])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('line numbers count the newlines inside earlier documents', () => {
    expect(splitDocuments(b('{\n"a":"x\\ny"\n}\n\n{"b":1}')).map((p) => p.line)).toEqual([1, 5]);
  });
});

describe('splitLines', () => {
  it('skips blank lines, drops CR, numbers lines from 1', () => {
    const s = 'a\r\n\n  \nb';
    const pieces = splitLines(b(s));
    expect(texts(s, pieces)).toEqual(['a', 'b']);
    expect(pieces.map((p) => p.line)).toEqual([1, 4]);
  });
});

describe('key templates', () => {
  const ctx = (json: unknown, line = 7) => ({ json: () => json, line, random: () => 0.25 });
  it.each([
    ['%{data.id}', { data: { id: 42 } }, '42'],
    ['%{metadata.table-name}-%n', { metadata: { 'table-name': 'orders' } }, 'orders-7'],
    ['fixed', undefined, 'fixed'],
    ['100%%', undefined, '100%'],
    ['%{items.1}', { items: ['a', 'b'] }, 'b'],
    ['auto', { metadata: { 'partition-key-value': 'shop.orders.1' } }, 'shop.orders.1'],
  ])('%s → %s', (template, json, key) => {
    expect(renderKey(parseKeyTemplate(template), ctx(json))).toEqual({ key });
  });

  it.each([
    ['%{data.id}', { data: {} }, /not found/],
    ['%{data}', { data: { a: 1 } }, /an object/],
    ['%{id}', undefined, /not a JSON document/],
  ])('%s on %j is an error', (template, json, error) => {
    const r = renderKey(parseKeyTemplate(template), ctx(json));
    expect('error' in r && r.error).toMatch(error);
  });

  it.each(['', '%x', '%{', '%{a..b}'])('%j is a usage error naming --key', (t) => {
    expect(() => parseKeyTemplate(t)).toThrow(/--key/);
  });

  it('random and auto without a DMS key give a random key', () => {
    expect(renderKey(parseKeyTemplate('random'), ctx(undefined))).toEqual({ key: expect.stringMatching(/^[0-9a-z]{11}$/) });
    expect(renderKey(parseKeyTemplate('auto'), ctx({ a: 1 }))).toEqual({ key: expect.stringMatching(/^[0-9a-z]{11}$/) });
  });
});

describe('input formats', () => {
  it.each([
    ['a tail --json line', '{"shardId":"s","sequenceNumber":"1","partitionKey":"k","format":"text","payload":"x"}\n', 'tail'],
    ['a failed-file line', '{"partitionKey":"k","dataBase64":"eA=="}\n', 'tail'],
    ['a failed-file line of a bad input', '{"bad":"not JSON","input":"a:1","text":"x"}\n', 'tail'],
    ['a Firehose error line', '{"attemptsMade":4,"errorCode":"Lambda.ProcessingFailed","errorMessage":"m","rawData":"eA=="}\n', 'firehose-errors'],
    ['concatenated JSON', '{"a":1}{"a":2}', 'firehose-archive'],
    ['text', 'hello\nworld\n', 'lines'],
  ])('detects %s', (_n, input, format) => {
    expect(detectFormat(b(input))).toBe(format);
  });

  it('tail: the bytes from dataBase64, else payloadBase64, else a text payload; the line keeps its key and hash key', () => {
    const input = [
      '{"partitionKey":"k1","format":"dms","cdc":{},"dataBase64":"eyJhIjoxfQ=="}',
      '{"partitionKey":"k2","format":"binary","payloadBase64":"AAEC"}',
      '{"partitionKey":"k3","format":"text","payload":"héllo"}',
      '{"partitionKey":"k4","format":"json","payload":{"a":[1,2]},"explicitHashKey":"340282366920938463463374607431768211455"}',
    ].join('\n');
    const r = parseSource('a.ndjson', b(input), 'tail', opts());
    expect(r.bad).toEqual([]);
    expect(r.records.map((x) => [x.partitionKey, Buffer.from(x.data).toString('hex'), x.explicitHashKey])).toEqual([
      ['k1', b('{"a":1}').toString('hex'), undefined],
      ['k2', '000102', undefined],
      ['k3', b('héllo').toString('hex'), undefined],
      ['k4', b('{"a":[1,2]}').toString('hex'), '340282366920938463463374607431768211455'],
    ]);
    expect(r.reserialized).toBe(1);
  });

  it('tail: a gzip record shown inflated is compressed again', () => {
    const r = parseSource('a', b('{"partitionKey":"k","format":"json","compressed":"gzip","dataBase64":"eyJhIjoxfQ=="}'), 'tail', opts());
    expect(gunzipSync(r.records[0]!.data).toString()).toBe('{"a":1}');
  });

  it.each([
    ['not JSON', 'nope', /not a JSON object/],
    ['a dms line without its bytes', '{"partitionKey":"k","format":"dms","cdc":{}}', /--include-raw/],
    ['bad base64', '{"partitionKey":"k","dataBase64":"***"}', /not valid base64/],
    ['no key', '{"dataBase64":"eA=="}', /partitionKey/],
    ['a hash key past 2^128 - 1', '{"partitionKey":"k","dataBase64":"eA==","explicitHashKey":"340282366920938463463374607431768211456"}', /explicitHashKey/],
    ['a line marked bad by an earlier put', '{"bad":"not JSON","input":"x:1"}', /marked bad/],
  ])('tail: %s is bad, named by file and line', (_n, line, reason) => {
    const r = parseSource('in.ndjson', b(`{"partitionKey":"ok","dataBase64":"eA=="}\n${line}\n`), 'tail', opts());
    expect(r.records).toHaveLength(1);
    expect(r.bad).toEqual([{ where: 'in.ndjson:2', reason: expect.stringMatching(reason), text: line }]);
  });

  it('a record over the stream maximum is bad, data + partition key counted', () => {
    const r = parseSource('f', b(`${'x'.repeat(100)}\n${'y'.repeat(99)}\n`), 'lines', opts({ key: parseKeyTemplate('k'), maxRecordBytes: 100 }));
    expect(r.records.map((x) => Buffer.from(x.data).toString())).toEqual(['y'.repeat(99)]);
    expect(r.bad[0]).toMatchObject({ where: 'f:1', reason: expect.stringMatching(/101 bytes.*maximum record size of 100/) });
  });

  it('firehose-archive: documents with their exact bytes, keys from the template, invalid JSON bad', () => {
    const input = '{"metadata":{"partition-key-value":"a.b.1"},"data":{"id":1}}{"data":{"id":"x\\n}"}}\n{"data":oops}';
    const r = parseSource('s3://b/k', b(input), 'firehose-archive', opts({ key: parseKeyTemplate('%{data.id}') }));
    expect(r.records.map((x) => [x.partitionKey, Buffer.from(x.data).toString()])).toEqual([
      ['1', '{"metadata":{"partition-key-value":"a.b.1"},"data":{"id":1}}'],
      ['x\n}', '{"data":{"id":"x\\n}"}}'],
    ]);
    expect(r.bad).toMatchObject([{ where: 's3://b/k:2', reason: 'not valid JSON' }]);
  });

  it('firehose-errors: rawData decoded, counted by code, --error-code filters', () => {
    const line = (code: string, data: string) => JSON.stringify({ attemptsMade: 4, errorCode: code, errorMessage: 'm', rawData: Buffer.from(data).toString('base64') });
    const input = [line('Lambda.ProcessingFailed', '{"id":1}'), line('Lambda.FunctionError', '{"id":2}'), line('Lambda.ProcessingFailed', '{"id":3}')].join('\n');
    const r = parseSource('e', b(input), 'firehose-errors', opts({ key: parseKeyTemplate('%{id}'), errorCodes: new Set(['Lambda.ProcessingFailed']) }));
    expect(r.byErrorCode).toEqual({ 'Lambda.ProcessingFailed': 2, 'Lambda.FunctionError': 1 });
    expect(r.filtered).toBe(1);
    expect(r.records.map((x) => [x.partitionKey, Buffer.from(x.data).toString()])).toEqual([
      ['1', '{"id":1}'],
      ['3', '{"id":3}'],
    ]);
  });

  it('a failed-file line reads back as the same record', () => {
    const rec = { partitionKey: 'k', data: new Uint8Array([0, 255, 10]), explicitHashKey: '5' };
    const r = parseSource('f', b(tailLine(rec, { failed: 'ProvisionedThroughputExceededException' })), 'tail', opts());
    expect(r.records[0]).toMatchObject({ partitionKey: 'k', explicitHashKey: '5' });
    expect([...r.records[0]!.data]).toEqual([0, 255, 10]);
  });

  it('strict base64', () => {
    expect(decodeBase64('eA==')?.toString()).toBe('x');
    expect(decodeBase64('eA=')).toBeUndefined();
    expect(decodeBase64('e A=')).toBeUndefined();
  });

  it.each([
    ['', true], ['eA==', true], ['eHk=', true], ['eHl6', true], ['+/+/', true],
    ['eA=', false], ['eA', false], ['e===', false], ['====', false], ['eA==eHl6', false], ['eHl6====', false],
    ['eH-6', false], ['eH_6', false], ['eH\n6', false], ['eH 6', false], ['eH\u00e96', false], ['eH\u00006', false],
  ])('strict base64 %j is %s', (text, ok) => {
    expect(decodeBase64(text) !== undefined).toBe(ok);
  });

  it('strict base64 accepts exactly what the alphabet and padding rules accept (random strings)', () => {
    const RULE = /^[A-Za-z0-9+/]*={0,2}$/;
    const alphabet = 'ABCXYZabcxyz0189+/=-_ \n\u00e9\u0000';
    let seed = 99;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let i = 0; i < 20_000; i++) {
      const n = 4 * Math.floor(random() * 4) + (random() < 0.1 ? 1 : 0);
      // Mostly valid strings with a few characters changed, so both answers are common.
      const valid = Buffer.from(Array.from({ length: Math.floor(random() * 12) }, () => Math.floor(random() * 256))).toString('base64');
      let text = random() < 0.5 ? valid : Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      if (random() < 0.3 && text.length) {
        const at = Math.floor(random() * text.length);
        text = text.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)] + text.slice(at + 1);
      }
      const expected = text.length % 4 === 0 && RULE.test(text);
      expect(decodeBase64(text) !== undefined, JSON.stringify(text)).toBe(expected);
    }
  });
});

describe('S3 window and write rate', () => {
  it.each([
    ['the time in a Firehose object name', 'cdc/2026/11/27/10/orders-1-2026-11-27-10-15-30-0b1c.gz', '2026-11-27T10:15:30.000Z'],
    ['the hour of the date path', 'cdc/2026/11/27/10/part-0001', '2026-11-27T10:00:00.000Z'],
    ['else LastModified', 'cdc/misc/file', '2026-01-01T00:00:00.000Z'],
  ])('object time: %s', (_n, key, iso) => {
    expect(objectTime(key, new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe(iso);
  });

  it('since ≤ t < until', () => {
    const t = new Date('2026-11-27T10:00:00Z');
    expect(inWindow(t, t, undefined)).toBe(true);
    expect(inWindow(t, undefined, t)).toBe(false);
    expect(inWindow(undefined, t, undefined)).toBe(false);
    expect(inWindow(undefined, undefined, undefined)).toBe(true);
  });

  it.each([
    ['s3://bucket/pre/fix/', { bucket: 'bucket', prefix: 'pre/fix/' }],
    ['s3://bucket', { bucket: 'bucket', prefix: '' }],
  ])('parses %s', (url, loc) => expect(parseS3Url(url)).toEqual(loc));
  it.each(['bucket/prefix', 's3://', 's3://UPPER/x'])('%s is a usage error naming --from', (url) => expect(() => parseS3Url(url)).toThrow(/--from/));

  it('4 shards: 80 % of 4,000 records/s and 4 MiB/s; flags replace their own limit only', () => {
    expect(writeRate(4, {})).toMatchObject({ recordsPerSecond: 3200, bytesPerSecond: 0.8 * 4 * 1024 * 1024 });
    expect(writeRate(4, { rps: 100 })).toMatchObject({ recordsPerSecond: 100, bytesPerSecond: 0.8 * 4 * 1024 * 1024, source: { records: 'flag', bytes: 'capacity' } });
  });
});
