/**
 * `put`'s pure decisions: which S3 objects a --since/--until window takes, and how fast to write.
 */
import { SHARD_WRITE_BYTES_PER_S, SHARD_WRITE_RECORDS_PER_S } from './limits.js';
import { UsageError } from '../errors.js';

export interface S3Location {
  bucket: string;
  prefix: string;
}

/** `s3://bucket/prefix` (the prefix may be empty). */
export function parseS3Url(raw: string, flag = '--from'): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(raw);
  // S3 bucket names: 3..63 lowercase letters, digits, dots and hyphens (Amazon S3 User Guide, Bucket naming rules).
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1]!)) throw new UsageError(`${flag}: expected s3://bucket/prefix, got '${raw}'`);
  return { bucket: m[1]!, prefix: m[2] ?? '' };
}

/**
 * When an archive object's records were written. Firehose names objects
 * `<prefix>YYYY/MM/DD/HH/<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>` by default (UTC; Amazon Data Firehose
 * Developer Guide, Amazon S3 object name format): the time in the file name, else the hour of the date path,
 * else the object's LastModified.
 */
export function objectTime(key: string, lastModified: Date | undefined): Date | undefined {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const named = /(?:^|-)(\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)(?:-|\.|$)/.exec(base);
  if (named) return utc(named.slice(1, 7));
  const path = /(?:^|\/)(\d{4})\/(\d\d)\/(\d\d)\/(\d\d)\//.exec(key);
  if (path) return utc([...path.slice(1, 5), '00', '00']);
  return lastModified;
}

function utc(parts: string[]): Date | undefined {
  const [y, mo, d, h, mi, s] = parts.map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) || date.getUTCMonth() !== mo - 1 ? undefined : date;
}

/** since ≤ time < until; an object whose time is unknown is kept only without a window. */
export function inWindow(time: Date | undefined, since: Date | undefined, until: Date | undefined): boolean {
  if (since === undefined && until === undefined) return true;
  if (time === undefined) return false;
  return (since === undefined || time >= since) && (until === undefined || time < until);
}

/** Share of the stream's write capacity `put` takes by default, leaving the rest to the live producers. */
export const DEFAULT_CAPACITY_SHARE = 0.8;

export interface WriteRate {
  recordsPerSecond: number;
  bytesPerSecond: number;
  /** Where each limit came from. */
  source: { records: 'flag' | 'capacity'; bytes: 'flag' | 'capacity' };
}

/**
 * --rps and --mibps as given; a limit not given is 80 % of the stream's write capacity, open shards ×
 * 1 MiB/s and 1,000 records/s (Kinesis API Reference, PutRecords). On-demand streams are sized by their
 * current shard count too: it is what they take now without throttling.
 */
export function writeRate(openShards: number, flags: { rps?: number; mibps?: number }): WriteRate {
  const shards = Math.max(1, openShards);
  return {
    recordsPerSecond: flags.rps ?? DEFAULT_CAPACITY_SHARE * shards * SHARD_WRITE_RECORDS_PER_S,
    bytesPerSecond: flags.mibps !== undefined ? flags.mibps * 1024 * 1024 : DEFAULT_CAPACITY_SHARE * shards * SHARD_WRITE_BYTES_PER_S,
    source: { records: flags.rps !== undefined ? 'flag' : 'capacity', bytes: flags.mibps !== undefined ? 'flag' : 'capacity' },
  };
}
