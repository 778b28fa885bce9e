import { describe, expect, inject, it } from 'vitest';
import { createStream, kinesisClient, listShards, putRecords, uniqueStreamName } from '../helpers/kinesis.js';

describe('kinesis-local harness', () => {
  it('creates a stream, writes records and lists its shards', async () => {
    const client = kinesisClient(inject('kinesisEndpoint'));
    const name = uniqueStreamName('harness');
    await createStream(client, name, 2);
    await putRecords(client, name, [{ partitionKey: 'a', data: 'x' }]);
    expect(await listShards(client, name)).toHaveLength(2);
    client.destroy();
  });
});
