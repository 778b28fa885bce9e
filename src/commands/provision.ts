import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AbortError, CheckFailedError, CliError, UsageError } from '../errors.js';
import type { Context } from '../context.js';
import type { ProvisionClients } from '../aws/provision.js';
import type { PipelineConfig } from '../core/pipeline-schema.js';
import type { PlannedAction } from '../core/provision-plan.js';
import { parseEnumFlag } from '../core/units.js';
import { renderTable } from '../render/table.js';
import { action, examples } from './action.js';

interface ProvisionOptions {
  config: string;
  init?: boolean;
  dryRun?: boolean;
  check?: boolean;
  yes?: boolean;
  testConnection?: boolean;
  createRoles?: boolean;
  printPolicies?: boolean;
  emit?: string;
}

export function register(program: Command): void {
  program
    .command('provision')
    .description('create or converge the stream, DMS endpoint and task, Firehose and alarms of a pipeline file; never deletes')
    .option('--config <file>', 'pipeline file, YAML or JSON', './cdcpipe.yaml')
    .option('--init', 'write a commented example cdcpipe.yaml into the current directory (never overwrites)')
    .option('--dry-run', 'print the actions and stop; change nothing')
    .option('--check', 'like --dry-run, and exit 3 when anything differs from the file (for CI)')
    .option('-y, --yes', 'apply without asking (needed when there is no terminal)')
    .option('--test-connection', 'test the DMS target endpoint from the replication instance and wait for success')
    .option('--create-roles', 'create the DMS and Firehose IAM roles (least privilege) instead of taking their ARNs from the file')
    .option('--print-policies', 'print the least-privilege IAM policies the DMS and Firehose roles need, and stop')
    .option('--emit <format>', 'print the pipeline as a template instead of provisioning it: cloudformation')
    .addHelpText(
      'after',
      examples(
        'cdcpipe provision --init',
        'cdcpipe provision --dry-run',
        'cdcpipe provision --config pipelines/orders.yaml --yes --json',
        'cdcpipe provision --check            # CI: exit 3 when AWS differs from the file',
        'cdcpipe provision --print-policies',
        'cdcpipe provision --emit cloudformation > pipeline.cfn.yaml',
      ),
    )
    .action(action<ProvisionOptions>(run));
}

async function run(ctx: Context, _args: string[], opts: ProvisionOptions): Promise<void> {
  if (opts.init) return init(ctx);
  // zod, yaml and the planner load only when this command runs, so other commands start fast.
  const { buildCloudFormation, checkRoleSources, cloudFormationYaml, planProvision, rolePolicies } = await import('../core/provision-plan.js');
  const cfg = await loadConfig(opts.config);
  if (opts.emit !== undefined) {
    parseEnumFlag('--emit', opts.emit, ['cloudformation'] as const);
    const { template, warnings } = buildCloudFormation(cfg);
    for (const w of warnings) ctx.out.warn(w);
    if (ctx.out.json) ctx.out.document({ format: 'cloudformation', template });
    else ctx.out.result(cloudFormationYaml(template));
    return;
  }
  const createRoles = Boolean(opts.createRoles);
  if (!opts.printPolicies) checkRoleSources(cfg, createRoles);

  const svc = await import('../aws/provision.js');
  const aws = await ctx.aws();
  const clients: ProvisionClients = { kinesis: await aws.kinesisSdk() };
  if (opts.printPolicies) {
    const roles = rolePolicies(cfg, await svc.readPolicyRefs(cfg, clients.kinesis, await aws.region()));
    if (ctx.out.json) ctx.out.document({ roles });
    else if (roles.length === 0) ctx.out.result('no roles needed: the file has no dms or firehose section');
    else for (const r of roles) ctx.out.result(`# ${r.role} role ${r.roleName}\n# trust policy\n${JSON.stringify(r.trustPolicy, null, 2)}\n# permissions (inline policy ${r.policyName})\n${JSON.stringify(r.policy, null, 2)}\n`);
    return;
  }
  for (const s of svc.neededServices(cfg, createRoles)) {
    if (s === 'dms') clients.dms = await aws.dmsSdk();
    if (s === 'firehose') clients.firehose = await aws.firehoseSdk();
    if (s === 'cloudwatch') clients.cloudwatch = await aws.cloudwatchSdk();
    if (s === 'iam') clients.iam = await aws.iamSdk();
  }
  const state = await svc.readState(cfg, clients, { createRoles, region: await aws.region() });

  const plan = planProvision(cfg, state.observed, state.refs, { createRoles });
  for (const w of plan.warnings) ctx.out.warn(w);
  const dryRun = Boolean(opts.dryRun || opts.check);
  const toApply = plan.actions.filter((a) => a.action === 'create' || a.action === 'update' || a.action === 'start').length;
  const drift = plan.actions.filter((a) => a.action === 'drift');
  const driftError = (prefix: string) =>
    new CheckFailedError(`${prefix}${drift.length} resource(s) drifted in ways provision cannot change: ${drift.map((d) => `${d.resource} ${d.name}`).join(', ')}`, 'the detail column says why and what to do');
  const report = (applied: boolean, extra: object = {}) => {
    if (ctx.out.json) ctx.out.document({ dryRun, actions: plan.actions.map(publicAction), applied, ...extra });
  };
  if (!ctx.out.json) printActions(ctx, plan.actions);

  if (dryRun) {
    report(false);
    const differ = toApply + drift.length;
    if (opts.check && differ > 0) throw new CheckFailedError(`${differ} of ${plan.actions.length} resources differ from ${opts.config}`);
    return;
  }
  if (toApply === 0) {
    report(false);
    if (opts.testConnection && cfg.dms) await svc.applyPlan(cfg, plan, state, clients, { testConnection: true, onStep: (_a, text) => ctx.out.spinner(text) });
    if (drift.length) throw driftError('nothing to apply, but ');
    if (!ctx.out.json) ctx.out.result('no changes');
    return;
  }

  const changesText = `${toApply} change${toApply === 1 ? '' : 's'}`;
  if (!opts.yes) {
    if (!ctx.out.canPrompt) {
      report(false);
      throw new UsageError(`${changesText} to apply and no terminal to confirm them: pass --yes to apply, or --dry-run to only look`);
    }
    if (!(await confirm(`Apply ${changesText}? [y/N] `))) throw new AbortError();
  }

  try {
    await svc.applyPlan(cfg, plan, state, clients, { testConnection: Boolean(opts.testConnection), onStep: (_a, text) => ctx.out.spinner(text) });
  } catch (err) {
    if (!(err instanceof svc.ProvisionStepError)) throw err;
    report(false, { failed: { ...publicAction(err.action), error: err.result.steps.find((s) => s.status === 'failed')?.error ?? err.message } });
    throw new CliError(err.message, err.exitCode, 'what was created is kept; fix the cause and re-run cdcpipe provision: it continues from here');
  }
  report(true);
  if (drift.length) throw driftError('applied, but ');
  if (!ctx.out.json) ctx.out.result(`applied ${changesText}`);
}

function publicAction(a: PlannedAction) {
  return { resource: a.resource, name: a.name, action: a.action, detail: a.detail };
}

function printActions(ctx: Context, actions: PlannedAction[]): void {
  const c = ctx.out.color;
  const paint: Record<PlannedAction['action'], (s: string) => string> = { create: c.green, update: c.yellow, start: c.cyan, none: c.dim, drift: c.red };
  ctx.out.result(renderTable(['action', 'resource', 'name', 'detail'], actions.map((a) => [paint[a.action](a.action), a.resource, a.name, a.detail])));
}

async function loadConfig(path: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`--config: no such file '${path}'`, 'write an example with `cdcpipe provision --init`');
    throw new UsageError(`--config: cannot read '${path}': ${(err as Error).message}`);
  }
  const { parsePipeline } = await import('../core/pipeline-schema.js');
  return parsePipeline(text, path);
}

async function init(ctx: Context): Promise<void> {
  const { EXAMPLE_PIPELINE_YAML } = await import('../core/pipeline-schema.js');
  const path = resolve('cdcpipe.yaml');
  try {
    await writeFile(path, EXAMPLE_PIPELINE_YAML, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--init: ${path} already exists; refusing to overwrite it`, 'edit it, or move it away first');
    throw err;
  }
  if (ctx.out.json) ctx.out.document({ written: path });
  else ctx.out.result(`wrote ${path}: edit it, then run cdcpipe provision --dry-run`);
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
