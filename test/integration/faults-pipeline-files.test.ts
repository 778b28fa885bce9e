/**
 * Fault suite (issue 8): malformed pipeline files given to `cdcpipe provision`, through the real built
 * binary. Each must exit 2 and name the path of the problem in the file (`stream.shards`,
 * `dms.task.migrationType`, …), before any AWS call: AWS_ENDPOINT_URL points at a closed port, so an
 * AWS call would fail with exit 1 instead. The parser's messages word by word are unit-tested in
 * test/unit/pipeline-schema.test.ts; this checks the command end to end (file → exit code → stderr).
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

async function closedPortEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const STREAM = 'stream: {name: orders-cdc, shards: 2}\n';
const DMS = `dms:
  sourceEndpointArn: arn:aws:dms:us-east-1:123456789012:endpoint:SRC
  serviceAccessRoleArn: arn:aws:iam::123456789012:role/dms
  replicationInstanceArn: arn:aws:dms:us-east-1:123456789012:rep:INST
  task: {id: orders-task, migrationType: cdc, include: [public.%]}
`;
const FIREHOSE = 'firehose: {name: orders-to-s3, roleArn: "arn:aws:iam::123456789012:role/fh", bucketArn: "arn:aws:s3:::orders-archive"}\n';

/** [what is wrong, file name, file text, the path the message must name]. */
const CASES: [string, string, string, string][] = [
  ['invalid YAML syntax', 'broken.yaml', 'stream: [\n', 'line 2, column 1'],
  ['invalid JSON syntax', 'broken.json', '{"stream": {"name": "s", "shards": 2}', 'line 1'],
  ['a duplicate key', 'dup.yaml', `${STREAM}${STREAM}`, 'line 2'],
  ['a list instead of an object', 'list.yaml', '- stream\n- dms\n', '(file)'],
  ['a number instead of an object', 'number.yaml', '42\n', '(file)'],
  ['an empty file', 'empty.yaml', '', 'empty'],
  ['no stream section', 'nostream.yaml', 'tags: {team: data}\n', 'stream'],
  ['a negative shard count', 'neg.yaml', 'stream: {name: s, shards: -1}\n', 'stream.shards'],
  ['shards as text', 'text.yaml', 'stream: {name: s, shards: "two"}\n', 'stream.shards'],
  ['shards on an on-demand stream', 'od.yaml', 'stream: {name: s, mode: on-demand, shards: 4}\n', 'stream.shards'],
  ['an unknown stream mode', 'mode.yaml', 'stream: {name: s, mode: serverless}\n', 'stream.mode'],
  ['retention beyond 365 days', 'ret.yaml', 'stream: {name: s, shards: 1, retentionHours: 9000}\n', 'stream.retentionHours'],
  ['a stream name with a space', 'name.yaml', 'stream: {name: "my stream", shards: 1}\n', 'stream.name'],
  ['an unknown shard-level metric', 'metric.yaml', 'stream: {name: s, shards: 1, enhancedMonitoring: [Bytes]}\n', 'stream.enhancedMonitoring[0]'],
  ['shards auto without capacity', 'auto.yaml', 'stream: {name: s, shards: auto}\n', 'stream.capacity'],
  ['a misspelt stream key', 'key.yaml', 'stream: {name: s, shardz: 2}\n', 'shardz'],
  ['an unknown top-level section', 'kafka.yaml', `${STREAM}kafka: {brokers: 3}\n`, 'kafka'],
  ['a bad DMS migration type', 'mig.yaml', STREAM + DMS.replace('migrationType: cdc', 'migrationType: cdc-only'), 'dms.task.migrationType'],
  ['BatchApplyEnabled with a Kinesis target', 'batch.yaml', STREAM + DMS.replace('include: [public.%]}', 'include: [public.%], settings: {TargetMetadata: {BatchApplyEnabled: true}}}'), 'dms.task.settings.TargetMetadata.BatchApplyEnabled'],
  ['a table pattern without a schema', 'pattern.yaml', STREAM + DMS.replace('[public.%]', '[orders]'), 'dms.task.include[0]'],
  ['a source endpoint that is not an ARN', 'src.yaml', STREAM + DMS.replace('arn:aws:dms:us-east-1:123456789012:endpoint:SRC', 'my-source'), 'dms.sourceEndpointArn'],
  ['an unknown Kinesis message format', 'fmt.yaml', `${STREAM}${DMS}  target: {kinesisSettings: {MessageFormat: avro}}\n`, 'dms.target.kinesisSettings.MessageFormat'],
  ['a Firehose buffer over 128 MiB', 'buf.yaml', STREAM + FIREHOSE.replace('}\n', ', buffering: {sizeMiB: 256}}\n'), 'firehose.buffering.sizeMiB'],
  ['a Firehose buffer interval over 900 s', 'interval.yaml', STREAM + FIREHOSE.replace('}\n', ', buffering: {intervalSeconds: 3600}}\n'), 'firehose.buffering.intervalSeconds'],
  ['a bucket that is not an ARN', 'bucket.yaml', STREAM + FIREHOSE.replace('"arn:aws:s3:::orders-archive"', 'orders-archive'), 'firehose.bucketArn'],
  ['a compression Firehose does not offer', 'comp.yaml', STREAM + FIREHOSE.replace('}\n', ', compression: brotli}\n'), 'firehose.compression'],
  ['a negative alarm threshold', 'alarm.yaml', `${STREAM}alarms: {iteratorAgeMs: -5}\n`, 'alarms.iteratorAgeMs'],
  ['a DMS alarm without a dms section', 'dmsalarm.yaml', `${STREAM}alarms: {dmsLatencySeconds: 60}\n`, 'alarms.dmsLatencySeconds'],
  ['a tag value that is a list', 'tags.yaml', `${STREAM}tags: {team: [a, b]}\n`, 'tags.team'],
  // Issue 15 item 5: what DMS, Firehose, S3 and IAM would refuse halfway through an apply.
  ['a DMS task id ending in a hyphen', 'taskid.yaml', STREAM + DMS.replace('id: orders-task', 'id: orders-task-'), 'dms.task.id'],
  ['a DMS endpoint id with two hyphens in a row', 'epid.yaml', `${STREAM}${DMS}  target: {endpointId: orders--target}\n`, 'dms.target.endpointId'],
  ['an error prefix without !{firehose:error-output-type}', 'errprefix.yaml', STREAM + FIREHOSE.replace('}\n', ', prefix: "d/!{timestamp:yyyy}/", errorOutputPrefix: "e/!{timestamp:yyyy}/"}\n'), 'firehose.errorOutputPrefix'],
  ['a bucket name with two dots in a row', 'dots.yaml', STREAM + FIREHOSE.replace('orders-archive', 'orders..archive'), 'firehose.bucketArn'],
  ['a role ARN without an account id', 'role.yaml', STREAM + FIREHOSE.replace('123456789012:role/fh', 'role/fh'), 'firehose.roleArn'],
];

describe('fault suite: malformed pipeline files exit 2 and name the path', () => {
  const dir = tempDir('faults-pipeline');
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await closedPortEndpoint();
  });

  const rows = CASES.map(([what, file, text, path]) => ({ what, file, text, path }));
  it.concurrent.each(rows)('$what → exit 2 naming $path', async ({ file, text, path }) => {
    const configPath = join(dir, file);
    writeFileSync(configPath, text);
    const res = await runCli(['provision', '--config', configPath, '--dry-run'], { endpoint, timeoutMs: 30_000, env: { NO_COLOR: '1' } });
    expect({ code: res.code, stderr: res.stderr }).toMatchObject({ code: 2 });
    expect(res.stderr).toContain(path);
    expect(res.stderr).toContain(file); // which file, too
    expect(res.stderr).not.toMatch(/ECONNREFUSED|nothing is listening/);
  });

  it('a valid file gets past validation and fails on the closed endpoint instead (the check above can fail)', async () => {
    const configPath = join(dir, 'valid.yaml');
    writeFileSync(configPath, STREAM);
    const res = await runCli(['provision', '--config', configPath, '--dry-run'], { endpoint, timeoutMs: 30_000 });
    expect(res.code).toBe(1);
  });
});
