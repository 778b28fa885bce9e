/** `tail --include-raw`: dataBase64 is the record's data byte for byte, for every kind of record decode tells apart. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/core/decode.js';
import { rawDataBase64 } from '../../src/render/record.js';
import { includeRawOption } from '../../src/render/tail.js';

const meta = { shardId: 'shardId-000000000000', sequenceNumber: '1', partitionKey: 'k', arrivalTime: undefined };
const raw = (bytes: Uint8Array) => rawDataBase64(decodeRecord(bytes, meta)[0]!);

describe('tail --include-raw', () => {
  it.each([
    ['a DMS record, spacing and number spelling kept', Buffer.from('{ "data": {"id": 1.50}, "metadata": {"record-type": "data", "operation": "insert", "schema-name": "s", "table-name": "t"} }\n')],
    ['a JSON record', Buffer.from('{"b":1,  "a":[ 2 ]}')],
    ['text with a byte order mark', Buffer.from('\ufeffhello wörld')],
    ['binary', Buffer.from([0, 159, 255, 1])],
    ['invalid JSON', Buffer.from('{"a": ')],
  ])('%s', (_name, bytes) => {
    expect(raw(bytes)).toBe(bytes.toString('base64'));
  });

  it('a gzip record gives its inflated bytes (the line says compressed: gzip)', () => {
    const view = decodeRecord(gzipSync(Buffer.from('{"a":1}')), meta)[0]!;
    expect(view.compressed).toBe('gzip');
    expect(rawDataBase64(view)).toBe(Buffer.from('{"a":1}').toString('base64'));
  });

  it('only with JSON output, never beside --redact', () => {
    expect(includeRawOption('json', undefined)).toEqual({ includeRaw: true });
    expect(() => includeRawOption('pretty', undefined)).toThrow(/--include-raw: only with --json/);
    expect(() => includeRawOption('json', ['email'])).toThrow(/--redact/);
  });
});
