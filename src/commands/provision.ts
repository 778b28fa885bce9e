/** `cdcpipe provision`: flags, the pipeline file, one service call (src/services/provision.ts), render. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Context } from '../context.js';
import type { PipelineConfig } from '../core/pipeline-schema.js';
import { parseEnumFlag, parseEnumListFlag } from '../core/units.js';
import { SECTIONS, type Section } from '../core/provision/model.js';
import { action, examples } from './action.js';

interface ProvisionFlags {
  config: string;
  init?: boolean;
  dryRun?: boolean;
  check?: boolean;
  yes?: boolean;
  testConnection?: boolean;
  createRoles?: boolean;
  restartFailed?: boolean;
  printPolicies?: boolean;
  emit?: string;
  only?: string;
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
    .option('--restart-failed', 'start a failed DMS task or Serverless replication again (resume-processing; reload-target for a Serverless full load)')
    .option('--print-policies', 'print the least-privilege IAM policies the DMS and Firehose roles need, and stop')
    .option('--emit <format>', 'print the pipeline as a template instead of provisioning it: cloudformation')
    .option('--only <sections>', 'plan and apply only these sections of the file: stream,dms,firehose,alarms (the stream is still read)')
    .addHelpText(
      'after',
      examples(
        'cdcpipe provision --init',
        'cdcpipe provision --dry-run',
        'cdcpipe provision --config pipelines/orders.yaml --yes --json',
        'cdcpipe provision --check            # CI: exit 3 when AWS differs from the file',
        'cdcpipe provision --print-policies',
        'cdcpipe provision --emit cloudformation > pipeline.cfn.yaml',
        'cdcpipe provision --only stream,alarms --dry-run'
      ),
    )
    .action(action<ProvisionFlags>(run));
}

async function run(ctx: Context, _args: string[], opts: ProvisionFlags): Promise<void> {
  // zod, yaml and the planner load only when this command runs, so other commands start fast.
  const svc = await import('../services/provision.js');
  const view = await import('../render/provision.js');
  if (opts.init) {
    const path = await svc.writeExamplePipeline(process.cwd());
    if (ctx.out.json) ctx.out.document({ written: path });
    else ctx.out.result(`wrote ${path}: edit it, then run cdcpipe provision --dry-run`);
    return;
  }
  const only = opts.only !== undefined ? parseEnumListFlag('--only', opts.only, SECTIONS) : undefined;
  const cfg = await loadConfig(opts.config);
  const sections = localSections(ctx, cfg, only);
  if (opts.emit !== undefined) {
    parseEnumFlag('--emit', opts.emit, ['cloudformation'] as const);
    return view.renderTemplate(ctx.out, svc.provisionTemplate(cfg));
  }
  const createRoles = Boolean(opts.createRoles);
  if (!opts.printPolicies) svc.checkRoleSources(cfg, createRoles, sections);
  const clients = await ctx.aws();
  if (opts.printPolicies) return view.renderPolicies(ctx.out, await svc.provisionPolicies(cfg, clients));
  // The first Ctrl-C while applying stops after the step under way and says what was applied. The listener
  // leaves only after that signal is handled (ora's exit hook re-raises a SIGINT it sees alone), so a second
  // Ctrl-C ends the process the default way.
  const interrupt = new AbortController();
  const onSigint = () => {
    interrupt.abort();
    setImmediate(() => process.off('SIGINT', onSigint));
  };
  process.on('SIGINT', onSigint);
  ctx.onClose(() => void process.off('SIGINT', onSigint));
  const result = await svc.provision(
    {
      cfg,
      ...(sections ? { sections } : {}),
      configPath: opts.config,
      createRoles,
      dryRun: Boolean(opts.dryRun || opts.check),
      check: Boolean(opts.check),
      yes: Boolean(opts.yes),
      testConnection: Boolean(opts.testConnection),
      restartFailed: Boolean(opts.restartFailed),
      showPlan: (actions) => view.renderActions(ctx.out, actions),
      signal: interrupt.signal,
    },
    clients,
    ctx.host,
  );
  view.renderProvision(ctx.out, result);
  if (result.error) throw result.error;
}

/** --only, and under --local only what the local server serves (Kinesis), with a note naming what is skipped. */
function localSections(ctx: Context, cfg: PipelineConfig, only: Section[] | undefined): ReadonlySet<Section> | undefined {
  const wanted = new Set<Section>(only ?? SECTIONS);
  if (ctx.global.local) {
    const skipped = SECTIONS.filter((s) => s !== 'stream' && wanted.has(s) && cfg[s] !== undefined);
    if (skipped.length) ctx.host.info(`--local: the local server serves Kinesis only; skipping ${skipped.join(', ')} (pass --only stream to plan the stream alone)`);
    wanted.clear();
    if (!only || only.includes('stream')) wanted.add('stream');
  }
  return only || ctx.global.local ? wanted : undefined;
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
