/** Unit constants and parsers shared by every command. Pure. */
import { UsageError } from '../errors.js';

export const KIB = 1024;
export const MIB = 1024 * 1024;
export const HOURS_PER_MONTH = 730;

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses `500ms`, `30s`, `15m`, `2h`, `7d` (the durations every flag accepts) into milliseconds; `null` when it is not a duration. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * DURATION_UNITS[match[2]!]!;
}

/**
 * `412ms`, `3.8s`, `42s`, `2m5s`, `1h31m`, `3d5h`. The value is rounded to the smallest unit shown
 * before it is split, so a part never reads 60 (359.6 s is `6m`, not `5m60s`).
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return twoUnits(Math.floor(s / 60), 'm', s % 60, 's');
  const m = Math.round(ms / 60_000);
  if (m < 48 * 60) return twoUnits(Math.floor(m / 60), 'h', m % 60, 'm');
  const h = Math.round(ms / 3_600_000);
  return twoUnits(Math.floor(h / 24), 'd', h % 24, 'h');
}

/** `2m5s`, and `5m` when the second part is 0. */
function twoUnits(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return `${big}${bigUnit}${small ? `${small}${smallUnit}` : ''}`;
}

// ---- flag value parsers: each throws a UsageError that names the flag and what it accepts ----

export function parseNumberFlag(flag: string, raw: string, opts: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean } = {}): number {
  const value = Number(raw);
  const accepts = describeRange(opts);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag}: expected ${accepts}, got '${raw}'`);
  if (opts.integer && !Number.isInteger(value)) throw new UsageError(`${flag}: expected ${accepts}, got '${raw}'`);
  if (opts.min !== undefined && (opts.minExclusive ? value <= opts.min : value < opts.min)) {
    throw new UsageError(`${flag}: expected ${accepts}, got '${raw}'`);
  }
  if (opts.max !== undefined && value > opts.max) throw new UsageError(`${flag}: expected ${accepts}, got '${raw}'`);
  return value;
}

function describeRange(opts: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean }): string {
  const kind = opts.integer ? 'a whole number' : 'a number';
  const parts: string[] = [];
  if (opts.min !== undefined) parts.push(`${opts.minExclusive ? '>' : '≥'} ${opts.min}`);
  if (opts.max !== undefined) parts.push(`≤ ${opts.max}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

export function parseDurationFlag(flag: string, raw: string, opts: { minMs?: number } = {}): number {
  const ms = parseDurationMs(raw);
  if (ms === null) throw new UsageError(`${flag}: expected a duration such as 500ms, 30s, 15m, 2h or 7d, got '${raw}'`);
  if (opts.minMs !== undefined && ms < opts.minMs) throw new UsageError(`${flag}: expected a duration of at least ${formatDurationMs(opts.minMs)}, got '${raw}'`);
  return ms;
}

export function parseEnumFlag<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`${flag}: expected ${allowed.join(' | ')}, got '${raw}'`);
}

/** Comma-separated list whose every item must be one of `allowed`. */
export function parseEnumListFlag<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list of ${allowed.join(', ')}`);
  return items.map((item) => parseEnumFlag(flag, item, allowed));
}

export function parseIsoTimeFlag(flag: string, raw: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) throw new UsageError(`${flag}: expected an ISO-8601 time such as 2026-11-27T10:00:00Z, got '${raw}'`);
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${flag}: expected an ISO-8601 time such as 2026-11-27T10:00:00Z, got '${raw}'`);
  return date;
}

/** `1234567.891` → `1,234,567.89` (en-US grouping) without Intl: loading ICU would slow `plan` start-up (docs/performance.md). */
export function formatNumber(n: number, maxFractionDigits = 0, minFractionDigits = 0): string {
  if (!Number.isFinite(n)) return String(n);
  let text = n.toFixed(maxFractionDigits);
  if (maxFractionDigits > minFractionDigits && text.includes('.')) {
    const [whole, fraction = ''] = text.split('.');
    const kept = fraction.replace(/0+$/, '').padEnd(minFractionDigits, '0');
    text = kept ? `${whole}.${kept}` : whole!;
  }
  const [whole = '', fraction] = text.split('.');
  const negative = whole.startsWith('-') && /[1-9]/.test(text);
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}

/** An http(s) endpoint URL (--endpoint-url, AWS_ENDPOINT_URL…); `source` names where it came from. */
export function parseEndpointUrl(source: string, raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`${source}: expected an http:// or https:// URL such as http://127.0.0.1:4568, got '${raw}'`);
  }
  return raw;
}

/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5 … */
export function parseRegion(source: string, raw: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(raw)) throw new UsageError(`${source}: expected an AWS region such as us-east-1 or eu-west-1, got '${raw}'`);
  return raw;
}

const SIZE_UNITS_KIB: Record<string, number> = { b: 1 / 1024, k: 1, kb: 1, kib: 1, m: 1024, mb: 1024, mib: 1024, g: 1024 * 1024, gb: 1024 * 1024, gib: 1024 * 1024 };

/**
 * A --kb value: a plain number of KiB. A value with a unit (`4MB`, `512KiB`) is refused with the number
 * it stands for, so the user sees what to pass (`4MB = 4096`).
 */
export function parseKibFlag(flag: string, raw: string, range: Parameters<typeof parseNumberFlag>[2]): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(raw);
  const factor = m ? SIZE_UNITS_KIB[m[2]!.toLowerCase()] : undefined;
  if (m && factor !== undefined) {
    const kib = String(Math.round(Number(m[1]) * factor * 1000) / 1000);
    throw new UsageError(`${flag}: expected a number of KiB without a unit: ${raw.trim()} = ${kib}`, `pass ${flag} ${kib}`);
  }
  return parseNumberFlag(flag, raw, range);
}
