/**
 * `cdcpipe put` under faults: 10,000 records through two proxies in front of kinesis-local: the fault proxy
 * (test/helpers/fault-proxy.ts) throttles, answers 500 and resets whole PutRecords requests, always before
 * they reach the server, and the partial-failure proxy (test/helpers/put-faults.ts) fails single entries
 * with ProvisionedThroughputExceededException without writing them. Read back with a plain GetRecords loop
 * without the proxies: 0 lost, 0 duplicated, and each key's records in the order of the input.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { createStream, kinesisClient, runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { startPutFaults } from '../helpers/put-faults.js';
import { readAll } from '../helpers/read-all.js';
import { tempDir } from '../helpers/temp-dir.js';

const RECORDS = 10_000;
const KEYS = 1000;
const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
afterAll(() => client.destroy());
const dir = tempDir('put-faults');

describe('put under faults', () => {
  it(`${RECORDS.toLocaleString('en-US')} records through throttles, 500s, resets and partial failures: 0 lost, 0 duplicated, each key in order`, async () => {
    const stream = uniqueStreamName('put-faults');
    await createStream(client, stream, 4);
    const file = join(dir, 'in.ndjson');
    writeFileSync(file, `${Array.from({ length: RECORDS }, (_, i) => JSON.stringify({ k: `key-${i % KEYS}`, v: Math.floor(i / KEYS), pad: 'x'.repeat(200) })).join('\n')}\n`);

    const partial = await startPutFaults({ target: endpoint, seed: 17, requestFraction: 0.3, entryFraction: 0.2 });
    const proxy = await startFaultProxy({
      target: partial.endpoint,
      seed: 1717,
      rules: [
        { operation: 'PutRecords', fault: 'throttle', rate: 0.08 },
        { operation: 'PutRecords', fault: 'http-500', rate: 0.06 },
        { operation: 'PutRecords', fault: 'reset', rate: 0.04 },
      ],
    });
    let doc: { records: number; failed: number; retries: number; throttles: number };
    try {
      const res = await runCli(['put', stream, file, '--format', 'lines', '--key', '%{k}', '--rps', '50000', '--mibps', '100', '--json'], { endpoint: proxy.endpoint, timeoutMs: 400_000 });
      expect(res.code, res.stderr).toBe(0);
      doc = JSON.parse(res.stdout) as typeof doc;
      for (const fault of ['throttle', 'http-500', 'reset'] as const) expect(proxy.total(fault, 'PutRecords'), fault).toBeGreaterThan(0);
      expect(partial.stats.failedEntries).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
      await partial.close();
    }
    expect(doc.records).toBe(RECORDS);
    expect(doc.failed).toBe(0);
    // Each entry the partial-failure proxy failed was retried (the SDK retries the whole-request faults itself).
    expect(doc.throttles).toBeGreaterThanOrEqual(partial.stats.failedEntries);

    const stored = await readAll(client, stream);
    expect(stored).toHaveLength(RECORDS);
    const versions = new Map<string, number[]>();
    for (const r of stored) {
      const { k, v } = JSON.parse(Buffer.from(r.data).toString()) as { k: string; v: number };
      expect(r.partitionKey).toBe(k);
      versions.set(k, [...(versions.get(k) ?? []), v]);
    }
    expect(versions.size).toBe(KEYS);
    const expected = Array.from({ length: RECORDS / KEYS }, (_, i) => i);
    for (const [k, vs] of versions) expect(vs, k).toEqual(expected);
  }, 600_000);
});
