/**
 * Fault suite (issue 8): 0 records lost and 0 duplicated out of 10,000 written and 10,200 read, end to end through the real binary,
 * with the fault-injecting proxy (test/helpers/fault-proxy.ts) between the CLI and kinesis-local.
 *
 * 1. `cdcpipe produce` writes 10,000 DMS records while the proxy throttles, fails (HTTP 500), resets and
 *    slows PutRecords requests. Every fault is injected *before* the request reaches the server (the
 *    proxy never forwards-then-fails here), so a retry can never double-write: any duplicate or gap is
 *    cdcpipe's. Checked against an independent GetRecords loop (test/helpers/read-all.ts) without the
 *    proxy: exactly 10,000 records, each row's row_version 1, 2, 3, … with no gap or repeat.
 * 2. The stream is resharded 2 → 3 and 200 more records land in the children, so the tail must follow
 *    lineage too.
 * 3. `cdcpipe tail --from trim-horizon -e --json` reads through the proxy while it throttles GetRecords,
 *    expires iterators, answers 500s, resets connections and slows calls. Every stored record (by shard
 *    and sequence number) must come out exactly once, and the tail's own summary must count the faults.
 * Seeds are fixed, so the same faults hit the same requests on every run.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { decodeRecord } from '../../src/core/decode.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { createStream, kinesisClient, putRecords, runCli, uniqueStreamName, updateShardCount } from '../helpers/kinesis.js';
import { readAll, type StoredRecord } from '../helpers/read-all.js';

const PRODUCED = 10_000;
const AFTER_RESHARD = 200;

const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
afterAll(() => client.destroy());

/** schema.table.key → the row_versions in stream order (per shard, which per-key ordering guarantees). */
function versionsByRow(records: StoredRecord[]): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const r of records) {
    for (const v of decodeRecord(r.data, { shardId: r.shardId, sequenceNumber: r.sequenceNumber, partitionKey: r.partitionKey, arrivalTime: undefined })) {
      const doc = v.payload as { data?: Record<string, unknown>; metadata?: Record<string, string> };
      if (!doc.data || doc.data.row_version === undefined) continue;
      const keyColumn = Object.keys(doc.data)[0]!;
      const id = `${doc.metadata?.['schema-name']}.${doc.metadata?.['table-name']}.${String(doc.data[keyColumn])}`;
      rows.set(id, [...(rows.get(id) ?? []), Number(doc.data.row_version)]);
    }
  }
  return rows;
}

function summaryNumber(stderr: string, label: string): number {
  const m = new RegExp(`([\\d,]+) ${label}`).exec(stderr);
  return m ? Number(m[1]!.replace(/,/g, '')) : 0;
}

describe('fault suite: produce and tail lose nothing and duplicate nothing under injected faults', () => {
  it(`produce ${PRODUCED.toLocaleString('en-US')} + tail ${(PRODUCED + AFTER_RESHARD).toLocaleString('en-US')} records through throttles, 500s, resets, slow calls and expired iterators`, async () => {
    const t0 = Date.now();
    const stream = uniqueStreamName('faults-e2e');
    await createStream(client, stream, 2);

    // ---- produce under faults
    const putProxy = await startFaultProxy({
      target: endpoint,
      seed: 8008,
      rules: [
        { operation: 'PutRecords', fault: 'throttle', rate: 0.08 },
        { operation: 'PutRecords', fault: 'http-500', rate: 0.06 },
        { operation: 'PutRecords', fault: 'reset', rate: 0.04 },
        { operation: 'PutRecords', fault: 'slow', rate: 0.05, delayMs: 150 },
      ],
    });
    let produced: { records: number };
    try {
      const res = await runCli(
        ['produce', stream, '--rps', '20000', '--kb', '0.5', '--count', String(PRODUCED), '--tables', '3', '--ops', 'insert=40,update=50,delete=10', '--seed', '17', '--json'],
        { endpoint: putProxy.endpoint, timeoutMs: 150_000 },
      );
      expect(res.code, res.stderr).toBe(0);
      produced = JSON.parse(res.stdout) as { records: number };
      expect(putProxy.counts.requests.PutRecords).toBeGreaterThan(20);
      for (const fault of ['throttle', 'http-500', 'reset', 'slow'] as const) expect(putProxy.total(fault, 'PutRecords'), fault).toBeGreaterThan(0);
    } finally {
      await putProxy.stop();
    }
    expect(produced.records).toBe(PRODUCED);
    const tProduced = Date.now();

    // ---- reshard, then more records into the children
    await updateShardCount(client, stream, 3);
    await putRecords(
      client,
      stream,
      Array.from({ length: AFTER_RESHARD }, (_, i) => ({ partitionKey: `after-${i}`, data: JSON.stringify({ marker: i }) })),
    );
    // One independent read (no proxy) is the truth for both checks.
    const truth = await readAll(client, stream);
    expect(truth).toHaveLength(PRODUCED + AFTER_RESHARD); // 0 lost, 0 duplicated by produce
    const rows = versionsByRow(truth);
    let broken = 0;
    for (const versions of rows.values()) if (versions.some((v, i) => v !== i + 1)) broken++;
    expect(broken).toBe(0); // every row's changes once each, in order
    expect([...rows.values()].reduce((n, v) => n + v.length, 0)).toBe(PRODUCED);
    expect(rows.size).toBeGreaterThan(1000);
    const tTruth = Date.now();

    // ---- tail under faults
    const getProxy = await startFaultProxy({
      target: endpoint,
      seed: 4242,
      rules: [
        { operation: 'GetRecords', fault: 'throttle', rate: 0.2 },
        { operation: 'GetRecords', fault: 'expired-iterator', rate: 0.08 },
        { operation: 'GetRecords', fault: 'http-500', rate: 0.06 },
        { operation: 'GetRecords', fault: 'reset', rate: 0.04 },
        { operation: 'GetRecords', fault: 'slow', rate: 0.05, delayMs: 150 },
        { operation: 'GetShardIterator', fault: 'http-500', rate: 0.1 },
        { operation: 'ListShards', fault: 'reset', rate: 0.2 },
      ],
    });
    try {
      const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--json'], {
        endpoint: getProxy.endpoint,
        // 400 records per GetRecords: ~30 calls per shard, so every kind of fault lands many times.
        env: { CDCPIPE_TEST_GETRECORDS_LIMIT: '400' },
        timeoutMs: 150_000,
      });
      expect(res.code, res.stderr).toBe(0);
      const out = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { shardId: string; sequenceNumber: string; subSequenceNumber?: number });
      const seen = new Map<string, number>();
      for (const r of out) {
        const id = `${r.shardId}/${r.sequenceNumber}/${r.subSequenceNumber ?? ''}`;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      const duplicated = [...seen.values()].filter((n) => n > 1).length;
      const lost = truth.filter((r) => !seen.has(`${r.shardId}/${r.sequenceNumber}/`)).length;
      expect({ lost, duplicated, printed: out.length }).toEqual({ lost: 0, duplicated: 0, printed: PRODUCED + AFTER_RESHARD });

      const injected = getProxy.counts.injected.GetRecords ?? {};
      expect(injected.throttle ?? 0).toBeGreaterThan(5);
      expect(injected['expired-iterator'] ?? 0).toBeGreaterThan(0);
      expect((injected['http-500'] ?? 0) + (injected.reset ?? 0)).toBeGreaterThan(0);
      // The tail's summary accounts for what the proxy did to GetRecords.
      expect(summaryNumber(res.stderr, 'throttles retried')).toBe(getProxy.total('throttle'));
      expect(summaryNumber(res.stderr, 'expired iterators renewed')).toBe(getProxy.total('expired-iterator'));
    } finally {
      await getProxy.stop();
    }
    console.info(`faults e2e: produce ${((tProduced - t0) / 1000).toFixed(1)} s, reshard + truth read ${((tTruth - tProduced) / 1000).toFixed(1)} s, tail ${((Date.now() - tTruth) / 1000).toFixed(1)} s`);
    // kinesis-local takes ~10 s for 10,000 PutRecords entries on an idle 2-core machine, several times that on a busy one.
  }, 360_000);
});
