/**
 * `cdcpipe provision`: read every resource of the pipeline file, plan, and (unless a dry run) apply the
 * plan in table order, last the DMS start. Nothing is ever deleted. What was created before a failed
 * step is kept; a re-run continues from there.
 */
import { DEFAULT_WAIT, type ApplyContext, type ProvisionClients, type WaitOptions } from '../aws/provision/adapter.js';
import { testEndpointConnection } from '../aws/provision/dms-endpoint.js';
import { toCliError } from '../aws/errors.js';
import { buildCloudFormation, type CloudFormationResult } from '../core/provision/cloudformation.js';
import { endpointId } from '../core/provision/dms-endpoint.js';
import { checkRoleSources, rolePolicies, type RolePolicies } from '../core/provision/iam.js';
import { initialKnown, type DesiredOptions, type PlannedAction, type Section } from '../core/provision/model.js';
import type { Known } from '../core/provision/values.js';
import type { PipelineConfig } from '../core/pipeline-schema.js';
import { AbortError, CheckFailedError, CliError, InterruptedError, UsageError, type ExitCode } from '../errors.js';

export { checkRoleSources };
import type { Host } from './host.js';
import { PROVISION_TABLE, rowOf } from './provision-table.js';

export interface ProvisionOptions {
  cfg: PipelineConfig;
  /** --only: the sections to plan and apply (default all). The stream is read in any case: others need its ARN. */
  sections?: ReadonlySet<Section>;
  /** The file's path, for messages. */
  configPath: string;
  createRoles: boolean;
  /** --dry-run or --check: plan only. */
  dryRun: boolean;
  /** --check: a difference is exit 3. */
  check: boolean;
  yes: boolean;
  testConnection: boolean;
  /** --restart-failed: start a failed DMS task or replication again (otherwise it is drift, with its failure message). */
  restartFailed?: boolean;
  /** Shows the plan before anything is asked or applied (the command's renderer). */
  showPlan?: (actions: PlannedAction[]) => void;
  wait?: WaitOptions;
  sleep?: (ms: number) => Promise<void>;
  /** The clock waits measure with (default Date.now). */
  now?: () => number;
  /** Ctrl-C: no new step starts, the one under way stops at its next wait. */
  signal?: AbortSignal;
}

export interface ProvisionResult {
  dryRun: boolean;
  actions: PlannedAction[];
  warnings: string[];
  applied: boolean;
  /** Actions that change something (create, update, start). */
  changes: number;
  /** The step that failed, and why. */
  failed?: { action: PlannedAction; error: string };
  /** Stopped by Ctrl-C: what was applied, the step it stopped in (partly applied), and what was not. */
  interrupted?: { applied: PlannedAction[]; partly?: PlannedAction; notApplied: PlannedAction[] };
  /** The error the command ends with, after the result is shown (check failed, drift, a failed step). */
  error?: CliError;
}

/** A step failed: what was created before it is kept; a re-run continues from here. */
export class ProvisionStepError extends Error {
  /** The exit code the cause maps to (4 not found, 5 access denied, 1 the rest). */
  readonly exitCode: ExitCode;
  /** What the JSON report says failed: the cause's message for a step, the whole message for a connection test. */
  readonly reported: string;
  constructor(
    readonly action: PlannedAction,
    override readonly cause: unknown,
    whole = false,
  ) {
    super(`${action.action} ${action.resource} ${action.name} failed: ${toCliError(cause).message}`);
    this.name = 'ProvisionStepError';
    this.exitCode = toCliError(cause).exitCode;
    this.reported = whole ? this.message : toCliError(cause).message;
  }
}

/** Reads every resource in table order and plans it; the DMS start comes last. */
export async function planPipeline(cfg: PipelineConfig, opts: DesiredOptions, clients: ProvisionClients): Promise<{ actions: PlannedAction[]; warnings: string[]; known: Known }> {
  const sections = opts.sections;
  let known = initialKnown(cfg, await clients.region());
  const actions: PlannedAction[] = [];
  const warnings: string[] = [];
  const selected = (row: { sections: readonly Section[] }) => !sections || row.sections.some((s) => sections.has(s));
  for (const row of PROVISION_TABLE) {
    // The stream is read even when not selected: the other resources' requests need its ARN.
    if (!selected(row) && row.kind !== 'kinesis-stream') continue;
    const planned = await row.readAndPlan(cfg, opts, clients, known);
    if (selected(row)) {
      actions.push(...planned.actions);
      warnings.push(...row.warnings(cfg));
    }
    known = planned.known;
  }
  return { actions: [...actions.filter((a) => !a.last), ...actions.filter((a) => a.last)], warnings, known };
}

const changes = (actions: PlannedAction[]) => actions.filter((a) => a.action === 'create' || a.action === 'update' || a.action === 'start').length;

export async function provision(options: ProvisionOptions, clients: ProvisionClients, host: Host): Promise<ProvisionResult> {
  // The connection test belongs to the DMS section.
  const opts = { ...options, testConnection: options.testConnection && (!options.sections || options.sections.has('dms')) };
  checkRoleSources(opts.cfg, opts.createRoles, opts.sections);
  const desired: DesiredOptions = { createRoles: opts.createRoles, ...(opts.sections ? { sections: opts.sections } : {}), restartFailed: Boolean(opts.restartFailed) };
  const { actions, warnings, known } = await planPipeline(opts.cfg, desired, clients);
  for (const w of warnings) host.warn(w);
  opts.showPlan?.(actions);
  const toApply = changes(actions);
  const drift = actions.filter((a) => a.action === 'drift');
  const result: ProvisionResult = { dryRun: opts.dryRun, actions, warnings, applied: false, changes: toApply };
  const driftError = (prefix: string) =>
    new CheckFailedError(`${prefix}${drift.length} resource(s) drifted in ways provision cannot change: ${drift.map((d) => `${d.resource} ${d.name}`).join(', ')}`, 'the detail column says why and what to do');

  if (opts.dryRun) {
    const differ = toApply + drift.length;
    if (opts.check && differ > 0) result.error = new CheckFailedError(`${differ} of ${actions.length} resources differ from ${opts.configPath}`);
    return result;
  }
  const ctx: ApplyContext = {
    clients,
    known,
    wait: opts.wait ?? DEFAULT_WAIT,
    sleep: interruptible(opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))), opts.signal),
    now: opts.now ?? Date.now,
    newRoles: new Set(),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  if (toApply === 0) {
    if (opts.testConnection && opts.cfg.dms) {
      const failed = await runTestConnection(opts.cfg, ctx, host);
      if (failed) return withFailure(result, failed);
    }
    if (drift.length) result.error = driftError('nothing to apply, but ');
    return result;
  }
  const changesText = `${toApply} change${toApply === 1 ? '' : 's'}`;
  let confirmed: boolean;
  try {
    confirmed = await host.confirm(`Apply ${changesText}?`, { yesFlag: opts.yes });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    // No terminal to ask on: the plan is still reported, then the refusal.
    result.error = err;
    return result;
  }
  if (!confirmed) throw new AbortError();

  const failed = await applyActions(opts, actions, ctx, host);
  if (failed instanceof ProvisionStepError) return withFailure(result, failed);
  if (failed) return withInterruption(result, failed);
  result.applied = true;
  if (drift.length) result.error = driftError('applied, but ');
  return result;
}

function withFailure(result: ProvisionResult, err: ProvisionStepError): ProvisionResult {
  result.failed = { action: err.action, error: err.reported };
  // The cause's own hint (e.g. what to check on a role) comes first.
  const causeHint = toCliError(err.cause).hint;
  const keep = 'what was created is kept; fix the cause and re-run cdcpipe provision: it continues from here';
  result.error = new CliError(err.message, err.exitCode, causeHint ? `${causeHint}. ${keep.replace(/^w/, 'W')}` : keep);
  return result;
}

/** A sleep that ends at once, with an error, when the signal fires. */
function interruptible(sleep: (ms: number) => Promise<void>, signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  if (!signal) return sleep;
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new Interrupted());
      const onAbort = () => reject(new Interrupted());
      signal.addEventListener('abort', onAbort, { once: true });
      void sleep(ms).then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, reject);
    });
}

class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

type Interruption = NonNullable<ProvisionResult['interrupted']>;

function withInterruption(result: ProvisionResult, i: Interruption): ProvisionResult {
  const name = (a: PlannedAction) => `${a.action} ${a.resource} ${a.name}`;
  result.interrupted = i;
  const parts = [
    `applied ${i.applied.length} of ${result.changes} change${result.changes === 1 ? '' : 's'}${i.applied.length ? ` (${i.applied.map(name).join(', ')})` : ''}`,
    ...(i.partly ? [`stopped during ${name(i.partly)} (partly applied)`] : []),
    ...(i.notApplied.length ? [`not applied: ${i.notApplied.map(name).join(', ')}`] : []),
  ];
  result.error = new InterruptedError(`interrupted (Ctrl-C): ${parts.join('; ')}`, 'nothing is rolled back; a re-run of cdcpipe provision converges from what exists');
  return result;
}

/** Applies each action in order, with a progress line each; stops at the first failure or at Ctrl-C. */
async function applyActions(opts: ProvisionOptions, actions: PlannedAction[], ctx: ApplyContext, host: Host): Promise<ProvisionStepError | Interruption | undefined> {
  const todo = actions.filter((a) => a.action !== 'none' && a.action !== 'drift');
  const applied: PlannedAction[] = [];
  for (const [i, action] of todo.entries()) {
    if (opts.signal?.aborted) return { applied, notApplied: todo.slice(i) };
    const text = `${action.action} ${action.resource} ${action.name}`;
    const progress = await host.progress(text);
    ctx.onWait = (reason) => void (progress.text = `${text}: ${reason}`);
    try {
      ctx.known = { ...ctx.known, ...(await rowOf(action.resource).apply(ctx, action)) };
      progress.succeed(`${text}: ${action.detail}`);
      applied.push(action);
    } catch (err) {
      if (opts.signal?.aborted) {
        progress.fail(`${text}: interrupted`);
        return { applied, partly: action, notApplied: todo.slice(i + 1) };
      }
      progress.fail(`${text}: ${toCliError(err).message}`);
      return new ProvisionStepError(action, err);
    }
    if (action.resource === 'dms-endpoint' && opts.testConnection) {
      const failed = await runTestConnection(opts.cfg, ctx, host);
      if (failed) return failed;
    }
  }
  // The endpoint was tested above only when this run created or updated it.
  if (opts.testConnection && !actions.some((a) => a.resource === 'dms-endpoint' && (a.action === 'create' || a.action === 'update'))) return runTestConnection(opts.cfg, ctx, host);
  return undefined;
}

async function runTestConnection(cfg: PipelineConfig, ctx: ApplyContext, host: Host): Promise<ProvisionStepError | undefined> {
  const instance = cfg.dms?.replicationInstanceArn;
  const endpoint = ctx.known.endpointArn;
  if (!instance || !endpoint) return undefined; // serverless: DMS tests the connection when the replication starts
  const step: PlannedAction = { resource: 'dms-endpoint', name: endpointId(cfg), action: 'none', detail: 'test connection' };
  const progress = await host.progress(`test connection ${step.name}`);
  ctx.onWait = (reason) => void (progress.text = `test connection ${step.name}: ${reason}`);
  try {
    await testEndpointConnection(ctx, instance, endpoint, cfg.dms?.serviceAccessRoleArn ?? ctx.known.dmsRoleArn);
    progress.succeed(`test connection ${step.name}: successful`);
    return undefined;
  } catch (err) {
    progress.fail(`test connection ${step.name}: ${toCliError(err).message}`);
    return new ProvisionStepError(step, err, true);
  }
}

/** --print-policies: the roles' policies, scoped with the account and stream ARN one Kinesis read gives. */
export async function provisionPolicies(cfg: PipelineConfig, clients: ProvisionClients): Promise<RolePolicies[]> {
  const known = initialKnown(cfg, await clients.region());
  const read = await rowOf('kinesis-stream').readAndPlan(cfg, { createRoles: false }, clients, known);
  return rolePolicies(cfg, read.known);
}

/** --emit cloudformation: the same pipeline as a template, from the table's desired resources. */
export function provisionTemplate(cfg: PipelineConfig): CloudFormationResult {
  return buildCloudFormation(cfg, PROVISION_TABLE.flatMap((row) => row.cloudFormation(cfg)));
}

/** --init: a commented example pipeline file in the current directory; never overwrites. */
export async function writeExamplePipeline(dir: string): Promise<string> {
  const [{ writeFile }, { resolve }, { EXAMPLE_PIPELINE_YAML }] = await Promise.all([import('node:fs/promises'), import('node:path'), import('../core/pipeline-schema.js')]);
  const path = resolve(dir, 'cdcpipe.yaml');
  try {
    await writeFile(path, EXAMPLE_PIPELINE_YAML, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--init: ${path} already exists; refusing to overwrite it`, 'edit it, or move it away first');
    throw err;
  }
  return path;
}
