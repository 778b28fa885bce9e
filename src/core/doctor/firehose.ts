/**
 * doctor's Firehose and S3 stages, pure: the delivery stream's status, DeliveryToS3.Success and
 * DataFreshness against the buffer interval, the objects Firehose wrote under its error prefix in the
 * window (by error-output type), and whether the newest object under the data prefix is older than
 * twice the buffer interval while the stream has traffic.
 */
import type { MetricSeries, MetricSpec } from '../metric-spec.js';
import type { ObservedFirehose } from '../provision/firehose.js';
import { formatDurationMs, formatNumber } from '../units.js';
import { finding, type Finding } from './finding.js';
import { LINKS } from './links.js';
import { maxOf, minOf } from './series.js';

const nameOf = (arn: string) => arn.split('/').pop() ?? arn;

/** Status (the `check` of the delivery stream's ResourceModel). */
export function checkFirehose(o: ObservedFirehose): Finding[] {
  const ok = o.status === 'ACTIVE';
  const failed = /FAILED/.test(o.status);
  return [
    finding({
      stage: 'firehose',
      id: 'firehose.status',
      resource: nameOf(o.arn),
      severity: ok ? 'ok' : failed ? 'error' : 'warn',
      evidence: `DeliveryStreamStatus = ${o.status}${o.failure ? `: ${o.failure}` : ''}`,
      ...(ok ? {} : { fix: failed ? 'fix the FailureDescription above (role trust, KMS key), then recreate it: cdcpipe provision' : 'wait for ACTIVE' }),
      link: LINKS.firehoseKinesisSource,
    }),
  ];
}

export function firehoseDoctorSpecs(name: string): MetricSpec[] {
  const dimensions = { DeliveryStreamName: name };
  return [
    { id: 'fhSuccess', namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.Success', dimensions, stat: 'Average' },
    { id: 'fhFresh', namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.DataFreshness', dimensions, stat: 'Maximum' },
  ];
}

export function firehoseMetricFindings(name: string, bufferIntervalS: number, series: ReadonlyMap<string, MetricSeries>, windowMs: number): Finding[] {
  const base = { stage: 'firehose' as const, resource: name, link: LINKS.firehoseMonitoring };
  const win = formatDurationMs(windowMs);
  const success = minOf(series.get('fhSuccess'));
  const out: Finding[] = [];
  out.push(
    success === undefined
      ? finding({ ...base, id: 'firehose.delivery-success', severity: 'skipped', evidence: `no DeliveryToS3.Success datapoints in ${win} (nothing delivered yet)` })
      : success < 1
        ? finding({ ...base, id: 'firehose.delivery-success', severity: 'error', evidence: `DeliveryToS3.Success fell to ${formatNumber(success, 2)} in ${win}: deliveries to S3 failed`, fix: "check the delivery role's s3:PutObject on the bucket and the bucket's KMS key policy; the errors are in the log group /aws/kinesisfirehose/" + name, link: LINKS.firehoseErrors })
        : finding({ ...base, id: 'firehose.delivery-success', severity: 'ok', evidence: `DeliveryToS3.Success = 1 over ${win}` }),
  );
  const fresh = series.get('fhFresh');
  if (!fresh?.values.length) {
    out.push(finding({ ...base, id: 'firehose.data-freshness', severity: 'skipped', evidence: `no DeliveryToS3.DataFreshness datapoints in ${win}` }));
  } else {
    const worst = maxOf(fresh);
    const limit = 2 * Math.max(bufferIntervalS, 60);
    out.push(
      finding({
        ...base,
        id: 'firehose.data-freshness',
        severity: worst > limit ? 'warn' : 'ok',
        evidence: `DeliveryToS3.DataFreshness max ${formatDurationMs(worst * 1000)} against a ${bufferIntervalS} s buffer interval`,
        ...(worst > limit ? { fix: 'Firehose falls behind the stream: check firehose.delivery-success and the consumers stage (KinesisMillisBehindLatest); a Lambda processor slows it (ProcessingConfiguration)' } : {}),
      }),
    );
  }
  return out;
}

/** The part of a prefix before its first `!{…}` expression. */
export function staticHead(prefix: string): string {
  const i = prefix.indexOf('!{');
  return i < 0 ? prefix : prefix.slice(0, i);
}

/** Firehose's prefix when none is set: `YYYY/MM/dd/HH/` in UTC (Firehose developer guide, "Custom prefixes"). */
export const DEFAULT_DATA_PREFIX = '!{timestamp:yyyy/MM/dd/HH}/';

/**
 * The prefixes under which Firehose wrote objects between `fromMs` and `toMs`: each `!{timestamp:…}`
 * (yyyy, MM, dd, HH only) resolved for every hour, cut at the first expression that cannot be, deduplicated.
 * Listing these instead of the whole bucket keeps the S3 checks to a few ListObjectsV2 pages.
 */
export function timestampPrefixes(prefix: string, fromMs: number, toMs: number, maxPrefixes = 72): string[] {
  const p = prefix === '' ? DEFAULT_DATA_PREFIX : prefix;
  const out = new Set<string>();
  const start = Math.floor(fromMs / 3_600_000) * 3_600_000;
  for (let t = start; t <= toMs; t += 3_600_000) {
    out.add(resolveTimestamps(p, t));
    if (out.size > maxPrefixes) return [staticHead(p)];
  }
  // Most recent first: the newest object is looked for there.
  return [...out].reverse();
}

function resolveTimestamps(prefix: string, ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const parts: Record<string, string> = { yyyy: String(d.getUTCFullYear()), MM: pad(d.getUTCMonth() + 1), dd: pad(d.getUTCDate()), HH: pad(d.getUTCHours()) };
  let out = '';
  let rest = prefix;
  for (;;) {
    const i = rest.indexOf('!{');
    if (i < 0) return out + rest;
    out += rest.slice(0, i);
    const end = rest.indexOf('}', i);
    const m = /^!\{timestamp:([^}]*)\}$/.exec(rest.slice(i, end + 1));
    if (!m || !/^(yyyy|MM|dd|HH|[/_=-]|[^a-zA-Z])+$/.test(m[1]!)) return out;
    out += m[1]!.replace(/yyyy|MM|dd|HH/g, (k) => parts[k]!);
    rest = rest.slice(end + 1);
  }
}

/** The error-output type of an object Firehose wrote under its error prefix (`processing-failed`, …). */
export function errorOutputType(key: string, errorPrefix: string): string {
  const i = errorPrefix.indexOf('!{firehose:error-output-type}');
  if (i >= 0 && key.startsWith(errorPrefix.slice(0, i))) {
    const rest = key.slice(i);
    const seg = /^[^/]+/.exec(rest)?.[0];
    if (seg) return seg;
  }
  return /([a-zA-Z]+(?:-[a-zA-Z]+)*-failed)/.exec(key)?.[1] ?? 'unknown';
}

export interface S3ObjectSeen {
  key: string;
  lastModifiedMs?: number;
}

export function errorObjectsFinding(bucket: string, errorPrefix: string, objects: readonly S3ObjectSeen[], fromMs: number, windowMs: number): Finding {
  const recent = objects.filter((o) => (o.lastModifiedMs ?? 0) >= fromMs);
  const base = { stage: 's3' as const, id: 's3.error-objects', resource: `s3://${bucket}/${staticHead(errorPrefix)}`, link: LINKS.firehoseErrors };
  if (!recent.length) return finding({ ...base, severity: 'ok', evidence: `no objects under the error prefix in ${formatDurationMs(windowMs)}` });
  const byType = new Map<string, number>();
  for (const o of recent) byType.set(errorOutputType(o.key, errorPrefix), (byType.get(errorOutputType(o.key, errorPrefix)) ?? 0) + 1);
  const counts = [...byType].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ');
  const newest = recent.reduce((a, b) => ((b.lastModifiedMs ?? 0) > (a.lastModifiedMs ?? 0) ? b : a));
  return finding({
    ...base,
    severity: 'error',
    evidence: `${recent.length} objects written under the error prefix in ${formatDurationMs(windowMs)}: ${counts}`,
    fix: `read one: aws s3 cp s3://${bucket}/${newest.key} - ; each line has errorCode and errorMessage (processing-failed: the Lambda processor; format-conversion-failed: the Glue schema)`,
  });
}

/** The newest data object against twice the buffer interval, when the stream had traffic in the window. */
export function dataFreshnessFinding(bucket: string, prefix: string, newest: S3ObjectSeen | undefined, bufferIntervalS: number, streamRecords: number | undefined, nowMs: number, lookedBackMs: number): Finding {
  const base = { stage: 's3' as const, id: 's3.newest-object', resource: `s3://${bucket}/${staticHead(prefix)}`, link: LINKS.firehosePrefixes };
  const limitMs = 2 * Math.max(bufferIntervalS, 60) * 1000;
  const ageMs = newest?.lastModifiedMs !== undefined ? nowMs - newest.lastModifiedMs : undefined;
  const seen = newest ? `newest object ${newest.key} is ${formatDurationMs(Math.max(0, ageMs ?? 0))} old` : `no object under the data prefix in the last ${formatDurationMs(lookedBackMs)}`;
  if (streamRecords === undefined) return finding({ ...base, severity: 'skipped', evidence: `${seen}; the stream's traffic is unknown (stream metrics not read)` });
  const stale = ageMs === undefined || ageMs > limitMs;
  if (!stale) return finding({ ...base, severity: 'ok', evidence: `${seen}, within twice the ${bufferIntervalS} s buffer interval` });
  if (streamRecords === 0) return finding({ ...base, severity: 'ok', evidence: `${seen}; the stream had no traffic in the window` });
  return finding({
    ...base,
    severity: 'error',
    evidence: `${seen}, older than twice the ${bufferIntervalS} s buffer interval, while the stream took ${formatNumber(streamRecords)} records`,
    fix: 'Firehose is not delivering: see firehose.status, firehose.delivery-success and the Firehose consumer\'s lag; check the source role\'s kinesis:GetRecords and the delivery role\'s s3:PutObject',
  });
}
