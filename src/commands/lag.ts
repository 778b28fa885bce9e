import type { Command } from 'commander';
import { action, examples } from './action.js';
import { streamFromOptionalValue } from './positional.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { parseDurationFlag, parseEnumFlag, parseNumberFlag } from '../core/units.js';
import { isFailing, type FailOn } from '../core/lag-status.js';
import type { LagSource } from '../core/lag-model.js';
import { printLagAlarms, printLagReport } from '../render/lag.js';
import { lagWatchRenderer } from '../render/lag-watch.js';
import type { LagOptions } from '../services/lag.js';
import type { LagAlarmOptions } from '../services/lag-alarms.js';

interface LagFlags {
  app?: string;
  leaseTable?: string;
  checkpoint?: string;
  efoConsumer?: string;
  dmsTask?: string;
  firehose?: string;
  window: string;
  threshold: string;
  observe: string;
  countLimit: string;
  watch?: string | boolean;
  failOn: string;
  alarm?: boolean;
  snsTopic?: string;
  dryRun?: boolean;
}

export function register(program: Command): void {
  program
    .command('lag')
    .description('how far consumers are behind, per shard and per pipeline stage, with status, exit code and alarms')
    .argument('[stream]', 'Kinesis stream name')
    .option('--app <name>', 'KCL application: reads its DynamoDB lease table (named after the app)')
    .option('--lease-table <name>', 'lease table name when it differs from --app')
    .option('--checkpoint <file>', 'a checkpoint file written by `cdcpipe tail --checkpoint`')
    .option('--efo-consumer <name>', 'enhanced fan-out consumer: CloudWatch SubscribeToShardEvent.MillisBehindLatest')
    .option('--dms-task <id|arn>', 'add the DMS stages (CDCLatencySource, CDCLatencyTarget)')
    .option('--firehose <name>', 'add the Firehose stage (DeliveryToS3.DataFreshness)')
    .option('--window <duration>', 'window the status rules look at', '15m')
    .option('--threshold <duration>', 'lag above this is CRIT (and the iterator-age alarm threshold)', '5m')
    .option('--observe <duration>', 'KCL: time between two lease reads; a lease counter that does not move is a stopped owner (0 = off)', '5s')
    .option('--count-limit <n>', 'records one GetRecords call may read to count the records behind (1..10000)', '1000')
    .option('--watch [interval]', 'refresh every interval (default 30s): in place on a terminal, NDJSON otherwise')
    .option('--fail-on <level>', 'exit 3 from this status up: crit (CRIT, STALLED, STOPPED) | warn', 'crit')
    .option('--alarm', 'create or update the CloudWatch alarms cdcpipe-<stream>-* instead of reporting lag')
    .option('--sns-topic <arn>', 'with --alarm: SNS topic the alarms notify')
    .option('--dry-run', 'with --alarm: print the alarm definitions, create nothing')
    .addHelpText(
      'after',
      examples(
        'cdcpipe lag orders --app orders-indexer',
        'cdcpipe lag orders --app orders-indexer --threshold 30s --json   # exit 3 when behind: gate a CI job',
        'cdcpipe lag orders --checkpoint orders.checkpoint.json',
        'cdcpipe lag orders --efo-consumer search-sync --dms-task orders-cdc --firehose orders-to-s3',
        'cdcpipe lag orders --app orders-indexer --watch 10s',
        'cdcpipe lag orders --alarm --threshold 2m --sns-topic arn:aws:sns:us-east-1:123456789012:oncall --dry-run',
      ),
    )
    .action(
      action<LagFlags>(async (ctx, args, flags) => {
        // `--watch orders-cdc …`: the optional interval took the stream name.
        const { stream, value: watch } = streamFromOptionalValue(args[0], flags.watch, (v) => /^\d/.test(v));
        const o = lagOptionsOf(stream, { ...flags, ...(watch !== undefined ? { watch } : {}) });
        const aws = await ctx.aws();
        if (o.alarm) {
          const { runLagAlarms } = await import('../services/lag-alarms.js');
          printLagAlarms(ctx.out, await runLagAlarms(o.alarm, aws, ctx.host));
          return;
        }
        const { lagOnce, watchLag } = await import('../services/lag.js');
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        ctx.onClose(() => void process.off('SIGINT', onSignal));
        if (!o.watch) {
          const report = await lagOnce(o.lag, aws, ctx.host, { signal: stop.signal, observeText: flags.observe });
          printLagReport(ctx.out, report);
          if (isFailing(report.status, o.failOn)) throw new CheckFailedError(`lag status ${report.status}: ${report.reason}`);
          return;
        }
        await watchLag(o.lag, aws, ctx.host, { intervalMs: o.watch.intervalMs, signal: stop.signal, ...lagWatchRenderer(ctx.out, o.watch.text) });
      }),
    );
}

/** Every flag checked (a UsageError names it) before any AWS call. */
function lagOptionsOf(stream: string, flags: LagFlags): { lag: LagOptions; alarm?: LagAlarmOptions; failOn: FailOn; watch?: { intervalMs: number; text: string } } {
  const sources = [flags.app || flags.leaseTable ? '--app/--lease-table' : undefined, flags.checkpoint ? '--checkpoint' : undefined, flags.efoConsumer ? '--efo-consumer' : undefined].filter(Boolean);
  if (sources.length > 1) throw new UsageError(`${sources.join(' and ')}: name one consumer (a KCL app, a tail checkpoint or an EFO consumer)`);
  if ((flags.snsTopic || flags.dryRun) && !flags.alarm) throw new UsageError(`${flags.snsTopic ? '--sns-topic' : '--dry-run'}: only with --alarm`);
  if (flags.snsTopic && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(flags.snsTopic)) {
    throw new UsageError(`--sns-topic: expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:oncall, got '${flags.snsTopic}'`);
  }
  const thresholdMs = parseDurationFlag('--threshold', flags.threshold, { minMs: 1 });
  const windowMs = parseDurationFlag('--window', flags.window, { minMs: 1000 });
  const observeMs = flags.observe === '0' ? 0 : parseDurationFlag('--observe', flags.observe);
  if (observeMs > windowMs) throw new UsageError(`--observe: expected at most the --window (${flags.window}), got '${flags.observe}'`);
  const countLimit = parseNumberFlag('--count-limit', flags.countLimit, { min: 1, max: 10_000, integer: true });
  const failOn = parseEnumFlag<FailOn>('--fail-on', flags.failOn, ['crit', 'warn']);
  const watchMs = flags.watch === undefined ? undefined : flags.watch === true ? 30_000 : parseDurationFlag('--watch', String(flags.watch), { minMs: 1000 });

  const source: LagSource = flags.app || flags.leaseTable
    ? { kind: 'kcl', app: flags.app ?? flags.leaseTable!, table: flags.leaseTable ?? flags.app! }
    : flags.checkpoint
      ? { kind: 'checkpoint', path: flags.checkpoint }
      : flags.efoConsumer
        ? { kind: 'efo', consumer: flags.efoConsumer }
        : { kind: 'stream-metrics' };
  return {
    lag: { stream, source, dmsTask: flags.dmsTask, firehose: flags.firehose, windowMs, thresholdMs, observeMs, countLimit },
    ...(flags.alarm ? { alarm: { stream, thresholdMs, efoConsumer: flags.efoConsumer, snsTopicArn: flags.snsTopic, dryRun: Boolean(flags.dryRun) } } : {}),
    failOn,
    ...(watchMs !== undefined ? { watch: { intervalMs: watchMs, text: flags.watch === true ? '30s' : String(flags.watch) } } : {}),
  };
}
