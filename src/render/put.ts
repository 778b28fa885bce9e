/** What `cdcpipe put` shows: the live progress line, the human report and the --json document. */
import type { ChalkInstance } from 'chalk';
import { MIB, formatDurationMs, formatNumber } from '../core/units.js';
import type { PutProgress, PutResult } from '../services/put.js';
import type { Output } from './output.js';

const n = (v: number, digits = 0): string => formatNumber(v, digits, digits);
const mib = (bytes: number): string => `${n(bytes / MIB, 2)} MiB`;
const BAD_SHOWN = 10;

export function renderPutReport(r: PutResult, color: ChalkInstance): string {
  const lines: string[] = [];
  const formats = [...new Set(r.sources.map((s) => s.format))].join(', ') || 'none';
  const inputs = `${n(r.sources.length)} input${r.sources.length === 1 ? '' : 's'} (${formats})`;
  lines.push(`${color.bold(r.dryRun ? `dry run: would write ${n(r.selected)} records` : `wrote ${n(r.written.records)} of ${n(r.selected)} records`)} (${mib(r.dryRun ? r.selectedBytes : r.written.bytes)}) to ${r.stream} from ${inputs}`);
  const read = [`${n(r.parsed)} good`, `${n(r.bad.length)} bad`];
  if (r.filtered) read.push(`${n(r.filtered)} left out by --error-code`);
  if (r.selected < r.parsed) read.push(`${n(r.parsed - r.selected)} past --max`);
  if (r.objectsOutsideWindow) read.push(`${n(r.objectsOutsideWindow)} objects outside --since/--until`);
  lines.push(`  input      ${read.join(' · ')}`);
  const codes = Object.entries(r.byErrorCode).sort(([, a], [, b]) => b - a);
  if (codes.length) lines.push(`  errorCode  ${codes.map(([c, k]) => `${c} ${n(k)}`).join(' · ')}`);
  if (!r.dryRun) {
    const w = r.written;
    const aggregated = w.kinesisRecords !== w.records ? ` in ${n(w.kinesisRecords)} aggregated Kinesis records` : '';
    lines.push(`  write      ${n(w.batches)} PutRecords batches${aggregated} · ${n(w.retries)} entries retried (${n(w.throttles)} throttled) · ${failedText(r, color)}`);
    const s = Math.max(r.phasesMs.write / 1000, 1e-9);
    lines.push(`  rate       ${n(w.records / s, 1)} records/s · ${n(w.bytes / MIB / s, 3)} MiB/s (limit ${rateText(r)})`);
  } else {
    lines.push(`  rate       would write at most ${rateText(r)}`);
  }
  const p = r.phasesMs;
  lines.push(`  time       describe ${formatDurationMs(p.describe)} · read ${formatDurationMs(p.read)} · parse ${formatDurationMs(p.parse)} · write ${formatDurationMs(p.write)}`);
  if (r.failedFile) lines.push(`  failed     ${r.failedFile}${r.failed ? ` (retry: cdcpipe put ${r.stream} ${r.failedFile})` : ''}`);
  for (const b of r.bad.slice(0, BAD_SHOWN)) lines.push(`  ${color.red('bad')}        ${b.where}: ${b.reason}`);
  if (r.bad.length > BAD_SHOWN) lines.push(`             … and ${n(r.bad.length - BAD_SHOWN)} more`);
  return lines.join('\n');
}

function failedText(r: PutResult, color: ChalkInstance): string {
  const text = `${n(r.failed)} failed${r.notSent ? ` (${n(r.notSent)} not sent)` : ''}`;
  return r.failed ? color.red(text) : text;
}

function rateText(r: PutResult): string {
  const why = (s: 'flag' | 'capacity') => (s === 'capacity' ? '80 % of capacity' : 'flag');
  return `${n(r.rate.recordsPerSecond)} records/s (${why(r.rate.source.records)}), ${n(r.rate.bytesPerSecond / MIB, 2)} MiB/s (${why(r.rate.source.bytes)})`;
}

/** The --json document (docs/put.md). */
export function putDocument(r: PutResult): object {
  return {
    stream: r.stream,
    dryRun: r.dryRun,
    records: r.dryRun ? 0 : r.written.records,
    bytes: r.dryRun ? 0 : r.written.bytes,
    selected: r.selected,
    selectedBytes: r.selectedBytes,
    batches: r.written.batches,
    kinesisRecords: r.written.kinesisRecords,
    retries: r.written.retries,
    throttles: r.written.throttles,
    otherFailures: r.written.otherFailures,
    failed: r.failed,
    notSent: r.notSent,
    bad: r.bad.length,
    badRecords: r.bad.slice(0, 100).map((b) => ({ where: b.where, reason: b.reason })),
    filtered: r.filtered,
    byErrorCode: r.byErrorCode,
    reserialized: r.reserialized,
    objectsOutsideWindow: r.objectsOutsideWindow,
    sources: r.sources,
    rate: { recordsPerSecond: r.rate.recordsPerSecond, bytesPerSecond: r.rate.bytesPerSecond, source: r.rate.source },
    failedFile: r.failedFile ?? null,
    phasesMs: Object.fromEntries(Object.entries(r.phasesMs).map(([k, v]) => [k, Math.round(v)])),
  };
}

/** The live line on a terminal (not with -q): objects read, then records, MiB, rate and ETA. At most every 200 ms. */
export function putProgress(out: Output): { update(p: PutProgress): void; clear(): void } {
  const enabled = out.interactive && !out.quiet;
  const stream = out.stderr as NodeJS.WritableStream & { columns?: number };
  let shown = false;
  let lastDraw = -Infinity;
  let writeStart: number | undefined;
  let phase: PutProgress['phase'] = 'read';
  return {
    update: (p) => {
      if (p.phase !== phase) {
        phase = p.phase;
        lastDraw = -Infinity;
      }
      if (!enabled || p.elapsedMs - lastDraw < 200) return;
      lastDraw = p.elapsedMs;
      let text: string;
      if (p.phase === 'read') {
        text = `reading ${n(p.read!.objectsRead)} of ${n(p.read!.objects)} objects · ${mib(p.read!.bytesRead)}`;
      } else {
        writeStart ??= p.elapsedMs;
        const s = Math.max((p.elapsedMs - writeStart) / 1000, 0.001);
        const perS = p.records / s;
        const eta = perS > 0 ? formatDurationMs(((p.totalRecords - p.records) / perS) * 1000) : '?';
        text = `${n(p.records)} of ${n(p.totalRecords)} records · ${mib(p.bytes)} of ${mib(p.totalBytes)} · ${n(perS)}/s · throttled ${n(p.throttled)} · ETA ${eta}`;
      }
      const width = stream.columns && stream.columns > 10 ? stream.columns - 1 : 79;
      stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      shown = true;
    },
    clear: () => {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
