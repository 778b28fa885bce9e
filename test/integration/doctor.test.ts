/**
 * `cdcpipe doctor` against moto (RDS, DMS, Kinesis, Firehose, S3, CloudWatch and Lambda listings): a
 * pipeline named as in examples/cdcpipe.full.yaml with one fault planted per check, and a clean one.
 * What moto lacks (DescribeTableStatistics, a task's StopReason) is in test/unit/doctor-dms-recorded.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantPipeline } from '../helpers/doctor-pipeline.js';
import { runCli } from '../helpers/kinesis.js';
import { motoTestsEnabled, startMoto, type Moto } from '../helpers/moto.js';
import { tempDir } from '../helpers/temp-dir.js';

const FULL = fileURLToPath(new URL('../../examples/cdcpipe.full.yaml', import.meta.url));
const dir = tempDir('doctor');

interface F {
  stage: string;
  severity: string;
  id: string;
  resource: string;
  evidence: string;
  fix?: string;
  deniedAction?: string;
}
const findingsOf = (stdout: string): F[] => (JSON.parse(stdout) as { stages: { findings: F[] }[] }).stages.flatMap((s) => s.findings);
const one = (fs: F[], id: string, resource?: RegExp) => {
  const f = fs.find((x) => x.id === id && (!resource || resource.test(x.resource)));
  expect(f, `${id} in ${JSON.stringify(fs.map((x) => `${x.id}:${x.resource}`))}`).toBeDefined();
  return f!;
};
const calls = (stderr: string) => [...stderr.matchAll(/\[debug\] (\w+) (\w+)/g)].map((m) => `${m[1]} ${m[2]}`);

describe.runIf(motoTestsEnabled())('doctor on moto', () => {
  // Two servers: moto's GetMetricData matches on metric name and dimensions but not the namespace, so
  // two KCL apps' MillisBehindLatest (namespace = the app) would mix on one.
  let moto: Moto;
  let cleanMoto: Moto;
  const env = () => ({ AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1' });
  const cleanEnv = () => ({ AWS_ENDPOINT_URL: cleanMoto.endpoint, AWS_REGION: 'us-east-1' });
  beforeAll(async () => {
    [moto, cleanMoto] = await Promise.all([startMoto(), startMoto()]);
    const now = Date.now();
    await plantPipeline(moto.endpoint, { stream: 'orders-cdc', task: 'orders-cdc', firehose: 'orders-cdc-to-s3', bucket: 'example-orders-cdc-archive', app: 'orders-indexer', fn: 'orders-fn' }, true, now);
    await plantPipeline(cleanMoto.endpoint, { stream: 'clean-cdc', task: 'clean-cdc', firehose: 'clean-cdc-to-s3', bucket: 'clean-cdc-archive', app: 'clean-indexer', fn: 'clean-fn' }, false, now);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([moto?.stop(), cleanMoto?.stop()]);
  });

  it('doctor --config examples/cdcpipe.full.yaml finds every planted fault, with its severity and fix, read-only', async () => {
    const res = await runCli(['doctor', '--config', FULL, '--app', 'orders-indexer', '--json', '--debug'], { env: env(), timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(3);
    const doc = JSON.parse(res.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.stages.map((s: { stage: string }) => s.stage)).toEqual(['source', 'dms', 'stream', 'consumers', 'firehose', 's3']);
    const fs = findingsOf(res.stdout);

    expect(one(fs, 'dms.task-status')).toMatchObject({ severity: 'warn', evidence: expect.stringMatching(/Status = ready.*never started/) });
    expect(one(fs, 'dms.task-status').fix).toMatch(/start-replication-task .*--start-replication-task-type start-replication/);
    expect(one(fs, 'dms.batch-apply')).toMatchObject({ severity: 'error', evidence: expect.stringContaining('TargetMetadata.BatchApplyEnabled = true') });
    expect(one(fs, 'dms.batch-apply').fix).toContain('"BatchApplyEnabled":false');
    expect(one(fs, 'dms.lob-mode')).toMatchObject({ severity: 'warn', evidence: expect.stringContaining('truncated to 32 KB') });
    expect(one(fs, 'dms.source-connection')).toMatchObject({ severity: 'warn', evidence: expect.stringContaining('no connection test recorded') });
    expect(one(fs, 'dms.source-connection').fix).toMatch(/aws dms test-connection --replication-instance-arn arn:aws:dms:.* --endpoint-arn arn:aws:dms:/);
    expect(one(fs, 'dms.cdc-latency')).toMatchObject({ severity: 'warn', evidence: expect.stringContaining('the target side (writing to Kinesis) is slow') });

    expect(one(fs, 'stream.encryption')).toMatchObject({ severity: 'warn', fix: expect.stringContaining('StartStreamEncryption EncryptionType=KMS') });
    expect(one(fs, 'stream.write-throttling')).toMatchObject({ severity: 'error', fix: expect.stringMatching(/^cdcpipe reshard orders-cdc --to \d+$/) });
    expect(one(fs, 'stream.iterator-age')).toMatchObject({ severity: 'error', evidence: expect.stringMatching(/13h.*of the 24 h retention: records expire unread/) });
    expect(one(fs, 'stream.hot-shard')).toMatchObject({ severity: 'warn', resource: 'orders-cdc/shardId-000000000000', fix: expect.stringContaining('cdcpipe reshard orders-cdc --split shardId-000000000000') });
    expect(one(fs, 'stream.hot-shard').evidence).toMatch(/72\.7 % of IncomingBytes/);

    expect(one(fs, 'consumers.lag', /^kcl:orders-indexer$/)).toMatchObject({ severity: 'error', evidence: expect.stringContaining('CRIT, 20m behind') });
    expect(one(fs, 'consumers.state', /^lambda:orders-fn$/)).toMatchObject({ severity: 'error', evidence: expect.stringContaining('State = Disabled') });
    expect(one(fs, 'consumers.state', /^lambda:orders-fn$/).fix).toMatch(/aws lambda update-event-source-mapping --uuid [0-9a-f-]{36} --enabled/);
    expect(one(fs, 'consumers.lag', /^firehose:orders-cdc-to-s3$/).severity).toBe('ok');

    expect(one(fs, 'firehose.status').severity).toBe('ok');
    expect(one(fs, 'firehose.delivery-success')).toMatchObject({ severity: 'error', evidence: expect.stringContaining('fell to 0.5') });
    expect(one(fs, 'firehose.data-freshness')).toMatchObject({ severity: 'warn', evidence: expect.stringContaining('against a 300 s buffer interval') });
    expect(one(fs, 's3.error-objects')).toMatchObject({ severity: 'error', evidence: expect.stringContaining('4 objects written under the error prefix in 1h: processing-failed 3, format-conversion-failed 1') });
    expect(one(fs, 's3.newest-object')).toMatchObject({ severity: 'error', evidence: expect.stringContaining('no object under the data prefix') });

    // Read-only: every AWS call in the --debug log is a read, and the DMS source password never shows.
    const made = calls(res.stderr);
    expect(made.length).toBeGreaterThan(10);
    expect(made.filter((c) => !/ (Describe|List|Get)\w*$/.test(c))).toEqual([]);
    expect(made.filter((c) => c === 'cloudwatch GetMetricData')).toHaveLength(1);
    expect(res.stdout + res.stderr).not.toContain('not-printed-pw');
  }, 90_000);

  it('a clean pipeline gives exit 0; the human output is grouped by stage with a mark, id, resource and evidence', async () => {
    const file = join(dir, 'clean.yaml');
    writeFileSync(
      file,
      [
        'stream: {name: clean-cdc, mode: provisioned, shards: 2}',
        'dms:',
        '  sourceEndpointArn: arn:aws:dms:us-east-1:123456789012:endpoint:SRC',
        '  replicationInstanceArn: arn:aws:dms:us-east-1:123456789012:rep:RI',
        '  task: {id: clean-cdc, migrationType: full-load-and-cdc, include: ["public.%"]}',
        'firehose: {name: clean-cdc-to-s3, bucketArn: "arn:aws:s3:::clean-cdc-archive", prefix: "cdc/orders/!{timestamp:yyyy/MM/dd}/", errorOutputPrefix: "cdc-errors/orders/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"}',
        'consumers: [{ kind: kcl, name: clean-indexer }]',
        '',
      ].join('\n'),
    );
    const json = await runCli(['doctor', '--config', file, '--json'], { env: cleanEnv(), timeoutMs: 60_000 });
    expect(json.code, json.stdout + json.stderr).toBe(0);
    const fs = findingsOf(json.stdout);
    expect(fs.filter((f) => f.severity === 'error' || f.severity === 'warn')).toEqual([]);
    expect(one(fs, 'dms.task-status').severity).toBe('ok');
    expect(one(fs, 'dms.target-connection').severity).toBe('ok');
    expect(one(fs, 'consumers.lag', /^kcl:clean-indexer$/).severity).toBe('ok');
    expect(one(fs, 's3.newest-object').severity).toBe('ok');

    const human = await runCli(['doctor', '--config', file, '--no-color'], { env: cleanEnv(), timeoutMs: 60_000 });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^SOURCE\n[\s\S]*^DMS\n[\s\S]*^STREAM\n[\s\S]*^CONSUMERS\n[\s\S]*^FIREHOSE\n[\s\S]*^S3\n/m);
    expect(human.stdout).toMatch(/✔ ok +stream\.encryption +clean-cdc\n +EncryptionType = KMS/);
    expect(human.stdout).toMatch(/0 errors, 0 warnings, \d+ ok, \d+ skipped — stream clean-cdc, window 1h/);
  }, 90_000);

  it('--fail-on warn fails on warnings; --only limits the stages; a missing named resource is exit 4 with the rest still printed', async () => {
    const only = await runCli(['doctor', '--stream', 'clean-cdc', '--only', 'stream', '--json', '--fail-on', 'warn'], { env: cleanEnv() });
    expect(only.code, only.stderr).toBe(0);
    expect(JSON.parse(only.stdout).stages.map((s: { stage: string }) => s.stage)).toEqual(['stream']);

    const warn = await runCli(['doctor', '--stream', 'orders-cdc', '--only', 'stream', '--window', '30m', '--json', '--fail-on', 'warn'], { env: env() });
    expect(warn.code).toBe(3);

    const missing = await runCli(['doctor', '--stream', 'clean-cdc', '--firehose', 'no-such-fh', '--only', 'stream,firehose', '--json'], { env: cleanEnv() });
    expect(missing.code).toBe(4);
    const fs = findingsOf(missing.stdout);
    expect(one(fs, 'firehose.exists')).toMatchObject({ severity: 'error', resource: 'no-such-fh' });
    expect(one(fs, 'stream.encryption').severity).toBe('ok');
    expect(missing.stderr).toMatch(/not found: no-such-fh/);
  }, 60_000);
});

describe('doctor: bad input', () => {
  it.each([
    [['doctor'], /--stream: required without --config/],
    [['doctor', '--stream', 's', '--only', 'stream,kafka'], /--only: expected source \| dms \| stream \| consumers \| firehose \| s3, got 'kafka'/],
    [['doctor', '--stream', 's', '--window', 'soon'], /--window/],
    [['doctor', '--stream', 's', '--fail-on', 'crit'], /--fail-on: expected error \| warn/],
    [['doctor', '--stream', 's', '--db-instance', 'a', '--db-cluster', 'b'], /--db-instance and --db-cluster/],
  ])('%j is exit 2 naming the flag', async (args, message) => {
    const res = await runCli(args as string[]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it('a bad --source-url is exit 2 and never echoes the password', async () => {
    const res = await runCli(['doctor', '--stream', 's', '--source-url', 'oracle://dms:hunter2secret@db/x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--source-url: expected postgres:\/\//);
    expect(res.stderr).not.toContain('hunter2secret');
  });
});
