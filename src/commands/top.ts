/** `cdcpipe top <stream>`: flags → options → the service (loaded lazily) → a live screen or NDJSON frames. */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { UsageError } from '../errors.js';
import { parseDurationFlag, parseNumberFlag } from '../core/units.js';
import { consumerNameProblem } from '../core/consumer-metrics.js';
import { openTopScreen } from '../render/top.js';
import type { TopOptions } from '../services/top.js';
import { lagSourceOf, type LagSourceFlags } from './lag-options.js';

/** The lag sources are lag's own flags. */
interface TopFlags extends LagSourceFlags {
  interval: string;
  sample?: boolean;
  efo?: string;
  sampleCalls?: string;
  hot: string;
  count?: string;
  keys: string;
}

export function register(program: Command): void {
  program
    .command('top')
    .description("a live view of a stream's write load: per-shard rates against the shard limits, the hottest shard, the busiest partition keys and where to split")
    .argument('<stream>', 'Kinesis stream name')
    .option('--interval <duration>', 'time between two frames (≥ 500ms)', '2s')
    .option('--sample', 'count records, bytes and partition keys by reading every open shard from LATEST (at most 1 GetRecords/s per shard) instead of CloudWatch')
    .option('--efo <name>', 'with --sample: read through this enhanced fan-out consumer (registered if missing, deregistered at the end)')
    .option('--sample-calls <n>', 'with --sample: GetRecords calls a second across the stream (1..10000; each shard still at most once a second). Default 25: many shards are read less often')
    .option('--hot <ratio>', 'a shard is hot from this share of its write limit (0 < r ≤ 1)', '0.8')
    .option('--count <n>', 'stop after n frames (default: until q or Ctrl-C)')
    .option('--keys <n>', 'partition keys to list (1..100)', '10')
    .option('--app <name>', 'consumer lag per shard from this KCL application (its DynamoDB lease table)')
    .option('--lease-table <name>', 'lease table name when it differs from --app')
    .option('--checkpoint <file>', 'consumer lag per shard from a `cdcpipe tail --checkpoint` file')
    .option('--efo-consumer <name>', "consumer lag of this enhanced fan-out consumer (CloudWatch, for the whole stream)")
    .option('--lambda <function>', "consumer lag of this Lambda function's event source mapping (IteratorAge, for the whole stream)")
    .option('--flink <application>', 'consumer lag of this Managed Flink application (millisBehindLatest, for the whole stream)')
    .option('--firehose-source <name>', 'consumer lag of this delivery stream reading the stream (KinesisMillisBehindLatest)')
    .addHelpText(
      'after',
      examples(
        'cdcpipe top orders',
        'cdcpipe top orders --sample --interval 1s',
        'cdcpipe top orders --sample --efo cdcpipe-top',
        'cdcpipe top orders --sample --app orders-indexer',
        'cdcpipe top orders --sample --count 5 --json | jq .hottest',
      ),
    )
    .action(
      action<TopFlags>(async (ctx, args, flags) => {
        const o = topOptionsOf(args[0]!, flags);
        const { runTop } = await import('../services/top.js');
        const aws = await ctx.aws();
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const screen = openTopScreen(ctx.out, o.hotAt, onSignal);
        ctx.onClose(() => {
          screen.close();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        });
        try {
          await runTop(o, aws, ctx.host, { signal: stop.signal, onFrame: (frame) => screen.onFrame(frame) });
        } finally {
          // Before any error is printed: the message must land on the normal screen, not the alternate one.
          screen.close();
        }
      }),
    );
}

/** Every flag checked (a UsageError names it and what it accepts) before any AWS call. */
export function topOptionsOf(stream: string, flags: TopFlags): TopOptions {
  const intervalMs = parseDurationFlag('--interval', flags.interval, { minMs: 500 });
  const hotAt = parseNumberFlag('--hot', flags.hot, { min: 0, minExclusive: true, max: 1 });
  const count = flags.count === undefined ? undefined : parseNumberFlag('--count', flags.count, { min: 1, integer: true });
  const topKeys = parseNumberFlag('--keys', flags.keys, { min: 1, max: 100, integer: true });
  if (flags.efo !== undefined && !flags.sample) throw new UsageError('--efo: only with --sample (it names the enhanced fan-out consumer the sample reads through)');
  if (flags.sampleCalls !== undefined && (!flags.sample || flags.efo !== undefined)) throw new UsageError('--sample-calls: only with --sample, without --efo (it paces the GetRecords calls of polling)');
  const callsPerSecond = flags.sampleCalls === undefined ? undefined : parseNumberFlag('--sample-calls', flags.sampleCalls, { min: 1, max: 10_000, integer: true });
  const efoProblem = flags.efo === undefined ? undefined : consumerNameProblem({ kind: 'efo', name: flags.efo });
  if (efoProblem) throw new UsageError(`--efo: ${efoProblem}`);
  const { source } = lagSourceOf(flags);
  const lag = source.kind === 'stream-metrics' ? undefined : source;
  return {
    stream,
    intervalMs,
    hotAt,
    topKeys,
    ...(flags.sample ? { sample: flags.efo ? { efoConsumer: flags.efo } : callsPerSecond !== undefined ? { callsPerSecond } : {} } : {}),
    ...(lag ? { lag } : {}),
    ...(count !== undefined ? { count } : {}),
  };
}
