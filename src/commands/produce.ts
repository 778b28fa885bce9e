import type { Command } from 'commander';
import { action, examples } from './action.js';
import { UsageError } from '../errors.js';
import { CDC_FORMATS, CdcGenerator, MAX_TABLES, PARTITION_KEY_MODES, parseOpMix, type GeneratorOptions } from '../core/cdc-generator.js';
import { planCapacity } from '../core/capacity.js';
import { checkLoad } from '../core/load-check.js';
import { RECORD_ABSOLUTE_MAX_BYTES, RECORD_DEFAULT_MAX_BYTES } from '../core/limits.js';
import { formatDurationMs, KIB, MIB, parseDurationFlag, parseEnumFlag, parseNumberFlag, formatNumber } from '../core/units.js';

interface ProduceFlags {
  rps: string;
  kb: string;
  duration?: string;
  count?: string;
  tables: string;
  ops: string;
  partitionKey: string;
  format: string;
  kplAggregate?: boolean;
  seed?: string;
  createShards?: string;
  maxInFlight: string;
}

export function register(program: Command): void {
  program
    .command('produce')
    .description('write realistic CDC records (DMS or Debezium JSON) to a stream at a target rate, and report what the stream took')
    .argument('<stream>', 'stream name')
    .requiredOption('--rps <n>', 'records per second')
    .requiredOption('--kb <n>', 'KiB per record (deletes are key-only and smaller, as DMS writes them)')
    .option('--duration <d>', 'how long to produce, e.g. 30s, 5m (default 30s unless --count)')
    .option('--count <n>', 'how many records to produce (instead of --duration)')
    .option('--tables <n>', `tables changes are spread over (1..${MAX_TABLES})`, '4')
    .option('--ops <mix>', 'operation mix as weights', 'insert=70,update=25,delete=5')
    .option('--partition-key <mode>', 'primary-key | schema-table (DMS partitioning)', 'primary-key')
    .option('--format <f>', 'dms | debezium', 'dms')
    .option('--kpl-aggregate', 'pack records into KPL aggregated records (one per shard per batch)')
    .option('--seed <n>', 'seed of the generated data (default: random, printed in the report)')
    .option('--create-shards <n>', 'create the stream with n provisioned shards if it does not exist')
    .option('--max-in-flight <n>', 'PutRecords requests in flight at once (1..64)', '16')
    .addHelpText(
      'after',
      examples(
        'cdcpipe produce orders-cdc --rps 200 --kb 2 --duration 30s',
        'cdcpipe produce orders-cdc --rps 1000 --kb 1 --count 50000 --partition-key schema-table --tables 8',
        'cdcpipe produce p --local --create-shards 2 --rps 200 --kb 2 --duration 5s --json',
        'cdcpipe produce orders-cdc --rps 5000 --kb 0.5 --kpl-aggregate --ops insert=20,update=75,delete=5',
      ),
    )
    .action(
      action<ProduceFlags>(async (ctx, [stream], flags) => {
        const rps = parseNumberFlag('--rps', flags.rps, { min: 0, minExclusive: true, max: 1_000_000 });
        const kb = parseNumberFlag('--kb', flags.kb, { min: 0, minExclusive: true, max: RECORD_ABSOLUTE_MAX_BYTES / KIB });
        if (flags.duration !== undefined && flags.count !== undefined) throw new UsageError('--duration and --count: pass one of them, not both');
        const count = flags.count !== undefined ? parseNumberFlag('--count', flags.count, { min: 1, integer: true }) : undefined;
        const durationMs = count === undefined ? parseDurationFlag('--duration', flags.duration ?? '30s', { minMs: 100 }) : undefined;
        const seed = flags.seed !== undefined ? parseNumberFlag('--seed', flags.seed, { min: 0, max: 2 ** 32 - 1, integer: true }) : Math.floor(Math.random() * 2 ** 32);
        const gen: GeneratorOptions = {
          seed,
          kb,
          tables: parseNumberFlag('--tables', flags.tables, { min: 1, max: MAX_TABLES, integer: true }),
          ops: parseOpMix('--ops', flags.ops),
          partitionKey: parseEnumFlag('--partition-key', flags.partitionKey, PARTITION_KEY_MODES),
          format: parseEnumFlag('--format', flags.format, CDC_FORMATS),
        };
        // aws-kinesis-agg packs at most 1 MiB per aggregated record (the KPL's own limit).
        if (flags.kplAggregate && kb >= 1000) throw new UsageError(`--kb: with --kpl-aggregate, expected a number < 1000 (an aggregated record holds at most 1 MiB), got '${flags.kb}'`);
        const createShards = flags.createShards !== undefined ? parseNumberFlag('--create-shards', flags.createShards, { min: 1, max: 10_000, integer: true }) : undefined;
        const maxInFlight = parseNumberFlag('--max-in-flight', flags.maxInFlight, { min: 1, max: 64, integer: true });
        // With schema-table partitioning, a table's share of the traffic all lands on one key (and shard).
        const plan = planCapacity({ rps, kb, ...(gen.partitionKey === 'schema-table' ? { skew: 1 / gen.tables } : {}) });

        if (createShards !== undefined && kb * KIB + KIB > RECORD_DEFAULT_MAX_BYTES) {
          // Checked before the stream is created: a new stream has the default 1 MiB record limit.
          throw new UsageError(`--kb: ${kb} KiB records do not fit the ${RECORD_DEFAULT_MAX_BYTES / KIB} KiB record limit of a stream created by --create-shards`, 'create the stream with a larger MaxRecordSizeInKiB first, or lower --kb');
        }
        const { prepareStream, produce } = await import('../aws/producer.js');
        const kinesis = await (await ctx.aws()).kinesisSdk();
        const target = await prepareStream(kinesis, stream!, { createShards });
        if (target.created) ctx.out.info(`created stream ${stream} with ${createShards} shard${createShards === 1 ? '' : 's'}`);
        if (kb * KIB + KIB > target.maxRecordBytes) {
          throw new UsageError(`--kb: ${kb} KiB records do not fit the stream's maximum record size of ${target.maxRecordBytes / KIB} KiB`, 'raise it with UpdateMaxRecordSize (up to 10240 KiB) or lower --kb');
        }

        const abort = new AbortController();
        const onSigint = (): void => abort.abort();
        process.once('SIGINT', onSigint);
        ctx.onClose(() => void process.off('SIGINT', onSigint));
        const { LiveLine, renderProduceReport } = await import('../render/produce-report.js');
        const live = new LiveLine(ctx.out.stderr, ctx.out.interactive && !ctx.out.quiet);
        ctx.onClose(() => live.clear());
        const goal = count !== undefined ? `${formatNumber(count)} records` : formatDurationMs(durationMs!);
        let lastDraw = 0;
        const result = await produce(kinesis, {
          stream: stream!,
          rps,
          count,
          durationMs,
          source: new CdcGenerator(gen),
          aggregate: Boolean(flags.kplAggregate),
          maxInFlight,
          maxRecordBytes: target.maxRecordBytes,
          signal: abort.signal,
          onProgress: (p) => {
            if (p.elapsedMs - lastDraw < 200) return;
            lastDraw = p.elapsedMs;
            const s = Math.max(p.elapsedMs / 1000, 0.001);
            live.update(`${stream}: ${formatNumber(p.records)} records · ${Math.round(p.records / s)}/s · ${(p.bytes / MIB / s).toFixed(2)} MiB/s · throttled ${p.throttled} · ${formatDurationMs(p.elapsedMs)} of ${goal}`);
          },
        });
        live.clear();

        const recordsPerSecond = result.records / Math.max(result.seconds, 1e-9);
        const mibPerSecond = result.bytes / MIB / Math.max(result.seconds, 1e-9);
        const check = checkLoad(plan, { mode: target.mode, openShards: target.openShards });
        const notes: string[] = [];
        if (recordsPerSecond < rps * 0.9 && !result.stoppedEarly) notes.push(`achieved ${Math.round(recordsPerSecond)} records/s, below the ${rps} target: the client or the network is the bottleneck (try --max-in-flight)`);
        if (result.throttled > 0) notes.push(`${result.throttled} entries were throttled and retried: the stream is at its write limit`);
        if (ctx.global.json) {
          ctx.out.document({
            stream,
            records: result.records,
            bytes: result.bytes,
            seconds: round(result.seconds, 3),
            recordsPerSecond: round(recordsPerSecond, 1),
            mibPerSecond: round(mibPerSecond, 3),
            throttled: result.throttled,
            perShard: result.perShard,
            kinesisRecords: result.kinesisRecords,
            partitionKeyBytes: result.partitionKeyBytes,
            otherFailures: result.otherFailures,
            requests: result.requests,
            stoppedEarly: result.stoppedEarly,
            target: { rps, kb, count: count ?? null, durationMs: durationMs ?? null, format: gen.format, partitionKey: gen.partitionKey, tables: gen.tables, ops: gen.ops, kplAggregate: Boolean(flags.kplAggregate), seed },
            plan: check,
            notes,
          });
          return;
        }
        ctx.out.result(renderProduceReport({ stream: stream!, result, recordsPerSecond, mibPerSecond, rps, kb, check, notes, seed, color: ctx.out.color }));
      }),
    );
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
