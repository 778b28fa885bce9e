/**
 * The AWS half of a resource kind: read what exists, apply one planned action. Clients are built on
 * first use, so a stream-only file never builds a DMS or Firehose client. Every create tolerates
 * "already exists", so a re-run after a failure finishes the job; nothing here deletes anything.
 */
import type { PlannedAction } from '../../core/provision/model.js';
import type { Known } from '../../core/provision/values.js';
import { AwsCallError } from '../../errors.js';
import type { CloudWatchApi } from '../api/cloudwatch.js';
import type { DmsApi } from '../api/dms.js';
import type { WaitOptions } from '../api/op.js';
import type { FirehoseApi } from '../api/firehose.js';
import type { IamApi } from '../api/iam.js';
import type { KinesisApi } from '../api/kinesis.js';

export type { WaitOptions } from '../api/op.js';

/** The clients provision may build; `AwsClients` (src/aws/clients.ts) is one. */
export interface ProvisionClients {
  kinesisApi(): Promise<KinesisApi>;
  dmsApi(): Promise<DmsApi>;
  firehoseApi(): Promise<FirehoseApi>;
  cloudwatchApi(): Promise<CloudWatchApi>;
  iamApi(): Promise<IamApi>;
  /** The resolved region (for ARNs). */
  region(): Promise<string>;
}

export const DEFAULT_WAIT: WaitOptions = { minDelaySeconds: 1, maxDelaySeconds: 15, maxWaitSeconds: 900 };

export interface ApplyContext {
  clients: ProvisionClients;
  /** Outputs known so far (from reads and earlier steps); requests are resolved against it. */
  known: Known;
  wait: WaitOptions;
  sleep: (ms: number) => Promise<void>;
  /** The clock the waits measure with (Date.now unless a test injects one). */
  now?: () => number;
  /** The role ARNs this run created or changed: the ones whose IAM propagation is waited for. */
  newRoles?: Set<string>;
  /** The reason a step is waiting (shown on its progress line). */
  onWait?: (reason: string) => void;
  /** Ctrl-C: a step with several calls stops before its next one. */
  signal?: AbortSignal;
}

export interface ReadResult<O> {
  /** One per desired resource, in order; null where it does not exist. */
  observed: (O | null)[];
  /** Outputs the reads learned (ARNs, the account id). */
  outputs?: Known;
}

export interface ResourceAdapter<D, O> {
  read(clients: ProvisionClients, desired: readonly D[], known: Known): Promise<ReadResult<O>>;
  /** Sends the action's requests; returns the outputs it produced. */
  apply(ctx: ApplyContext, action: PlannedAction): Promise<Known>;
}

/** Polls `check` until it returns a value, backing off from minDelay to maxDelay, up to maxWait. */
export async function poll<T>(ctx: ApplyContext, what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ctx.wait.maxWaitSeconds * 1000;
  let delayMs = ctx.wait.minDelaySeconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() + delayMs > deadline) throw new AwsCallError(`timed out after ${ctx.wait.maxWaitSeconds} s waiting for ${what}`, 're-run cdcpipe provision: it continues where it stopped');
    await ctx.sleep(delayMs);
    delayMs = Math.min(delayMs * 2, ctx.wait.maxDelaySeconds * 1000);
  }
}

/** The value of a describe call, or null when the resource does not exist (the given error names). */
export async function orNull<T>(read: () => Promise<T>, ...notFound: string[]): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (notFound.includes((err as { name?: string } | undefined)?.name ?? '')) return null;
    throw err;
  }
}
