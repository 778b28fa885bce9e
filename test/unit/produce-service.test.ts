/**
 * The produce service against a fake KinesisApi (a few methods; the end-to-end behaviour against
 * kinesis-local is test/integration/produce.test.ts): creating the stream and waiting on
 * DescribeStreamSummary, and which PutRecords failures are retried.
 */
import { describe, expect, it } from 'vitest';
import type { PutRecordsCommandInput, PutRecordsCommandOutput, StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import type { KinesisApi } from '../../src/aws/api/kinesis.js';
import { NotFoundError } from '../../src/errors.js';
import { SILENT_HOST, type Host } from '../../src/services/host.js';
import { produce, type ProduceOptions } from '../../src/services/produce.js';

const OPTIONS: ProduceOptions = {
  stream: 's',
  rps: 100_000,
  kb: 0.5,
  count: 40,
  generator: { seed: 7, kb: 0.5, tables: 2, ops: { insert: 60, update: 35, delete: 5 }, partitionKey: 'primary-key', format: 'dms' },
  aggregate: false,
  maxInFlight: 4,
};

const notFound = () => Object.assign(new Error('Stream s not found'), { name: 'ResourceNotFoundException' });
const summary = (status: string): StreamDescriptionSummary => ({ StreamStatus: status, OpenShardCount: 2, StreamModeDetails: { StreamMode: 'PROVISIONED' } }) as StreamDescriptionSummary;

/** A stream that exists (or, once created, is CREATING for two DescribeStreamSummary calls, then ACTIVE) and by default accepts every entry. */
function fakeKinesis(opts: { exists: boolean; putRecords?: (input: PutRecordsCommandInput) => Promise<PutRecordsCommandOutput> }) {
  const calls: string[] = [];
  let describes = 0;
  let createdAt = opts.exists ? 0 : Infinity;
  const api = {
    describeStreamSummary: async () => {
      calls.push('DescribeStreamSummary');
      const n = describes++;
      if (n < createdAt) throw notFound();
      return { StreamDescriptionSummary: summary(n - createdAt < 2 && !opts.exists ? 'CREATING' : 'ACTIVE'), $metadata: {} };
    },
    createStream: async (input: unknown) => {
      calls.push(`CreateStream ${JSON.stringify(input)}`);
      createdAt = describes;
      return { $metadata: {} };
    },
    putRecords:
      opts.putRecords ??
      (async (input: PutRecordsCommandInput) => {
        calls.push('PutRecords');
        return { Records: input.Records!.map(() => ({ ShardId: 'shardId-000000000000', SequenceNumber: '1' })), $metadata: {} } as PutRecordsCommandOutput;
      }),
  };
  return { clients: { kinesisApi: async () => api as unknown as KinesisApi }, calls };
}

function recordingHost(): Host & { lines: string[] } {
  const lines: string[] = [];
  return { ...SILENT_HOST, info: (t) => void lines.push(t), lines };
}

describe('produce service', () => {
  it('--create-shards creates a provisioned stream, waits on DescribeStreamSummary until ACTIVE, then writes', async () => {
    const { clients, calls } = fakeKinesis({ exists: false });
    const host = recordingHost();
    const report = await produce({ ...OPTIONS, createShards: 2 }, clients, host);
    expect(calls.slice(0, 2)).toEqual(['DescribeStreamSummary', 'CreateStream {"StreamName":"s","ShardCount":2,"StreamModeDetails":{"StreamMode":"PROVISIONED"}}']);
    expect(calls.filter((c) => c === 'DescribeStreamSummary')).toHaveLength(4);
    expect(calls.indexOf('PutRecords')).toBeGreaterThan(calls.lastIndexOf('DescribeStreamSummary'));
    expect(host.lines).toEqual(['created stream s with 2 shards']);
    expect(report.result.records).toBe(40);
    expect(report.check.openShards).toBe(2);
  });

  it('a missing stream without --create-shards is a NotFoundError whose hint names --create-shards', async () => {
    const { clients, calls } = fakeKinesis({ exists: false });
    const err = await produce(OPTIONS, clients, SILENT_HOST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).hint).toMatch(/--create-shards/);
    expect(calls).toEqual(['DescribeStreamSummary']);
  });

  it('ECONNREFUSED from PutRecords fails the run at once, without a retry', async () => {
    let puts = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const putRecords = async (): Promise<PutRecordsCommandOutput> => {
      puts++;
      throw refused;
    };
    const { clients } = fakeKinesis({ exists: true, putRecords });
    await expect(produce({ ...OPTIONS, maxInFlight: 1 }, clients, SILENT_HOST)).rejects.toBe(refused);
    expect(puts).toBe(1);
  });

  it('a reset connection and throttled entries are retried until every record is written', async () => {
    let puts = 0;
    const { clients } = fakeKinesis({
      exists: true,
      putRecords: async (input) => {
        puts++;
        if (puts === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        // The second request has its first entry throttled; every later request is written whole.
        const records = input.Records!.map((_, i) => (puts === 2 && i === 0 ? { ErrorCode: 'ProvisionedThroughputExceededException' } : { ShardId: 'shardId-000000000001', SequenceNumber: '1' }));
        return { Records: records, $metadata: {} } as PutRecordsCommandOutput;
      },
    });
    const report = await produce({ ...OPTIONS, maxInFlight: 1 }, clients, SILENT_HOST);
    expect(report.result.records).toBe(40);
    expect(report.result.throttled).toBe(1);
    expect(report.result.perShard).toEqual({ 'shardId-000000000001': 40 });
  });

  it('reports the real mean record size when it differs from --kb, and stays quiet when it matches', async () => {
    const report = await produce(OPTIONS, fakeKinesis({ exists: true }).clients, SILENT_HOST);
    const mean = report.result.bytes / report.result.records / 1024;
    const note = report.notes.find((n) => n.startsWith('the records average'));
    if (Math.abs(mean - OPTIONS.kb) > 0.05 * OPTIONS.kb) expect(note).toBe(`the records average ${mean.toFixed(2)} KiB, not the 0.5 KiB of --kb (row sizes vary by operation and table)`);
    else expect(note).toBeUndefined();
    // A --kb the rows cannot come near always gets the note.
    const far = await produce({ ...OPTIONS, kb: 8, generator: { ...OPTIONS.generator, kb: 0.5 } }, fakeKinesis({ exists: true }).clients, SILENT_HOST);
    expect(far.notes.some((n) => /^the records average [\d.]+ KiB, not the 8 KiB of --kb/.test(n))).toBe(true);
  });
});
