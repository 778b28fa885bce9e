/**
 * A small fault-injecting HTTP proxy on 127.0.0.1 in front of kinesis-local (or any AWS JSON endpoint).
 * Deterministic: one seeded PRNG decides, request by request, whether a rule fires. Faults are chosen per
 * operation (the X-Amz-Target header, e.g. `Kinesis_20131202.GetRecords` → `GetRecords`), and every
 * injected fault is counted so a test can compare it with what the client reports.
 *
 *   const proxy = await startFaultProxy({ target, seed: 7, rules: [{ operation: 'GetRecords', fault: 'throttle', rate: 0.3 }] });
 *   runCli([...], { endpoint: proxy.endpoint }); proxy.counts.injected.GetRecords?.throttle; await proxy.stop();
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { seededRandom } from '../../src/core/random.js';

export type FaultKind =
  /** HTTP 400 ProvisionedThroughputExceededException (the SDK retries it as throttling). */
  | 'throttle'
  /** HTTP 400 LimitExceededException. */
  | 'limit-exceeded'
  /** HTTP 400 KMSThrottlingException (the SDK does not retry it; the caller must). */
  | 'kms-throttling'
  /** HTTP 400 ExpiredIteratorException (not retryable: the caller needs a new iterator). */
  | 'expired-iterator'
  /** HTTP 500 InternalFailure. */
  | 'http-500'
  /** HTTP 400 AccessDeniedException (not retried: the caller's IAM policy does not allow the call). */
  | 'access-denied'
  /** The connection is destroyed without an answer (the client sees ECONNRESET / socket hang up). */
  | 'reset'
  /** The request is forwarded after `delayMs`. */
  | 'slow'
  /** The request is forwarded, and the response connection is cut `delayMs` after it starts (ends a streaming SubscribeToShard). */
  | 'cut'
  /** The request is forwarded and takes effect, but the client gets HTTP 500 InternalFailure instead of the answer (a lost response; the SDK retries it). */
  | 'lost';

export interface FaultRule {
  /** The operation name (`GetRecords`, `PutRecords`, …) or `*` for every operation. */
  operation: string;
  fault: FaultKind;
  /** Probability in [0, 1] that a matching request gets this fault. */
  rate: number;
  /** For slow and cut. Default 1000. */
  delayMs?: number;
  /** Inject at most this many times (then the rule stops firing). */
  limit?: number;
}

export interface FaultProxyOptions {
  /** Where requests go, e.g. http://127.0.0.1:4567. */
  target: string;
  seed: number;
  rules: FaultRule[];
}

export interface FaultCounts {
  /** Requests seen, per operation. */
  requests: Record<string, number>;
  /** Faults injected, per operation and kind. */
  injected: Record<string, Partial<Record<FaultKind, number>>>;
}

export interface FaultProxy {
  endpoint: string;
  counts: FaultCounts;
  /** Faults of this kind injected (on one operation, or all). */
  total(fault: FaultKind, operation?: string): number;
  stop(): Promise<void>;
}

const ERROR_BODIES: Partial<Record<FaultKind, { status: number; type: string; message: string }>> = {
  throttle: { status: 400, type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for shard (injected by fault-proxy)' },
  'limit-exceeded': { status: 400, type: 'LimitExceededException', message: 'Rate exceeded (injected by fault-proxy)' },
  'kms-throttling': { status: 400, type: 'KMSThrottlingException', message: 'KMS rate exceeded (injected by fault-proxy)' },
  'expired-iterator': { status: 400, type: 'ExpiredIteratorException', message: 'Iterator expired (injected by fault-proxy)' },
  'http-500': { status: 500, type: 'InternalFailure', message: 'Internal failure (injected by fault-proxy)' },
  'access-denied': { status: 400, type: 'AccessDeniedException', message: 'not authorized to perform this action (injected by fault-proxy)' },
};


export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const random = seededRandom(opts.seed);
  const counts: FaultCounts = { requests: {}, injected: {} };
  const fired = new Map<FaultRule, number>();
  const agent = new Agent({ keepAlive: true });

  const pickFault = (operation: string): FaultRule | undefined => {
    for (const rule of opts.rules) {
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      if (rule.limit !== undefined && (fired.get(rule) ?? 0) >= rule.limit) continue;
      // One draw per matching rule, in order, so the sequence of faults depends only on the seed and the request order.
      if (random() < rule.rate) {
        fired.set(rule, (fired.get(rule) ?? 0) + 1);
        return rule;
      }
    }
    return undefined;
  };

  const upstreamRequest = (req: IncomingMessage, onResponse: (up: IncomingMessage) => void) =>
    httpRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      onResponse,
    );

  const sendError = (res: ServerResponse, error: { status: number; type: string; message: string }) => {
    const text = JSON.stringify({ __type: error.type, message: error.message });
    res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': `fault-${Date.now()}` });
    res.end(text);
  };

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, cutAfterMs?: number) => {
    const upstream = upstreamRequest(req, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      if (cutAfterMs !== undefined) {
        const timer = setTimeout(() => {
          up.destroy();
          res.socket?.destroy();
        }, cutAfterMs);
        up.once('close', () => clearTimeout(timer));
      }
    });
    upstream.on('error', () => res.socket?.destroy());
    // A client that goes away (an aborted subscription) must not leave the upstream stream running.
    res.once('close', () => upstream.destroy());
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const targetHeader = req.headers['x-amz-target'];
      const operation = (Array.isArray(targetHeader) ? targetHeader[0] : targetHeader)?.split('.').pop() ?? 'unknown';
      counts.requests[operation] = (counts.requests[operation] ?? 0) + 1;
      const rule = pickFault(operation);
      if (!rule) return forward(req, body, res);
      const perOp = (counts.injected[operation] ??= {});
      perOp[rule.fault] = (perOp[rule.fault] ?? 0) + 1;
      const error = ERROR_BODIES[rule.fault];
      if (error) return sendError(res, error);
      if (rule.fault === 'lost') {
        // The server does the work; its answer is thrown away.
        const upstream = upstreamRequest(req, (up) => {
          up.resume();
          up.once('end', () => sendError(res, { status: 500, type: 'InternalFailure', message: 'the answer was lost (injected by fault-proxy)' }));
        });
        upstream.on('error', () => res.socket?.destroy());
        upstream.end(body);
        return;
      }
      if (rule.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (rule.fault === 'slow') {
        setTimeout(() => forward(req, body, res), rule.delayMs ?? 1000);
        return;
      }
      forward(req, body, res, rule.delayMs ?? 1000);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    total(fault, operation) {
      const ops = operation ? [operation] : Object.keys(counts.injected);
      return ops.reduce((sum, op) => sum + (counts.injected[op]?.[fault] ?? 0), 0);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
