import type { Command } from 'commander';
import { action, examples } from './action.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { parseDurationFlag, parseEnumFlag, parseNumberFlag } from '../core/units.js';
import { isFailing, type FailOn } from '../core/lag-status.js';
import { renderLagReport } from '../render/lag.js';
import type { LagOptions, LagSource } from '../aws/lag-report.js';

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
    .argument('<stream>', 'Kinesis stream name')
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
        const stream = args[0]!;
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

        const aws = await ctx.aws();
        if (flags.alarm) {
          const { alarmDefinitions, planAlarms, applyAlarms } = await import('../aws/lag-alarms.js');
          const alarmOpts = { stream, thresholdMs, efoConsumer: flags.efoConsumer, snsTopicArn: flags.snsTopic };
          if (flags.dryRun) {
            const defs = alarmDefinitions(alarmOpts);
            if (ctx.global.json) ctx.out.document({ stream, dryRun: true, alarms: defs });
            else for (const d of defs) ctx.out.result(`would put alarm ${d.AlarmName}\n${JSON.stringify(d, null, 2)}`);
            return;
          }
          const cw = await aws.cloudwatchSdk();
          const plan = await planAlarms(cw, alarmOpts);
          await applyAlarms(cw, plan);
          if (ctx.global.json) ctx.out.document({ stream, dryRun: false, alarms: plan.map((a) => ({ action: a.action, name: a.name })) });
          else for (const a of plan) ctx.out.result(`${a.action === 'create' ? 'created' : 'updated'} ${a.name}`);
          return;
        }

        const source: LagSource = flags.app || flags.leaseTable
          ? { kind: 'kcl', app: flags.app ?? flags.leaseTable!, table: flags.leaseTable ?? flags.app! }
          : flags.checkpoint
            ? { kind: 'checkpoint', path: flags.checkpoint }
            : flags.efoConsumer
              ? { kind: 'efo', consumer: flags.efoConsumer }
              : { kind: 'stream-metrics' };
        const opts: LagOptions = { stream, source, dmsTask: flags.dmsTask, firehose: flags.firehose, windowMs, thresholdMs, observeMs, countLimit };
        const { collectLag, LagSession } = await import('../aws/lag-report.js');
        const session = new LagSession();
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        ctx.onClose(() => void process.off('SIGINT', onSignal));
        const sleep = (ms: number) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, ms);
            stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          });
        const deps = { now: () => Date.now(), sleep, warn: (t: string) => ctx.out.warn(t) };

        if (watchMs === undefined) {
          const spinner = source.kind === 'kcl' && observeMs > 0 ? await ctx.out.spinner(`watching lease renewals for ${flags.observe}`) : undefined;
          const report = await collectLag(aws, opts, session, deps).finally(() => spinner?.stop());
          if (ctx.global.json) ctx.out.document(report);
          else ctx.out.result(renderLagReport(report, ctx.out.color));
          if (isFailing(report.status, failOn)) throw new CheckFailedError(`lag status ${report.status}: ${report.reason}`);
          return;
        }
        const inPlace = ctx.out.stdoutIsTTY && !ctx.global.json;
        while (!stop.signal.aborted) {
          const report = await collectLag(aws, opts, session, deps);
          if (stop.signal.aborted) break;
          if (inPlace) ctx.out.result(`\x1b[H\x1b[2J${renderLagReport(report, ctx.out.color)}\n${ctx.out.color.dim(`refreshing every ${flags.watch === true ? '30s' : flags.watch}; Ctrl-C to stop`)}`);
          else ctx.out.line({ schemaVersion: 1, ...report });
          await sleep(watchMs);
        }
      }),
    );
}
