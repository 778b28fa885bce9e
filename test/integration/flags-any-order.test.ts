/**
 * Flags before the stream name (issue 20, item 6): `reshard --merge A B orders` and
 * `lag --watch orders --checkpoint c` used to fail with "missing required argument 'stream'".
 */
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createStream, kinesisClient, listShards, openShards, runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

const endpoint = inject('kinesisEndpoint');
const dir = tempDir('flags-order');

describe('flags in any order', () => {
  it('reshard --merge A B <stream> --dry-run', async () => {
    const stream = uniqueStreamName('merge-order');
    const client = kinesisClient(endpoint);
    await createStream(client, stream, 2);
    const [a, b] = openShards(await listShards(client, stream)).sort((x, y) => (BigInt(x.HashKeyRange!.StartingHashKey!) < BigInt(y.HashKeyRange!.StartingHashKey!) ? -1 : 1));
    client.destroy();
    const res = await runCli(['reshard', '--merge', a!.ShardId!, b!.ShardId!, stream, '--dry-run', '--json'], { endpoint });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ stream, mode: 'merge', dryRun: true });
  });

  it('lag --watch <stream> --checkpoint <file>: --watch takes its default interval', async () => {
    const stream = uniqueStreamName('watch-order');
    const client = kinesisClient(endpoint);
    await createStream(client, stream, 1);
    client.destroy();
    const cp = join(dir, 'c.cp');
    expect((await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--checkpoint', cp, '-q'], { endpoint })).code).toBe(0);
    // Without a terminal --watch prints one JSON object per refresh; the first is enough.
    const res = await runCli(['lag', '--watch', stream, '--checkpoint', cp, '--json'], { endpoint, timeoutMs: 8_000 });
    expect(res.stderr).not.toMatch(/missing required argument/);
    expect(JSON.parse(res.stdout.split('\n')[0]!)).toMatchObject({ stream, source: 'checkpoint' });
  });

  it('tail --shard 0 <stream>: the word that is no shard id is the stream', async () => {
    const stream = uniqueStreamName('shard-order');
    const client = kinesisClient(endpoint);
    await createStream(client, stream, 2);
    client.destroy();
    const res = await runCli(['tail', '--shard', '0', stream, '--from', 'trim-horizon', '-e', '--json'], { endpoint });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/tail: 0 records/);
  });

  it('still says which argument is missing when there is none', async () => {
    const res = await runCli(['reshard', '--to', '4', '--dry-run'], { endpoint });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/missing required argument 'stream'/);
  });
});
