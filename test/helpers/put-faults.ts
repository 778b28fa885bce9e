/**
 * A small HTTP proxy in front of kinesis-local that injects partial PutRecords failures, as a
 * throttled Kinesis shard produces them: for a seeded fraction of PutRecords requests, some entries
 * are removed from the forwarded request (so they really are not written) and reported back with
 * ErrorCode ProvisionedThroughputExceededException; every other call passes through unchanged.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { seededRandom } from '../../src/core/random.js';

export interface PutFaultsOptions {
  /** kinesis-local's endpoint, e.g. http://127.0.0.1:4567 */
  target: string;
  seed: number;
  /** Share of PutRecords requests that get failed entries. */
  requestFraction: number;
  /** In a faulted request, the chance of each entry to fail (at least one always does). */
  entryFraction: number;
}

export interface PutFaults {
  endpoint: string;
  stats: { putRequests: number; faultedRequests: number; failedEntries: number; forwardedEntries: number };
  close(): Promise<void>;
}

interface PutRecordsBody {
  StreamName?: string;
  StreamARN?: string;
  Records: { Data: string; PartitionKey: string; ExplicitHashKey?: string }[];
}

interface PutRecordsResult {
  FailedRecordCount?: number;
  Records: { SequenceNumber?: string; ShardId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  EncryptionType?: string;
}

export async function startPutFaults(opts: PutFaultsOptions): Promise<PutFaults> {
  const rnd = seededRandom(opts.seed);
  const target = new URL(opts.target);
  const stats = { putRequests: 0, faultedRequests: 0, failedEntries: 0, forwardedEntries: 0 };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      headers['content-length'] = String(body.length);
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && k !== 'content-length' && k !== 'transfer-encoding') h[k] = v;
          resolve({ status: res.statusCode ?? 500, headers: h, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let body: Buffer = Buffer.concat(chunks);
        const isPut = String(req.headers['x-amz-target'] ?? '').endsWith('.PutRecords');
        let failed: Set<number> | undefined;
        let original: PutRecordsBody | undefined;
        if (isPut) {
          stats.putRequests++;
          original = JSON.parse(body.toString('utf8')) as PutRecordsBody;
          if (rnd() < opts.requestFraction && original.Records.length > 0) {
            failed = new Set(original.Records.map((_, i) => i).filter(() => rnd() < opts.entryFraction));
            if (failed.size === 0) failed.add(Math.floor(rnd() * original.Records.length));
            stats.faultedRequests++;
            stats.failedEntries += failed.size;
          }
        }
        const throttled = (shard = 'shardId-000000000000') => ({
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard ${shard} in stream under account 000000000000.`,
        });
        if (!failed || !original) {
          if (original) stats.forwardedEntries += original.Records.length;
          const up = await forward(req, body);
          res.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
          res.end(up.body);
          return;
        }
        const kept = original.Records.filter((_, i) => !failed.has(i));
        stats.forwardedEntries += kept.length;
        let results: PutRecordsResult['Records'] = [];
        let upHeaders: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
        if (kept.length > 0) {
          body = Buffer.from(JSON.stringify({ ...original, Records: kept }));
          const up = await forward(req, body);
          if (up.status !== 200) {
            res.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
            res.end(up.body);
            return;
          }
          results = (JSON.parse(up.body.toString('utf8')) as PutRecordsResult).Records;
          upHeaders = up.headers;
        }
        const merged: PutRecordsResult['Records'] = [];
        let k = 0;
        for (let i = 0; i < original.Records.length; i++) merged.push(failed.has(i) ? throttled() : results[k++]!);
        const out = Buffer.from(JSON.stringify({ FailedRecordCount: merged.filter((r) => r.ErrorCode).length, Records: merged, EncryptionType: 'NONE' }));
        res.writeHead(200, { ...upHeaders, 'content-length': String(out.length) });
        res.end(out);
      })().catch((err: Error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`put-faults proxy: ${err.message}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
