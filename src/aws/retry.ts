/**
 * The one retry classifier. The SDK retries each call itself (adaptive mode); this decides what a
 * caller does after the SDK gave up: wait and try again (throttling, a server error, a dropped
 * connection) or stop (everything else, which another try cannot fix).
 */
export type ErrorKind = 'throttle' | 'server' | 'network' | 'fatal';

/** Throttling errors of Kinesis and KMS (Kinesis API Reference, Common Errors; PutRecords, GetRecords). */
const THROTTLE_ERRORS = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'KMSThrottlingException', 'ThrottlingException']);
const SERVER_ERRORS = new Set(['InternalFailure', 'InternalFailureException', 'ServiceUnavailable']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'RequestTimeout']);

interface ErrorLike {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function classifyError(err: unknown): ErrorKind {
  const e = err as ErrorLike | undefined;
  if (!e || typeof e !== 'object') return 'fatal';
  if (THROTTLE_ERRORS.has(e.name ?? '')) return 'throttle';
  const status = e.$metadata?.httpStatusCode;
  if ((status !== undefined && status >= 500) || SERVER_ERRORS.has(e.name ?? '')) return 'server';
  if (NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.name ?? '')) return 'network';
  return 'fatal';
}

/** Nothing listens at the endpoint: a configuration error, better reported at once than retried. */
export function isConnectionRefused(err: unknown): boolean {
  return (err as ErrorLike | undefined)?.code === 'ECONNREFUSED';
}

