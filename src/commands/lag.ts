import type { Command } from 'commander';
import { action, examples } from './action.js';
import { streamFromOptionalValue } from './positional.js';
import { lagOptionsOf, type LagFlags } from './lag-options.js';
import { CheckFailedError } from '../errors.js';
import { isFailing } from '../core/lag-status.js';
import { printLagAlarms, printLagReport } from '../render/lag.js';
import { lagWatchRenderer } from '../render/lag-watch.js';

export function register(program: Command): void {
  program
    .command('lag')
    .description('how far consumers are behind, per shard and per pipeline stage, with status, exit code and alarms')
    .argument('[stream]', 'Kinesis stream name')
    .option('--app <name>', 'KCL application: reads its DynamoDB lease table (named after the app)')
    .option('--lease-table <name>', 'lease table name when it differs from --app')
    .option('--checkpoint <file>', 'a checkpoint file written by `cdcpipe tail --checkpoint`')
    .option('--efo-consumer <name>', 'enhanced fan-out consumer: CloudWatch SubscribeToShardEvent.MillisBehindLatest')
    .option('--lambda <function>', 'Lambda function reading the stream: CloudWatch AWS/Lambda IteratorAge')
    .option('--flink <application>', 'Managed Service for Apache Flink application: CloudWatch millisBehindLatest')
    .option('--firehose-source <delivery stream>', 'Firehose reading the stream: CloudWatch KinesisMillisBehindLatest')
    .option('--dms-task <id|arn>', 'add the DMS stages (CDCLatencySource, CDCLatencyTarget)')
    .option('--firehose <name>', 'add the Firehose stage (DeliveryToS3.DataFreshness)')
    .option('--window <duration>', 'window the status rules look at', '15m')
    .option('--threshold <duration>', 'lag above this is CRIT (and the iterator-age alarm threshold)', '5m')
    .option('--observe <duration>', 'KCL: time between two lease reads; a lease counter that does not move is a stopped owner (0 = off)', '5s')
    .option('--count-limit <n>', 'records one GetRecords call may read to count the records behind (1..10000)', '1000')
    .option('--watch [interval]', 'refresh every interval (default 30s): in place on a terminal, NDJSON otherwise')
    .option('--fail-on <level>', 'exit 3 from this status up: crit (CRIT, STALLED, STOPPED) | warn', 'crit')
    .option('--serve <[host:]port>', 'serve Prometheus/OpenMetrics gauges at http://host:port/metrics (host 127.0.0.1 unless given) until SIGTERM')
    .option('--interval <duration>', 'with --serve: time between refreshes (default 30s)')
    .option('--alarm', 'create or update the CloudWatch alarms cdcpipe-<stream>-lag-* (of the named consumer, else stream-wide) instead of reporting lag')
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
        'cdcpipe lag orders --lambda orders-fn --serve 9464 --interval 15s',
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
        if (o.serve) {
          const [{ serveLag }, { prometheusExposition }] = await Promise.all([import('../services/lag-serve.js'), import('../render/lag-prometheus.js')]);
          process.once('SIGTERM', onSignal);
          ctx.onClose(() => void process.off('SIGTERM', onSignal));
          await serveLag(o.lag, aws, ctx.host, { ...o.serve, signal: stop.signal, expose: await prometheusExposition() });
          return;
        }
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
