/** How `tail` writes: one line per record on stdout (pretty / json / raw / template), and the end-of-run summary. */
import type { ChalkInstance } from 'chalk';
import type { RecordView } from '../core/decode.js';
import type { KeyColumns } from '../core/key-columns.js';
import { formatNumber } from '../core/units.js';
import { LineWriter } from '../io/line-writer.js';
import type { TailResult } from '../services/tail.js';
import type { Output } from './output.js';
import { UsageError } from '../errors.js';
import { formatJsonLine, formatPretty, formatRaw, formatTemplate, prettyLayout, rawDataBase64, TEMPLATE_CODES, unknownTemplateCode } from './record.js';

export type TailFormat = 'pretty' | 'json' | 'raw' | 'template';

export interface TailFormatOptions {
  format: TailFormat;
  /** With format 'template'. */
  template?: string;
  /** --key-columns: the columns that name a row in the pretty line of a table DMS partitions by schema and table. */
  keyColumns?: KeyColumns;
  /** With format 'json': each line also carries `dataBase64`, the record's bytes (`tail --include-raw`). */
  includeRaw?: boolean;
}

/** Writes each batch of records as lines on stdout; resolves when stdout can take more. */
export function recordLines(out: Output, opts: TailFormatOptions): (views: RecordView[]) => Promise<void> {
  const format = formatter(opts, out.color);
  const stdout = out.stdout;
  // Lines leave in pieces of 256 KiB, not a write per record. process.stdout copies what it writes, so its
  // buffer may be reused (src/io/line-writer.ts); any other stream gets a fresh buffer per piece.
  const lines = new LineWriter(stdout, stdout === process.stdout);
  return (views) => {
    for (let i = 0; i < views.length; i++) lines.line(format(views[i]!));
    // One place per batch to wait for a slow reader.
    return lines.flush();
  };
}

function formatter(opts: TailFormatOptions, color: ChalkInstance): (view: RecordView) => string {
  switch (opts.format) {
    case 'json':
      return opts.includeRaw ? withRawData : formatJsonLine;
    case 'raw':
      return formatRaw;
    case 'template': {
      const template = opts.template!;
      return (view) => formatTemplate(view, template);
    }
    default: {
      const layout = prettyLayout(new Date(), opts.keyColumns);
      return (view) => formatPretty(view, color, layout);
    }
  }
}

/** `{"…"}` + `,"dataBase64":"…"` before the closing brace, when the record's bytes are known. */
function withRawData(view: RecordView): string {
  const line = formatJsonLine(view);
  const raw = rawDataBase64(view);
  return raw === undefined ? line : `${line.slice(0, -1)},"dataBase64":"${raw}"}`;
}

/** --include-raw: only as JSON, and never beside --redact (the bytes would carry what it masks). */
export function includeRawOption(format: TailFormat, redact: string[] | undefined): { includeRaw: true } {
  if (format !== 'json') throw new UsageError(`--include-raw: only with --json or --format json, not --format ${format}`);
  if (redact) throw new UsageError('--include-raw and --redact: the raw bytes would carry the columns --redact masks; pass one of them');
  return { includeRaw: true };
}

/** A -f/--template the renderer can fill: not empty, no unknown code (`%x`). Exit 2 otherwise, before any AWS call. */
export function checkTemplate(template: string): void {
  const unknown = template === '' ? '' : unknownTemplateCode(template);
  if (unknown === undefined) return;
  throw new UsageError(`-f/--template: ${unknown ? `unknown code ${unknown}; ` : ''}expected a template such as "%T %o %t %d" (codes %${[...TEMPLATE_CODES].join(' %')})`);
}

/** One stderr line: records per shard, undecodable records, throttles retried. */
export function renderTailSummary({ stats, reason, elapsedMs }: TailResult): string {
  // formatNumber and a plain sort, not toLocaleString/localeCompare: they load ICU (docs/performance.md).
  const n = formatNumber;
  const perShard = [...stats.recordsPerShard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, count]) => `${id} ${n(count)}`);
  const parts = [
    `${n(stats.records)} record${stats.records === 1 ? '' : 's'}${perShard.length ? ` (${perShard.join(', ')})` : ''}`,
    `${n(stats.undecodable)} undecodable`,
    // The counters keep one form: scripts and the fault tests read them by name.
    `${n(stats.throttlesRetried)} throttles retried`,
  ];
  if (stats.errorsRetried) parts.push(`${n(stats.errorsRetried)} server/network errors retried`);
  if (stats.iteratorsRenewed) parts.push(`${n(stats.iteratorsRenewed)} expired iterators renewed`);
  const why = reason === 'max' ? 'max reached' : reason === 'until' ? 'until reached' : reason === 'aborted' ? 'stopped' : 'end';
  parts.push(`${why} after ${(elapsedMs / 1000).toFixed(1)}s`);
  return `tail: ${parts.join(' · ')}`;
}
