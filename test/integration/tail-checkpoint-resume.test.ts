/**
 * `tail --checkpoint f` on an existing file resumes from it, the way a consumer group resumes, and the
 * file never loses what it knew (issue 20, item 1: it used to start at `latest` and write `"shards": {}`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createStream, kinesisClient, putRecords, runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

const endpoint = inject('kinesisEndpoint');
const dir = tempDir('tail-resume');
const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ partitionKey: `k${from + i}`, data: JSON.stringify({ n: from + i }) }));
const tailJson = async (args: string[]) => {
  const res = await runCli(['tail', ...args, '--json'], { endpoint });
  expect(res.code, res.stderr).toBe(0);
  return { lines: res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { partitionKey: string }), stderr: res.stderr };
};

describe('tail --checkpoint on an existing file', () => {
  it('without --from resumes from it: the next run reads exactly what arrived since', async () => {
    const stream = uniqueStreamName('resume');
    const client = kinesisClient(endpoint);
    await createStream(client, stream, 2);
    await putRecords(client, stream, records(0, 100));
    const cp = join(dir, `${stream}.cp`);
    const first = await tailJson([stream, '--from', 'trim-horizon', '-e', '--checkpoint', cp]);
    expect(first.lines).toHaveLength(100);
    await putRecords(client, stream, records(100, 100));
    client.destroy();
    const second = await tailJson([stream, '-e', '--checkpoint', cp]);
    expect(second.stderr).toContain(`resuming from the checkpoint in ${cp}`);
    expect(second.lines.map((l) => l.partitionKey).sort()).toEqual(records(100, 100).map((r) => r.partitionKey).sort());
    expect(Object.keys(JSON.parse(readFileSync(cp, 'utf8')).shards)).toHaveLength(2);
  });

  it('with an explicit --from latest: a warning says what happens, and the file keeps its positions', async () => {
    const stream = uniqueStreamName('resume-explicit');
    const client = kinesisClient(endpoint);
    await createStream(client, stream, 1);
    await putRecords(client, stream, records(0, 20));
    client.destroy();
    const cp = join(dir, `${stream}.cp`);
    await tailJson([stream, '--from', 'trim-horizon', '-e', '--checkpoint', cp]);
    const before = JSON.parse(readFileSync(cp, 'utf8')).shards;
    const again = await tailJson([stream, '--from', 'latest', '-e', '--checkpoint', cp]);
    expect(again.lines).toHaveLength(0);
    expect(again.stderr).toMatch(/warning: --checkpoint .* exists: reading from --from instead of resuming it/);
    expect(JSON.parse(readFileSync(cp, 'utf8')).shards).toEqual(before);
  });

  it('a file of another stream is refused, not overwritten (exit 2)', async () => {
    const stream = uniqueStreamName('resume-other');
    const client = kinesisClient(endpoint);
    await createStream(client, stream, 1);
    client.destroy();
    const cp = join(dir, 'other.cp');
    await tailJson([stream, '--from', 'trim-horizon', '-e', '--checkpoint', cp]);
    const text = readFileSync(cp, 'utf8');
    const res = await runCli(['tail', `${stream}-x`, '-e', '--checkpoint', cp], { endpoint });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--checkpoint .*: the file is a checkpoint of stream/);
    expect(readFileSync(cp, 'utf8')).toBe(text);
  });
});
