/** `cdcpipe put <stream> [files…]`: flags and their validation; the work is src/services/put.ts (loaded lazily). */
import type { Command } from 'commander';
import { action, examples, sigintSignal } from './action.js';
import { parseUntilFlag } from '../core/lineage.js';
import { PUT_FORMATS } from '../core/put-formats.js';
import { parseKeyTemplate } from '../core/put-key.js';
import { parseS3Url } from '../core/put-plan.js';
import { parseEnumFlag, parseNumberFlag } from '../core/units.js';
import { UsageError } from '../errors.js';
import type { PutOptions } from '../services/put.js';

interface PutFlags {
  from?: string;
  format: string;
  key?: string;
  errorCode?: string;
  since?: string;
  until?: string;
  max?: string;
  dryRun?: boolean;
  rps?: string;
  mibps?: string;
  kplAggregate?: boolean;
  skipBad?: boolean;
  failedFile?: string;
  maxInFlight: string;
}

export function register(program: Command): void {
  program
    .command('put')
    .description('write records into a stream from stdin, files (gzip too) or an S3 archive, each key in order, at a safe rate')
    .argument('<stream>', 'Kinesis data stream to write to')
    .argument('[files...]', 'input files; none or - reads stdin')
    .option('--from <s3-url>', 'read the objects under s3://bucket/prefix instead of files')
    .option('--format <format>', `${PUT_FORMATS.join(' | ')} (auto: tail or firehose-errors by the first line, else firehose-archive or lines)`, 'auto')
    .option('--key <template>', 'partition key: %{json.path}, %n line number, %%, fixed text, random, or auto (DMS partition-key-value, else random)')
    .option('--error-code <codes>', 'firehose-errors: only records with these errorCodes (comma-separated)')
    .option('--since <time>', 'with --from: objects written at or after this ISO time (or -<duration>)')
    .option('--until <time>', 'with --from: objects written before this ISO time (or -<duration>)')
    .option('--max <n>', 'write at most n records')
    .option('--dry-run', 'read and check everything, print the counts, write nothing')
    .option('--rps <n>', 'records per second at most (default 80 % of the stream: shards × 1,000)')
    .option('--mibps <n>', 'MiB per second at most (default 80 % of the stream: shards × 1 MiB/s)')
    .option('--kpl-aggregate', 'pack records into KPL aggregated records, as produce does')
    .option('--skip-bad', 'write the good records; bad ones go to --failed-file')
    .option('--failed-file <path>', 'a new file for records not written (and bad ones, with --skip-bad), in the tail format (default put-failed-<time>.ndjson)')
    .option('--max-in-flight <n>', 'PutRecords requests in flight at once (1..64)', '16')
    .addHelpText(
      'after',
      examples(
        'cdcpipe tail orders-cdc --from -1h -e --json --include-raw > hour.ndjson && cdcpipe put orders-test hour.ndjson',
        'cdcpipe put orders-cdc --from s3://archive/errors/ --format firehose-errors --error-code Lambda.ProcessingFailed',
        "cdcpipe put orders-cdc --from s3://archive/cdc/ --since 2026-11-27T10:00Z --until 2026-11-27T11:00Z --key '%{metadata.partition-key-value}'",
        "echo '{\"id\":7}' | cdcpipe put orders-test --format lines --key '%{id}'",
        'cdcpipe put orders-cdc put-failed-20261127T101500.ndjson',
      ),
    )
    .action(
      action<PutFlags>(async (ctx, args, flags) => {
        const [stream, files] = args as unknown as [string, string[] | undefined];
        const options = await validate(stream, files ?? [], flags, new Date(), ctx.env);
        const [{ put }, { putDocument, putProgress, renderPutReport }] = await Promise.all([import('../services/put.js'), import('../render/put.js')]);
        const progress = putProgress(ctx.out);
        ctx.onClose(() => progress.clear());
        const result = await put(options, await ctx.aws(), ctx.host, {
          onProgress: (p) => progress.update(p),
          interrupt: () => {
            // From here on, Ctrl-C stops sending; what was not sent goes to the failed file.
            return sigintSignal(ctx);
          },
        });
        progress.clear();
        if (ctx.global.json) ctx.out.document(putDocument(result));
        else ctx.out.result(renderPutReport(result, ctx.out.color));
        if (result.error) throw result.error;
      }),
    );
}

async function validate(stream: string, files: string[], flags: PutFlags, now: Date, env: NodeJS.ProcessEnv): Promise<PutOptions> {
  const format = parseEnumFlag('--format', flags.format, PUT_FORMATS);
  const from = flags.from !== undefined ? parseS3Url(flags.from) : undefined;
  if (from && files.length) throw new UsageError('--from: read either files or an S3 prefix, not both');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('files: stdin (-) can be read only once');
  for (const flag of ['since', 'until'] as const) if (flags[flag] !== undefined && !from) throw new UsageError(`--${flag}: only with --from s3://bucket/prefix (it selects objects by the time they were written)`);
  const since = flags.since !== undefined ? parseUntilFlag(flags.since, now, '--since') : undefined;
  const until = flags.until !== undefined ? parseUntilFlag(flags.until, now, '--until') : undefined;
  if (since && until && since >= until) throw new UsageError('--since/--until: --since must be before --until');
  const errorCodes = flags.errorCode?.split(',').map((c) => c.trim()).filter(Boolean);
  if (errorCodes && errorCodes.length === 0) throw new UsageError('--error-code: expected a comma-separated list of Firehose error codes, e.g. Lambda.ProcessingFailed');
  if (errorCodes && format !== 'auto' && format !== 'firehose-errors') throw new UsageError(`--error-code: only with --format firehose-errors (or auto), not ${format}`);
  let failedFile = flags.failedFile;
  if (failedFile !== undefined) {
    const { existsSync } = await import('node:fs');
    if (failedFile === '' || existsSync(failedFile)) throw new UsageError(`--failed-file: expected a path to a new file, got '${failedFile}'${failedFile ? ' (it exists)' : ''}`);
  } else {
    failedFile = `put-failed-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}.ndjson`;
  }
  return {
    stream,
    input: { files, ...(from ? { from } : {}), ...(since ? { since } : {}), ...(until ? { until } : {}), format },
    ...(flags.key !== undefined ? { key: parseKeyTemplate(flags.key) } : {}),
    defaultKey: { kind: 'auto' },
    ...(errorCodes ? { errorCodes } : {}),
    ...(flags.max !== undefined ? { max: parseNumberFlag('--max', flags.max, { min: 1, integer: true }) } : {}),
    dryRun: Boolean(flags.dryRun),
    ...(flags.rps !== undefined ? { rps: parseNumberFlag('--rps', flags.rps, { min: 0, minExclusive: true, max: 10_000_000 }) } : {}),
    ...(flags.mibps !== undefined ? { mibps: parseNumberFlag('--mibps', flags.mibps, { min: 0, minExclusive: true, max: 100_000 }) } : {}),
    aggregate: Boolean(flags.kplAggregate),
    skipBad: Boolean(flags.skipBad),
    failedFile,
    maxInFlight: parseNumberFlag('--max-in-flight', flags.maxInFlight, { min: 1, max: 64, integer: true }),
    // Tests only: give up on a failing record sooner.
    ...(env.CDCPIPE_TEST_PUT_MAX_ATTEMPTS ? { maxAttempts: Number(env.CDCPIPE_TEST_PUT_MAX_ATTEMPTS) } : {}),
  };
}
