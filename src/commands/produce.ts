/** `cdcpipe produce <stream>`: flags and their validation; the writing is src/services/produce.ts (loaded lazily). */
import type { Command } from 'commander';
import { action, examples, sigintSignal } from './action.js';
import { UsageError } from '../errors.js';
import { CDC_FORMATS, MAX_TABLES, PARTITION_KEY_MODES, parseOpMix, type GeneratorOptions } from '../core/cdc-generator.js';
import { RECORD_ABSOLUTE_MAX_BYTES, RECORD_DEFAULT_MAX_BYTES } from '../core/limits.js';
import { KIB, parseDurationFlag, parseEnumFlag, parseNumberFlag } from '../core/units.js';
import type { ProduceOptions } from '../services/produce.js';

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
        const options = validate(stream!, flags);
        const [{ produce }, { produceDocument, produceProgress, renderProduceReport }] = await Promise.all([import('../services/produce.js'), import('../render/produce-report.js')]);
        const progress = produceProgress(ctx.out, options);
        ctx.onClose(() => progress.clear());
        const report = await produce(options, await ctx.aws(), ctx.host, {
          onProgress: (p) => progress.update(p),
          interrupt: () => {
            // From here on, Ctrl-C stops generating; what was generated is still written and reported.
            return sigintSignal(ctx);
          },
        });
        progress.clear();
        if (ctx.global.json) ctx.out.document(produceDocument(report, options));
        else ctx.out.result(renderProduceReport(report, options, ctx.out.color));
      }),
    );
}

function validate(stream: string, flags: ProduceFlags): ProduceOptions {
  const rps = parseNumberFlag('--rps', flags.rps, { min: 0, minExclusive: true, max: 1_000_000 });
  const kb = parseNumberFlag('--kb', flags.kb, { min: 0, minExclusive: true, max: RECORD_ABSOLUTE_MAX_BYTES / KIB });
  if (flags.duration !== undefined && flags.count !== undefined) throw new UsageError('--duration and --count: pass one of them, not both');
  const count = flags.count !== undefined ? parseNumberFlag('--count', flags.count, { min: 1, integer: true }) : undefined;
  const durationMs = count === undefined ? parseDurationFlag('--duration', flags.duration ?? '30s', { minMs: 100 }) : undefined;
  const seed = flags.seed !== undefined ? parseNumberFlag('--seed', flags.seed, { min: 0, max: 2 ** 32 - 1, integer: true }) : Math.floor(Math.random() * 2 ** 32);
  const generator: GeneratorOptions = {
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
  if (createShards !== undefined && kb * KIB + KIB > RECORD_DEFAULT_MAX_BYTES) {
    // Checked before the stream is created: a new stream has the default 1 MiB record limit.
    throw new UsageError(`--kb: ${kb} KiB records do not fit the ${RECORD_DEFAULT_MAX_BYTES / KIB} KiB record limit of a stream created by --create-shards`, 'create the stream with a larger MaxRecordSizeInKiB first, or lower --kb');
  }
  return { stream, rps, kb, count, durationMs, generator, aggregate: Boolean(flags.kplAggregate), createShards, maxInFlight };
}
