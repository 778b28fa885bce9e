/** `lag`'s flags, validated into the options of its services (each error names the flag and what it accepts). */
import { CONSUMER_FLAGS, consumerNameProblem, type ConsumerRef, type MetricConsumerKind } from '../core/consumer-metrics.js';
import { alarmPrefix } from '../core/lag-alarms.js';
import type { LagSource } from '../core/lag-model.js';
import type { FailOn } from '../core/lag-status.js';
import { parseListenFlag, type ListenAddress } from '../core/listen-address.js';
import { parseDurationFlag, parseEnumFlag, parseNumberFlag } from '../core/units.js';
import { UsageError } from '../errors.js';
import type { LagOptions } from '../services/lag.js';
import type { LagAlarmOptions } from '../services/lag-alarms.js';

export interface LagFlags {
  app?: string;
  leaseTable?: string;
  checkpoint?: string;
  efoConsumer?: string;
  lambda?: string;
  flink?: string;
  firehoseSource?: string;
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
  serve?: string;
  interval?: string;
}

export interface LagRun {
  lag: LagOptions;
  alarm?: LagAlarmOptions;
  failOn: FailOn;
  watch?: { intervalMs: number; text: string };
  serve?: { listen: ListenAddress; intervalMs: number };
}

/** CloudWatch alarm names are at most 255 characters (API PutMetricAlarm). */
const ALARM_NAME_MAX = 255;
const LONGEST_ALARM_SUFFIX = 'idle-consumer';

/** The consumer a flag names, metric-read kinds first; the lease-table app is handled with --lease-table. */
const METRIC_FLAGS: [MetricConsumerKind, keyof LagSourceFlags][] = [
  ['efo', 'efoConsumer'],
  ['lambda', 'lambda'],
  ['flink', 'flink'],
  ['firehose', 'firehoseSource'],
];

/** The flags that name a lag source; `top` takes the same ones. */
export type LagSourceFlags = Pick<LagFlags, 'app' | 'leaseTable' | 'checkpoint' | 'efoConsumer' | 'lambda' | 'flink' | 'firehoseSource'>;

/**
 * The one lag source the flags name (stream-wide metrics when none): a KCL app's lease table, a tail
 * checkpoint, or one consumer's own metric, its name checked by the rule of its kind.
 */
export function lagSourceOf(flags: LagSourceFlags): { source: LagSource; consumer?: ConsumerRef } {
  const named = METRIC_FLAGS.filter(([, key]) => flags[key] !== undefined);
  const sources = [flags.app || flags.leaseTable ? '--app/--lease-table' : undefined, flags.checkpoint ? '--checkpoint' : undefined, ...named.map(([kind]) => CONSUMER_FLAGS[kind])].filter(Boolean);
  if (sources.length > 1) throw new UsageError(`${sources.join(' and ')}: name one lag source (a KCL app, a tail checkpoint, an EFO consumer, a Lambda, a Flink app or a Firehose source)`);
  if (flags.app || flags.leaseTable) {
    const app = flags.app ?? flags.leaseTable!;
    return { source: { kind: 'kcl', app, table: flags.leaseTable ?? app }, consumer: { kind: 'kcl', name: app } };
  }
  if (flags.checkpoint) return { source: { kind: 'checkpoint', path: flags.checkpoint } };
  if (!named[0]) return { source: { kind: 'stream-metrics' } };
  const [kind, key] = named[0];
  const consumer: ConsumerRef = { kind, name: String(flags[key]) };
  const problem = consumerNameProblem(consumer);
  if (problem) throw new UsageError(`${CONSUMER_FLAGS[kind]}: ${problem}`);
  return { source: { kind, consumer: consumer.name }, consumer };
}

/** Every flag checked (a UsageError names it) before any AWS call. */
export function lagOptionsOf(stream: string, flags: LagFlags): LagRun {
  const { source, consumer } = lagSourceOf(flags);
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
  const serve = serveOf(flags, watchMs !== undefined);

  if (flags.alarm) {
    if (flags.checkpoint) throw new UsageError('--checkpoint: a tail checkpoint publishes no metric to alarm on; with --alarm name a KCL app, an EFO consumer, a Lambda, a Flink app or a Firehose source, or none for the stream-wide alarms');
    if (consumer?.kind === 'kcl' && flags.app) {
      const problem = consumerNameProblem(consumer);
      if (problem) throw new UsageError(`--app: ${problem}`);
    }
    if (consumer && `${alarmPrefix(stream)}${consumer.kind}-${consumer.name}-${LONGEST_ALARM_SUFFIX}`.length > ALARM_NAME_MAX) {
      throw new UsageError(`${CONSUMER_FLAGS[consumer.kind]}: the alarm names cdcpipe-<stream>-lag-${consumer.kind}-<name>-… would be longer than the ${ALARM_NAME_MAX} characters CloudWatch accepts; use a shorter name`);
    }
    if (serve || watchMs !== undefined) throw new UsageError(`${serve ? '--serve' : '--watch'}: not with --alarm`);
  }
  return {
    lag: { stream, source, dmsTask: flags.dmsTask, firehose: flags.firehose, windowMs, thresholdMs, observeMs, countLimit },
    ...(flags.alarm ? { alarm: { stream, thresholdMs, consumer, snsTopicArn: flags.snsTopic, dryRun: Boolean(flags.dryRun) } } : {}),
    failOn,
    ...(watchMs !== undefined ? { watch: { intervalMs: watchMs, text: flags.watch === true ? '30s' : String(flags.watch) } } : {}),
    ...(serve ? { serve } : {}),
  };
}

function serveOf(flags: LagFlags, watching: boolean): LagRun['serve'] {
  if (flags.serve === undefined) {
    if (flags.interval !== undefined) throw new UsageError('--interval: only with --serve (--watch takes its interval itself)');
    return undefined;
  }
  if (watching) throw new UsageError('--serve: not with --watch (the server refreshes at --interval)');
  const listen = parseListenFlag('--serve', flags.serve);
  const intervalMs = parseDurationFlag('--interval', flags.interval ?? '30s', { minMs: 1000 });
  return { listen, intervalMs };
}
