/** `cdcpipe tail <stream>`: flags and their validation; the reading is src/services/tail.ts (loaded lazily). */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { streamFromVariadic } from './positional.js';
import { CONTROL_OPS, OPS } from '../core/record-filter.js';
import { normalizeShardId, parseFromFlag, parseUntilFlag, type FromSpec } from '../core/lineage.js';
import { parseEnumFlag, parseEnumListFlag, parseNumberFlag } from '../core/units.js';
import { UsageError } from '../errors.js';
import type { TailFormat, TailFormatOptions } from '../render/tail.js';
import type { TailOptions } from '../services/tail.js';

interface TailFlags extends Pick<TailFormatOptions, 'includeRaw'> {
  shard?: string[];
  from: string;
  untilEnd?: boolean;
  max?: string;
  until?: string;
  table?: string[];
  keyColumns?: string[];
  op?: string;
  grep?: string;
  format?: string;
  template?: string;
  redact?: string;
  checkpoint?: string;
  efo?: string;
  keepConsumer?: boolean;
  concurrency?: string;
}

const FORMATS = ['pretty', 'json', 'raw'] as const;
export function register(program: Command): void {
  program
    .command('tail')
    .description('print decoded CDC records from every shard, in order, following resharding')
    .argument('[stream]', 'Kinesis data stream name')
    .option('--shard <id...>', 'read only these shards (and their children); shardId-000000000003 or 3')
    .option('--from <position>', 'latest | trim-horizon | <ISO time> | -<duration> | seq:<sequenceNumber> (with --shard) | checkpoint:<file>', 'latest')
    .option('-e, --until-end', 'stop once every shard, children included, is read to its current end')
    .option('-c, --max <n>', 'stop after n records (after --table/--op/--grep)')
    .option('--until <time>', 'stop at records that arrived after this ISO time (or -<duration> ago)')
    .option('--table <schema.table>', 'only these tables (schema.table or table; * wildcards); repeatable', (v: string, all: string[]) => [...all, v], [])
    .option('--key-columns <schema.table=cols>', 'pretty lines: name the rows of schema.table by these key columns (DMS schema-table partitioning); repeatable', (v: string, all: string[]) => [...all, v], [])
    .option('--op <ops>', `only these operations: ${OPS.join(',')} or a DMS control operation (add-column …)`)
    .option('--grep <regex>', 'only records whose payload matches')
    .option('--format <format>', `${FORMATS.join(' | ')} (default pretty; --json = json)`)
    .option('-f, --template <template>', 'one line per record: %s shard %S sequence %k key %T arrival %o op %t schema.table %d data %p payload %% %')
    .option('--redact <columns>', 'mask these columns (comma-separated) in data and before-image')
    .option('--checkpoint <file>', 'write the last position per shard to this file (atomically, every second and at the end)')
    .option('--efo <consumer-name>', 'read with enhanced fan-out: register (or reuse) this consumer and SubscribeToShard')
    .option('--keep-consumer', 'with --efo: keep a consumer tail registered itself')
    .option('--concurrency <n>', 'shards polled at once (GetRecords in flight)', '16')
    .option('--include-raw', "with --json: add dataBase64, each record's bytes, so `cdcpipe put` writes them back exactly")
    .addHelpText(
      'after',
      examples(
        'cdcpipe tail orders-cdc',
        'cdcpipe tail orders-cdc --from trim-horizon -e --json | jq -c \'select(.cdc.operation == "update") | .cdc.changed\'',
        "cdcpipe tail orders-cdc --from -15m --table 'shop.*' --op update,delete",
        "cdcpipe tail orders-cdc -f '%T %s %o %t %d'",
        'cdcpipe tail orders-cdc --checkpoint tail.cp && cdcpipe tail orders-cdc --from checkpoint:tail.cp -e',
        'cdcpipe tail orders-cdc --efo cdcpipe-tail --redact email,phone',
      ),
    )
    .action(
      action<TailFlags>(async (ctx, args, flags, command) => {
        // `--shard 1 orders-cdc`: the variadic flag took the stream name; the word that is no shard id is it.
        const { stream, values: shard } = streamFromVariadic(args[0], flags.shard, (v) => normalizeShardId(v) !== null);
        const options = { ...(await validate(stream, { ...flags, ...(shard ? { shard } : {}) }, ctx.global.json, new Date(), ctx.env)), fromExplicit: command.getOptionValueSource('from') !== 'default' };
        const [{ tail }, { recordLines, renderTailSummary }] = await Promise.all([import('../services/tail.js'), import('../render/tail.js')]);
        // Ctrl-C stops reading (checkpoint and summary written, exit 0); the handler goes at once, so a second Ctrl-C ends the process.
        const ctrlC = new AbortController();
        const onSigint = (): void => {
          process.off('SIGINT', onSigint);
          ctrlC.abort();
        };
        try {
          const result = await tail(options, await ctx.aws(), ctx.host, {
            write: recordLines(ctx.out, options),
            // The entry point closes the context when stdout's pipe is closed (EPIPE): `| head` ends quietly.
            onClose: (fn) => ctx.onClose(fn),
            interrupt: () => {
              process.on('SIGINT', onSigint);
              return ctrlC.signal;
            },
          });
          if (result.reason !== 'pipe-closed') ctx.out.info(renderTailSummary(result));
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      }),
    );
}

async function validate(stream: string, flags: TailFlags, json: boolean, now: Date, env: NodeJS.ProcessEnv): Promise<TailOptions & TailFormatOptions> {
  const from: FromSpec = parseFromFlag(flags.from, now);
  const shards = (flags.shard ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  // The form is checked here, before any AWS call; whether the stream has the shard is checked after ListShards.
  for (const s of shards) if (normalizeShardId(s) === null) throw new UsageError(`--shard: expected a shard id such as shardId-000000000003 or 3, got '${s}'`);
  if (from.kind === 'sequence' && shards.length !== 1) {
    throw new UsageError('--from seq:<n> needs exactly one --shard: a sequence number does not say which shard holds it', 'copy the shardId printed beside the sequence number');
  }
  if (flags.template !== undefined && (flags.format !== undefined || json)) throw new UsageError('-f/--template: pass either a template or --format/--json, not both');
  let format: TailFormat = flags.template !== undefined ? 'template' : 'pretty';
  if (flags.format !== undefined) {
    format = parseEnumFlag('--format', flags.format, FORMATS);
    if (json && format !== 'json') throw new UsageError(`--format ${format} and --json: --json means --format json; pass one of them`);
  } else if (json) format = 'json';
  if (flags.template !== undefined) (await import('../render/tail.js')).checkTemplate(flags.template);
  for (const t of flags.table ?? []) if (!/^[^\s]+$/.test(t)) throw new UsageError(`--table: expected schema.table or table (with * wildcards, e.g. shop.* or *.orders), got '${t}'`);
  let grep: RegExp | undefined;
  try {
    if (flags.grep !== undefined) grep = new RegExp(flags.grep);
  } catch (err) {
    throw new UsageError(`--grep: expected a JavaScript regular expression (${(err as Error).message})`);
  }
  const redact = flags.redact !== undefined ? flags.redact.split(',').map((c) => c.trim()).filter(Boolean) : undefined;
  if (redact && redact.length === 0) throw new UsageError('--redact: expected a comma-separated list of column names');
  const efo = flags.efo;
  // Kinesis API Reference, RegisterStreamConsumer: ConsumerName is 1..128 of [a-zA-Z0-9_.-].
  if (efo !== undefined && !/^[a-zA-Z0-9_.-]{1,128}$/.test(efo)) throw new UsageError(`--efo: expected a consumer name of 1..128 letters, digits, _ . -, got '${efo}'`);
  if (flags.keepConsumer && efo === undefined) throw new UsageError('--keep-consumer: only with --efo <consumer-name>');
  if (flags.checkpoint !== undefined && !(await (await import('../io/checkpoint-file.js')).canWriteBeside(flags.checkpoint))) {
    throw new UsageError(`--checkpoint: cannot write in the directory of ${flags.checkpoint}`);
  }
  return {
    stream,
    from,
    shards,
    untilEnd: Boolean(flags.untilEnd),
    ...(flags.max !== undefined ? { max: parseNumberFlag('--max', flags.max, { min: 1, integer: true }) } : {}),
    ...(flags.until !== undefined ? { until: parseUntilFlag(flags.until, now) } : {}),
    filter: {
      ...(flags.table?.length ? { tables: flags.table } : {}),
      ...(flags.op !== undefined ? { ops: parseEnumListFlag('--op', flags.op, [...OPS, ...CONTROL_OPS]) } : {}),
      ...(grep ? { grep } : {}),
    },
    format,
    ...(flags.keyColumns?.length ? { keyColumns: (await import('../core/key-columns.js')).parseKeyColumnsFlag(flags.keyColumns) } : {}),
    ...(flags.includeRaw ? (await import('../render/tail.js')).includeRawOption(format, redact) : {}),
    ...(flags.template !== undefined ? { template: flags.template } : {}),
    ...(redact ? { redact } : {}),
    ...(flags.checkpoint !== undefined ? { checkpointPath: flags.checkpoint } : {}),
    ...(efo !== undefined ? { efo: { consumerName: efo, keepConsumer: Boolean(flags.keepConsumer) } } : {}),
    concurrency: parseNumberFlag('--concurrency', flags.concurrency ?? '16', { min: 1, max: 1000, integer: true }),
    // Tests only: small GetRecords pages make more calls, so injected faults hit more of them.
    ...(env.CDCPIPE_TEST_GETRECORDS_LIMIT ? { recordsPerCall: Number(env.CDCPIPE_TEST_GETRECORDS_LIMIT) } : {}),
  };
}
