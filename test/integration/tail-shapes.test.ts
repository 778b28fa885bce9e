/**
 * Records as DMS and Debezium write them (issue 19), put on a one-shard kinesis-local stream in order and
 * read back by the built CLI: `--json` field by field, the pretty lines one by one, `--op message`,
 * `--op tombstone`, `--table` and `--key-columns`. The shapes and what tail must show are in
 * test/helpers/cdc-shapes.ts (the unit test decode-shapes.test.ts checks the same table without a server).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KEY_COLUMNS_FLAG, prettyTail, SHAPES } from '../helpers/cdc-shapes.js';
import { createStream, kinesisClient, putRecords, runCli, uniqueStreamName } from '../helpers/kinesis.js';

const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
const stream = uniqueStreamName('shapes');

interface JsonLine {
  partitionKey: string;
  format: string;
  cdc: Record<string, unknown> | null;
  payload?: unknown;
  payloadBase64?: string;
}

const tail = (...args: string[]) => runCli(['tail', stream, '--from', 'trim-horizon', '-e', ...args], { endpoint });
const lines = (stdout: string) => stdout.split('\n').filter(Boolean);

beforeAll(async () => {
  await createStream(client, stream, 1);
  // One PutRecords call, one shard: the records come back in this order.
  await putRecords(client, stream, SHAPES.map((s) => ({ partitionKey: s.partitionKey, data: typeof s.data === 'string' ? Buffer.from(s.data) : s.data })));
}, 60_000);
afterAll(() => client.destroy());

describe('tail over real-shaped DMS and Debezium records', () => {
  it('--json: every record, field by field', async () => {
    const res = await tail('--json');
    expect(res.code, res.stderr).toBe(0);
    const out = lines(res.stdout).map((l) => JSON.parse(l) as JsonLine);
    expect(out.map((r) => r.partitionKey)).toEqual(SHAPES.map((s) => s.partitionKey));
    SHAPES.forEach((s, i) => {
      const r = out[i]!;
      expect(r.format, s.name).toBe(s.format);
      if (s.cdc === null) expect(r.cdc, s.name).toBeNull();
      else for (const [k, want] of Object.entries(s.cdc)) expect(r.cdc?.[k], `${s.name}: cdc.${k}`).toStrictEqual(want);
      if (s.payload !== undefined) expect(r.payload, s.name).toStrictEqual(s.payload);
      // The tombstone is not an empty text, nor bytes.
      if (s.format === 'tombstone') expect(r).not.toHaveProperty('payload');
      expect(r, s.name).not.toHaveProperty('payloadBase64');
    });
    expect(res.stderr).toMatch(new RegExp(`tail: ${SHAPES.length} records .* 0 undecodable`));
  });

  it('pretty: line by line', async () => {
    const res = await tail('--format', 'pretty', '--no-color');
    expect(res.code, res.stderr).toBe(0);
    expect(lines(res.stdout).map(prettyTail)).toEqual(SHAPES.map((s) => s.pretty));
  });

  it(`--key-columns ${KEY_COLUMNS_FLAG}: the rows of that table by their key columns, the others as before`, async () => {
    const res = await tail('--no-color', '--key-columns', KEY_COLUMNS_FLAG);
    expect(res.code, res.stderr).toBe(0);
    expect(lines(res.stdout).map(prettyTail)).toEqual(SHAPES.map((s) => s.prettyKeyed ?? s.pretty));
  });

  it('--op message: the two message events, prefix and content shown, no table', async () => {
    const [json, pretty] = await Promise.all([tail('--op', 'message', '--json'), tail('--op', 'message', '--no-color')]);
    expect(json.code, json.stderr).toBe(0);
    const out = lines(json.stdout).map((l) => JSON.parse(l) as JsonLine);
    expect(out.map((r) => r.cdc)).toMatchObject([
      { operation: 'message', schema: null, table: null, transactionId: 783, message: { prefix: 'audit', content: 'order 1001 shipped' } },
      { operation: 'message', schema: null, table: null, transactionId: null, commitTime: null, message: { prefix: 'wal-mark', content: null, contentBase64: 'AAEC/w==' } },
    ]);
    expect(lines(pretty.stdout).map(prettyTail)).toEqual(SHAPES.filter((s) => s.cdc?.operation === 'message').map((s) => s.pretty));
  });

  it('--op tombstone: the tombstone alone, in JSON and pretty', async () => {
    const [json, pretty] = await Promise.all([tail('--op', 'tombstone', '--json'), tail('--op', 'tombstone', '--no-color')]);
    expect(json.code, json.stderr).toBe(0);
    const out = lines(json.stdout).map((l) => JSON.parse(l) as JsonLine);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ format: 'tombstone', cdc: null, partitionKey: '{"id":45}' });
    expect(lines(pretty.stdout).map(prettyTail)).toEqual(['tombstone  {"id":45}']);
  });

  it("--table '*' keeps every table's changes but no message event, tombstone or plain JSON", async () => {
    const res = await tail('--table', '*', '--json');
    expect(res.code, res.stderr).toBe(0);
    const out = lines(res.stdout).map((l) => JSON.parse(l) as JsonLine);
    const expected = SHAPES.filter((s) => s.cdc !== null && s.cdc.operation !== 'message');
    expect(out.map((r) => r.partitionKey)).toEqual(expected.map((s) => s.partitionKey));
    expect(out.every((r) => r.cdc !== null && r.cdc.table !== null)).toBe(true);
  });

  it.each([
    ['a --key-columns without columns', ['--key-columns', 'public.accounts'], /--key-columns: expected schema\.table=column/],
    ['a --key-columns without a schema', ['--key-columns', 'accounts=id'], /--key-columns: expected schema\.table=column/],
    ['an --op that is none of them', ['--op', 'messages'], /--op/],
  ])('%s exits 2 before reading', async (_name, args, message) => {
    const res = await tail(...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
  });
});
