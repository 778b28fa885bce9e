/**
 * `cdcpipe put --from s3://…` with S3 on moto and Kinesis on kinesis-local: a Firehose-style archive (a
 * gzip object of concatenated JSON documents, pretty and single-line, with escaped newlines and braces
 * inside strings; a plain object one document per line; an object outside the --since/--until hour) and a
 * Firehose error-output object. The counts and the exact bytes are checked against what reached the stream.
 */
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStream, kinesisClient, REGION, runCli, TEST_CREDENTIALS, uniqueStreamName } from '../helpers/kinesis.js';
import { motoTestsEnabled, startMoto, type Moto } from '../helpers/moto.js';
import { readAll } from '../helpers/read-all.js';

const endpoint = inject('kinesisEndpoint');
const kinesis = kinesisClient(endpoint);
const BUCKET = 'cdc-archive';

/** A DMS record as DMS writes it; `pretty` as MessageFormat json does (several lines, tabs). */
function dms(id: number, pretty: boolean): string {
  const doc = {
    data: { id, note: `line one\nline two }{ "quoted" \\ ${id}` },
    metadata: { timestamp: '2026-11-27T10:15:30.000000Z', 'record-type': 'data', operation: 'update', 'partition-key-type': 'primary-key', 'partition-key-value': `shop.orders.${id % 7}`, 'schema-name': 'shop', 'table-name': 'orders' },
  };
  return pretty ? JSON.stringify(doc, null, '\t') : JSON.stringify(doc);
}

describe.runIf(motoTestsEnabled())('put --from s3:// (S3 on moto)', () => {
  let moto: Moto;
  let s3: S3Client;
  const gzDocs = Array.from({ length: 50 }, (_, i) => dms(i, i % 3 === 0));
  const lineDocs = Array.from({ length: 30 }, (_, i) => dms(100 + i, false));
  const lateDocs = Array.from({ length: 20 }, (_, i) => dms(200 + i, false));
  const errorRecords = Array.from({ length: 10 }, (_, i) => ({ code: i < 7 ? 'Lambda.ProcessingFailed' : 'Lambda.FunctionError', data: JSON.stringify({ id: 300 + i, v: 'x' }) }));

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client({ endpoint: moto.endpoint, region: REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const put = (Key: string, Body: Uint8Array | string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
    await put('cdc/2026/11/27/10/orders-1-2026-11-27-10-15-30-0a1b2c.gz', gzipSync(Buffer.from(gzDocs.join(''))));
    await put('cdc/2026/11/27/10/orders-1-2026-11-27-10-45-00-3d4e5f', `${lineDocs.join('\n')}\n`);
    await put('cdc/2026/11/27/11/orders-1-2026-11-27-11-05-00-6a7b8c', `${lateDocs.join('\n')}\n`);
    const errorLines = errorRecords.map((r, i) =>
      JSON.stringify({ attemptsMade: 4, arrivalTimestamp: 1764238500000 + i, errorCode: r.code, errorMessage: 'The Lambda function failed', attemptEndingTimestamp: 1764238600000, rawData: Buffer.from(r.data).toString('base64'), lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:t' }),
    );
    await put('errors/processing-failed/2026/11/27/10/orders-1-2026-11-27-10-20-00-9f8e7d', `${errorLines.join('\n')}\n`);
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    kinesis.destroy();
    await moto?.stop();
  });

  it('replays an archive hour: gzip concatenated JSON and one-per-line objects, exact bytes, DMS partition keys', async () => {
    const stream = uniqueStreamName('put-s3');
    await createStream(kinesis, stream, 2);
    const res = await runCli(['put', stream, '--from', `s3://${BUCKET}/cdc/`, '--since', '2026-11-27T10:00:00Z', '--until', '2026-11-27T11:00:00Z', '--json'], { endpoint, env: { AWS_ENDPOINT_URL_S3: moto.endpoint }, timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as { records: number; bytes: number; objectsOutsideWindow: number; bad: number; sources: { format: string; compressed: boolean; records: number }[] };
    const want = [...gzDocs, ...lineDocs];
    expect(doc).toMatchObject({ records: 80, bad: 0, objectsOutsideWindow: 1 });
    expect(doc.sources.map((s) => [s.format, s.compressed, s.records])).toEqual([
      ['firehose-archive', true, 50],
      ['firehose-archive', false, 30],
    ]);
    expect(doc.bytes).toBe(want.reduce((n, d) => n + Buffer.byteLength(d), 0));
    const stored = await readAll(kinesis, stream);
    const got = stored.map((r) => `${r.partitionKey} ${Buffer.from(r.data).toString()}`).sort();
    expect(got).toEqual(want.map((d) => `${(JSON.parse(d) as { metadata: Record<string, string> }).metadata['partition-key-value']} ${d}`).sort());
  }, 180_000);

  it('re-drives the error prefix: rawData decoded, --error-code filters, the report counts by code', async () => {
    const stream = uniqueStreamName('put-s3-err');
    await createStream(kinesis, stream, 1);
    const res = await runCli(['put', stream, '--from', `s3://${BUCKET}/errors/`, '--error-code', 'Lambda.ProcessingFailed', '--key', 'row-%{id}', '--json'], { endpoint, env: { AWS_ENDPOINT_URL_S3: moto.endpoint }, timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ records: 7, filtered: 3, byErrorCode: { 'Lambda.ProcessingFailed': 7, 'Lambda.FunctionError': 3 } });
    const stored = await readAll(kinesis, stream);
    const want = errorRecords.filter((r) => r.code === 'Lambda.ProcessingFailed').map((r) => [`row-${(JSON.parse(r.data) as { id: number }).id}`, r.data]);
    expect(stored.map((r) => [r.partitionKey, Buffer.from(r.data).toString()])).toEqual(want);
  }, 180_000);

  it('a prefix with no objects is exit 4; --dry-run from S3 writes nothing', async () => {
    const stream = uniqueStreamName('put-s3-none');
    await createStream(kinesis, stream, 1);
    const none = await runCli(['put', stream, '--from', `s3://${BUCKET}/nothing-here/`], { endpoint, env: { AWS_ENDPOINT_URL_S3: moto.endpoint } });
    expect(none.code, none.stderr).toBe(4);
    expect(none.stderr).toContain(`no objects under s3://${BUCKET}/nothing-here/`);
    const dry = await runCli(['put', stream, '--from', `s3://${BUCKET}/cdc/`, '--dry-run', '--json'], { endpoint, env: { AWS_ENDPOINT_URL_S3: moto.endpoint } });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, selected: 100, records: 0 });
    expect(await readAll(kinesis, stream)).toHaveLength(0);
  }, 120_000);
});
