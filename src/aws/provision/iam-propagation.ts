/**
 * A new IAM role is not usable at once: until IAM propagates it, Firehose CreateDeliveryStream answers
 * InvalidArgumentException "Firehose is unable to assume role …" and DMS CreateEndpoint / TestConnection
 * answer AccessDeniedFault "The IAM Role … is not configured properly". AWS states no propagation time;
 * these exact errors are retried with back-off for at most 2 minutes, and only for a role this run created
 * or changed: a role that was already there and fails is misconfigured, and waiting would not fix it.
 */
import { CliError } from '../../errors.js';
import { isAwsError, toCliError } from '../errors.js';
import type { ApplyContext } from './adapter.js';

export const IAM_PROPAGATION_MAX_SECONDS = 120;
const FIRST_DELAY_MS = 2000;
const MAX_DELAY_MS = 15_000;

export type PropagationCheck = (err: unknown) => boolean;

/** Firehose: the role it was given cannot be assumed (yet). */
export const firehoseCannotAssume: PropagationCheck = (err) => isAwsError(err, 'InvalidArgumentException') && /unable to assume role/i.test((err as Error).message);
/** DMS: the service access role is refused (yet). */
export const dmsRoleRefused: PropagationCheck = (err) => isAwsError(err, 'AccessDeniedFault');

/** The AWS message without the role ARN, for the progress line: "Firehose is unable to assume role …. Please …". */
function shortMessage(message: string): string {
  return message.replace(/arn:[^\s]*?(?=\.?(?:\s|$))/g, '…');
}

function roleHint(service: 'Firehose' | 'DMS', role: string | undefined, fresh: boolean): string {
  const principal = service === 'Firehose' ? 'firehose.amazonaws.com' : 'dms.amazonaws.com';
  const which = role ? `the role ${role}` : 'the role';
  return fresh
    ? `${which} was created by this run and IAM has not let ${service} use it within ${IAM_PROPAGATION_MAX_SECONDS} s: re-run cdcpipe provision in a minute (it continues from here); if it fails again, check the role's trust policy (${principal}) and permissions (cdcpipe provision --print-policies)`
    : `${service} cannot use ${which}: check its trust policy (${principal}) and its permissions (cdcpipe provision --print-policies); if it was created moments ago, re-run in a minute`;
}

/**
 * Runs `call`; while it fails with the propagation error `check` recognises and the role is new in this
 * run, waits (2 s, 4 s, 8 s, … at most 15 s apart, at most 2 minutes in all) saying why on the progress line.
 */
export async function whileRolePropagates<T>(ctx: ApplyContext, service: 'Firehose' | 'DMS', role: string | undefined, check: PropagationCheck, call: () => Promise<T>): Promise<T> {
  const fresh = role !== undefined && (ctx.newRoles?.has(role) ?? false);
  const now = ctx.now ?? Date.now;
  const start = now();
  let delayMs = FIRST_DELAY_MS;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!check(err)) throw err;
      const cli = toCliError(err);
      const elapsedMs = now() - start;
      if (!fresh) throw new CliError(cli.message, cli.exitCode, roleHint(service, role, false));
      if (elapsedMs + delayMs > IAM_PROPAGATION_MAX_SECONDS * 1000) {
        throw new CliError(`${cli.message} (still after ${Math.round(elapsedMs / 1000)} s of waiting for IAM to propagate the new role)`, cli.exitCode, roleHint(service, role, true));
      }
      ctx.onWait?.(`waiting for IAM to propagate the new role (${shortMessage((err as Error).message)}), ${Math.round(elapsedMs / 1000)} s of at most ${IAM_PROPAGATION_MAX_SECONDS} s`);
      await ctx.sleep(delayMs);
      delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
    }
  }
}
