/** `cdcpipe doctor`: flags and the pipeline file → options, one read-only service call (src/services/doctor.ts), render, exit code. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { AuthError, CheckFailedError, NotFoundError, UsageError } from '../errors.js';
import type { ConsumerRef } from '../core/consumer-metrics.js';
import { DOCTOR_STAGES, type DoctorStage } from '../core/doctor/finding.js';
import { doctorOutcome, type FailOn } from '../core/doctor/report.js';
import type { PipelineConfig } from '../core/pipeline-schema.js';
import { parseDurationFlag, parseEnumFlag, parseEnumListFlag } from '../core/units.js';
import { printDoctor } from '../render/doctor.js';
import type { DoctorOptions } from '../services/doctor.js';

interface DoctorFlags {
  config?: string;
  stream?: string;
  dmsTask?: string;
  firehose?: string;
  app: string[];
  lambda: string[];
  flink: string[];
  dbInstance?: string;
  dbCluster?: string;
  sourceUrl?: string;
  window: string;
  threshold: string;
  only?: string;
  failOn: string;
}

const collect = (v: string, list: string[]) => [...list, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check the whole pipeline in one read-only run: source → DMS → stream → consumers → Firehose → S3, each finding with its fix')
    .option('--config <file>', 'pipeline file: every name is taken from it (flags override)')
    .option('--stream <name>', 'Kinesis stream')
    .option('--dms-task <id|arn>', 'DMS replication task')
    .option('--firehose <name>', 'Firehose delivery stream reading the stream')
    .option('--app <name>', 'KCL application reading the stream (repeat or comma-separate)', collect, [])
    .option('--lambda <function>', 'Lambda function reading the stream (its mappings are also found by themselves)', collect, [])
    .option('--flink <app>', 'Managed Flink application reading the stream', collect, [])
    .option('--db-instance <id>', 'RDS DB instance of the source (else found from the DMS source endpoint)')
    .option('--db-cluster <id>', 'Aurora DB cluster of the source')
    .option('--source-url <url>', 'postgres://… or mysql://…: turns on the checks only SQL can see (password from the URL, PGPASSWORD or MYSQL_PWD; never printed)')
    .option('--window <duration>', 'span of metrics looked at', '1h')
    .option('--threshold <duration>', 'consumer lag above this is an error, as `lag --threshold`', '5m')
    .option('--only <stages>', `run only these stages: ${DOCTOR_STAGES.join(',')}`)
    .option('--fail-on <level>', 'exit 3 from this severity up: error | warn', 'error')
    .addHelpText(
      'after',
      examples(
        'cdcpipe doctor --config cdcpipe.yaml',
        'cdcpipe doctor --stream orders-cdc --dms-task orders-cdc --firehose orders-cdc-to-s3 --app orders-indexer',
        'cdcpipe doctor --config cdcpipe.yaml --source-url postgres://dms@orders-db:5432/orders --only source,dms',
        'cdcpipe doctor --config cdcpipe.yaml --json --fail-on warn   # CI gate',
      ),
    )
    .action(
      action<DoctorFlags>(async (ctx, _args, flags) => {
        const { opts, failOn } = await doctorOptionsOf(flags);
        const { runDoctor } = await import('../services/doctor.js');
        const result = await runDoctor(opts, await ctx.aws(), ctx.host);
        printDoctor(ctx.out, result);
        const end = doctorOutcome(result, failOn);
        if (end.kind === 'denied') throw new AuthError(end.message, 'the IAM actions doctor needs are listed in docs/doctor.md');
        if (end.kind === 'missing') throw new NotFoundError(end.message, 'check the names, --region and --profile');
        if (end.kind === 'failed') throw new CheckFailedError(`doctor: ${end.message}`);
      }),
    );
}

/** Every flag and the file checked (a UsageError names the flag) before any AWS call. */
async function doctorOptionsOf(flags: DoctorFlags): Promise<{ opts: DoctorOptions; failOn: FailOn }> {
  const windowMs = parseDurationFlag('--window', flags.window, { minMs: 60_000 });
  const thresholdMs = parseDurationFlag('--threshold', flags.threshold, { minMs: 1 });
  const failOn = parseEnumFlag<FailOn>('--fail-on', flags.failOn, ['error', 'warn']);
  const stages: DoctorStage[] = flags.only !== undefined ? parseEnumListFlag('--only', flags.only, DOCTOR_STAGES) : [...DOCTOR_STAGES];
  if (flags.dbInstance && flags.dbCluster) throw new UsageError('--db-instance and --db-cluster: name one source database, not both');
  // The URL is never echoed: it may carry a password.
  if (flags.sourceUrl !== undefined && !/^(postgres|postgresql|mysql):\/\/[^/]+/.test(flags.sourceUrl)) {
    throw new UsageError('--source-url: expected postgres://user@host[:port]/database or mysql://user@host[:port]/database (the password from the URL, PGPASSWORD or MYSQL_PWD)');
  }
  const cfg = flags.config !== undefined ? await loadConfig(flags.config) : undefined;
  const stream = flags.stream ?? cfg?.stream.name;
  if (!stream) throw new UsageError('--stream: required without --config: expected a Kinesis stream name');
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(stream)) throw new UsageError(`--stream: expected 1 to 128 characters of a-z A-Z 0-9 _ . -, got '${stream}'`);

  const listed: ConsumerRef[] = [
    ...(cfg?.consumers ?? []),
    ...(cfg?.alarms?.consumers ?? []).map(({ kind, name }) => ({ kind, name })),
    ...flags.app.map((name) => ({ kind: 'kcl' as const, name })),
    ...flags.lambda.map((name) => ({ kind: 'lambda' as const, name })),
    ...flags.flink.map((name) => ({ kind: 'flink' as const, name })),
  ];
  const named = [...new Map(listed.map((c) => [`${c.kind}:${c.name}`, c])).values()];
  const sourceUrl = flags.sourceUrl;
  const opts: DoctorOptions = {
    stream,
    consumers: named,
    windowMs,
    thresholdMs,
    stages,
    dmsLatencyThresholdS: cfg?.alarms?.dmsLatencySeconds ?? 120,
    // The file's task and delivery stream are taken by the service from `config`.
    ...(flags.dmsTask ? { dmsTask: flags.dmsTask } : {}),
    ...(flags.firehose ? { firehose: flags.firehose } : {}),
    ...(flags.dbInstance ? { dbInstance: flags.dbInstance } : {}),
    ...(flags.dbCluster ? { dbCluster: flags.dbCluster } : {}),
    ...(sourceUrl ? { sourceUrl } : {}),
    ...(cfg ? { config: cfg } : {}),
  };
  return { opts, failOn };
}

async function loadConfig(path: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`--config: no such file '${path}'`, 'write an example with `cdcpipe provision --init`');
    throw new UsageError(`--config: cannot read '${path}': ${(err as Error).message}`);
  }
  const { parsePipeline } = await import('../core/pipeline-schema.js');
  return parsePipeline(text, path);
}
