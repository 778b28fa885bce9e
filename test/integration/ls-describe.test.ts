/**
 * `cdcpipe ls` and `cdcpipe describe` against kinesis-local, running the built binary; and the two
 * messages issue 20 asked to improve: a misspelt stream name suggests the similar ones (exit 4), and
 * `reshard --split` of a closed shard lists the open ones (exit 2). The kinesis-local server is shared
 * with other test files, so assertions look for this file's streams, never for an exact list.
 */
import { describe, expect, inject, it } from 'vitest';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  IncreaseStreamRetentionPeriodCommand,
  RegisterStreamConsumerCommand,
  StartStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import { createStream, kinesisClient, listShards, openShards, runCli, splitShard, uniqueStreamName, waitActive } from '../helpers/kinesis.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { HASH_SPACE } from '../../src/core/hash-range.js';

const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
const cli = (args: string[], at = endpoint) => runCli(args, { endpoint: at, env: { NO_COLOR: '1' } });

interface StreamRow {
  name: string;
  status: string;
  mode: string;
  openShards: number | null;
  retentionHours: number;
  encryption: string;
  kmsKeyId: string | null;
}

describe('cdcpipe ls', () => {
  it('lists each stream with its mode, open shards, status, retention and encryption (JSON and table)', async () => {
    const provisioned = uniqueStreamName('ls-prov');
    const onDemand = uniqueStreamName('ls-od');
    await createStream(client, provisioned, 3);
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: provisioned, RetentionPeriodHours: 48 }));
    await waitActive(client, provisioned);
    await client.send(new StartStreamEncryptionCommand({ StreamName: provisioned, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
    await waitActive(client, provisioned);
    await client.send(new CreateStreamCommand({ StreamName: onDemand, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await waitActive(client, onDemand);

    const res = await cli(['ls', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as { schemaVersion: number; region: string; streams: StreamRow[] };
    expect(doc).toMatchObject({ schemaVersion: 1, region: 'us-east-1' });
    const row = (name: string) => doc.streams.find((s) => s.name === name);
    expect(row(provisioned)).toMatchObject({ status: 'ACTIVE', mode: 'provisioned', openShards: 3, retentionHours: 48, encryption: 'kms', kmsKeyId: 'alias/aws/kinesis' });
    expect(row(onDemand)).toMatchObject({ status: 'ACTIVE', mode: 'on-demand', retentionHours: 24, encryption: 'none', kmsKeyId: null });
    expect(row(onDemand)!.openShards).toBe(openShards(await listShards(client, onDemand)).length);

    const human = await cli(['ls']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/stream\s+│ mode\s+│ open shards │ status\s+│ retention │ encryption/);
    expect(human.stdout).toMatch(new RegExp(`${provisioned}\\s+│ provisioned │\\s+3 │ ACTIVE │\\s+48 h │ KMS alias/aws/kinesis`));
    expect(human.stdout).toMatch(new RegExp(`${onDemand}\\s+│ on-demand\\s+│\\s+\\d+ │ ACTIVE │\\s+24 h │ none`));
  });
});

describe('cdcpipe describe', () => {
  it('shows the summary, shards with parents after a split and their key-space bars, the EFO consumer and the tags', async () => {
    const s = uniqueStreamName('desc');
    await createStream(client, s, 2);
    await splitShard(client, s, 'shardId-000000000000', HASH_SPACE / 4n);
    const registered = await client.send(new RegisterStreamConsumerCommand({ StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${s}`, ConsumerName: 'search-sync' }));
    expect(registered.Consumer?.ConsumerName).toBe('search-sync');
    await client.send(new AddTagsToStreamCommand({ StreamName: s, Tags: { team: 'data', env: 'dev' } }));

    const res = await cli(['describe', s, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as {
      schemaVersion: number;
      stream: Record<string, unknown>;
      shards: { shardId: string; parentShardId: string | null; open: boolean; keySpacePct: number; startingHashKey: string; endingHashKey: string }[];
      consumers: { name: string; status: string; arn: string }[];
      tags: Record<string, string>;
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.stream).toMatchObject({ name: s, status: 'ACTIVE', mode: 'provisioned', openShards: 3, totalShards: 4, retentionHours: 24, encryption: 'none', maxRecordSizeKiB: 1024, enhancedMonitoring: [] });
    expect(doc.stream.arn).toMatch(new RegExp(`stream/${s}$`));
    expect(doc.shards.map((x) => [x.shardId, x.parentShardId, x.open, x.keySpacePct])).toEqual([
      ['shardId-000000000000', null, false, 50],
      ['shardId-000000000001', null, true, 50],
      ['shardId-000000000002', 'shardId-000000000000', true, 25],
      ['shardId-000000000003', 'shardId-000000000000', true, 25],
    ]);
    expect(doc.shards[3]!.startingHashKey).toBe((HASH_SPACE / 4n).toString());
    expect(doc.consumers.map((c) => c.name)).toEqual(['search-sync']);
    expect(doc.tags).toEqual({ team: 'data', env: 'dev' });

    const human = await cli(['describe', s]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/shards\s+3 open, 1 closed/);
    expect(human.stdout).toMatch(/shardId-000000000000 │ -\s+│ closed │ ██████████░░░░░░░░░░ {2}50\.0 %/);
    expect(human.stdout).toMatch(/shardId-000000000002 │ shardId-000000000000 │ open\s+│ █████░░░░░░░░░░░░░░░ {2}25\.0 %/);
    expect(human.stdout).toMatch(/EFO consumers:\n[\s\S]*search-sync\s+│ ACTIVE/);
    expect(human.stdout).toMatch(/tags:\n[\s\S]*env\s+│ dev[\s\S]*team\s+│ data/);

    const open = await cli(['describe', s, '--open', '--hash-keys']);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).not.toContain('closed │');
    expect(open.stdout).toContain(`starting hash key`);
    expect(open.stdout).toContain((HASH_SPACE / 4n).toString());
  });
});

describe('a stream name that does not exist', () => {
  it('exits 4 and suggests the similar names, for describe and for every command that names a stream', async () => {
    const s = `lsd-orders-${uniqueStreamName('x').slice(2)}`;
    await createStream(client, s, 1);
    const typo = s.replace('orders', 'ordrs');
    for (const args of [['describe', typo], ['reshard', typo, '--to', '2', '--dry-run'], ['lag', typo]]) {
      const res = await cli(args);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(4);
      expect(res.stderr).toContain(`error: stream '${typo}' not found`);
      expect(res.stderr).toContain(`hint: did you mean '${s}'?`);
    }
  });

  it('keeps the plain hint when nothing is similar, or when ListStreams is refused', async () => {
    const nothingLike = await cli(['describe', 'zz-no-such-stream-anywhere-9']);
    expect(nothingLike.code).toBe(4);
    expect(nothingLike.stderr).toContain('hint: check the stream name, --region and --profile');

    const s = `lsd-denied-${uniqueStreamName('x').slice(2)}`;
    await createStream(client, s, 1);
    const proxy = await startFaultProxy({ target: endpoint, seed: 5, rules: [{ operation: 'ListStreams', fault: 'access-denied', rate: 1 }] });
    try {
      const res = await cli(['describe', s.replace('denied', 'denid')], proxy.endpoint);
      expect(res.code, res.stderr).toBe(4);
      expect(res.stderr).toContain('hint: check the stream name, --region and --profile');
      expect(proxy.total('access-denied', 'ListStreams')).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
  });
});

describe('reshard --split of a closed shard', () => {
  it('exits 2 and lists the open shards; a shard number works as an id', async () => {
    const s = uniqueStreamName('lsd-closed');
    await createStream(client, s, 2);
    await splitShard(client, s, 'shardId-000000000000', HASH_SPACE / 4n);
    const res = await cli(['reshard', s, '--split', '0', '--dry-run']);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('--split: shard shardId-000000000000 is closed');
    expect(res.stderr).toContain('expected an open shard: shardId-000000000001, shardId-000000000002, shardId-000000000003');
    const unknown = await cli(['reshard', s, '--split', '9', '--dry-run']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--split: no shard 'shardId-000000000009' in the stream; expected the id of an open shard: shardId-000000000001, shardId-000000000002, shardId-000000000003");
    const merge = await cli(['reshard', s, '--merge', '0', '1', '--dry-run']);
    expect(merge.code).toBe(2);
    expect(merge.stderr).toContain('--merge: shard shardId-000000000000 is closed');
    expect(merge.stderr).toContain('shardId-000000000001, shardId-000000000002, shardId-000000000003');
  });
});
