/**
 * `cdcpipe top` output. On a terminal (stdout a TTY, no --json): the alternate screen, cursor hidden,
 * stdin in raw mode so `q` or Ctrl-C ends it; each frame redraws in place (cursor home, each line
 * cleared to its end, the rest of the screen erased: ECMA-48 CUP, EL, ED), and the terminal is given back
 * as it was on every way out. Otherwise one NDJSON object per frame, with schemaVersion.
 */
import type { ChalkInstance } from 'chalk';
import { shareBar } from '../core/share-bar.js';
import type { TopFrame, TopShardRow } from '../core/top-frame.js';
import { formatDurationMs, formatNumber, KIB, MIB } from '../core/units.js';
import type { Output } from './output.js';
import { renderTable } from './table.js';
import { visibleWidth, wrapText } from './wrap.js';

const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';
const BAR = 10;

export interface TopScreen {
  onFrame(frame: TopFrame): void;
  /** Gives the terminal back (idempotent). */
  close(): void;
}

/** `quit` runs on `q` or Ctrl-C (raw mode turns Ctrl-C into a keypress, not SIGINT). */
export function openTopScreen(out: Output, hotAt: number, quit: () => void): TopScreen {
  if (!out.stdoutIsTTY || out.json) {
    const warned = new Set<string>();
    return {
      onFrame: (frame) => {
        for (const note of [...(frame.source.kind === 'sample' && frame.source.warning ? [frame.source.warning] : []), ...frame.notes]) {
          if (warned.has(note)) continue;
          warned.add(note);
          out.warn(note);
        }
        out.line({ schemaVersion: 1, ...frame });
      },
      close: () => undefined,
    };
  }
  const stdin = process.stdin;
  const raw = stdin.isTTY && typeof stdin.setRawMode === 'function';
  const onKey = (data: Buffer) => {
    const key = data.toString('utf8');
    if (key === 'q' || key === 'Q' || key === '\x03') quit();
  };
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (raw) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
    out.stdout.write(LEAVE);
    process.off('exit', close);
  };
  // A crash or an exit from elsewhere still restores the screen.
  process.once('exit', close);
  out.stdout.write(ENTER);
  if (raw) {
    stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
  }
  const stdout = out.stdout as NodeJS.WritableStream & { rows?: number };
  out.stdout.write(`\x1b[H${out.color.dim('cdcpipe top: waiting for the first interval… (q to quit)')}\x1b[K\x1b[J`);
  return {
    onFrame: (frame) => {
      if (closed) return;
      const lines = topScreenLines(frame, out.color, { width: out.width ?? 80, height: stdout.rows ?? 30, hotAt });
      out.stdout.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
    },
    close,
  };
}

/** The screen, line by line, each at most `width` columns; at most `height` lines (the quietest shards give way first). */
export function topScreenLines(frame: TopFrame, color: ChalkInstance, size: { width: number; height: number; hotAt: number }): string[] {
  const { width, height, hotAt } = size;
  const fit = (s: string) => cut(s, width);
  const t = frame.totals;
  const head: string[] = [];
  head.push(color.bold(fit(`cdcpipe top ${frame.stream} · ${frame.streamMode === 'ON_DEMAND' ? 'on-demand' : 'provisioned'} · ${frame.shardCount} open shard${frame.shardCount === 1 ? '' : 's'} · ${frame.at.slice(11, 19)} UTC · q to quit`)));
  head.push(
    fit(
      `in ${formatNumber(t.recordsPerSec, 0)} records/s of ${formatNumber(t.capacityRecordsPerSec)} (${pct(t.recordsUtilization)}) · ${kib(t.bytesPerSec)} KiB/s of ${mibCap(t.capacityBytesPerSec)} (${pct(t.bytesUtilization)}) · headroom ${pct(frame.headroom.stream)}${frame.headroom.hottestShard !== undefined ? ` (hottest shard ${pct(frame.headroom.hottestShard)})` : ''}`,
    ),
  );
  const hot = frame.hottest ? `hottest ${frame.hottest.shardId}: ${pct(frame.hottest.utilization)} of its write limit, ${pct(frame.hottest.trafficShare)} of the traffic` : 'hottest shard: unknown (no per-shard figures)';
  const throttled = frame.throttledWrites ? ` · throttled writes ${formatNumber(frame.throttledWrites.total)} in the last minute` : '';
  head.push(fit(`${hot}${throttled}`));
  // Where the figures come from (and the read-capacity warning) wraps rather than being cut.
  head.push(...color.dim(wrapText(`figures: ${sourceText(frame)}`, width, '  ')).split('\n'));

  const tail: string[] = [];
  if (frame.topKeys.length) {
    tail.push('');
    tail.push(
      renderTable(
        ['partition key', 'shard', 'share', 'records/s', 'KiB/s'],
        frame.topKeys.slice(0, 5).map((k) => [cut(k.partitionKey, 40), k.shardId, pct(k.share), formatNumber(k.recordsPerSec, 1), kib(k.bytesPerSec)]),
        { align: ['left', 'left', 'right', 'right', 'right'], width, drop: ['KiB/s', 'shard'] },
      ),
    );
  }
  // Advice and notes wrap (a cut command could not be copied); the command itself stays on one line.
  for (const a of frame.advice) {
    tail.push(color.yellow(wrapText(a.text, width, '  ')));
    if (a.command) tail.push(color.cyan(`  ${a.command}`));
  }
  for (const note of frame.notes) tail.push(color.dim(wrapText(`note: ${note}`, width, '  ')));

  const tailLines = tail.join('\n').split('\n');
  const room = Math.max(1, height - head.length - tailLines.length - 4);
  const shown = busiest(frame.shards, room);
  const rows = shown.map((s) => shardRow(s, color, hotAt, frame));
  const table = renderTable(['shard', 'records/s', 'of 1,000/s', 'KiB/s', 'of 1 MiB/s', 'traffic', 'throttled', 'key space', 'lag'], rows, {
    align: ['left', 'right', 'left', 'right', 'left', 'right', 'right', 'right', 'right'],
    width,
    drop: ['key space', 'of 1 MiB/s', 'throttled', 'lag', 'of 1,000/s', 'KiB/s', 'traffic'],
  }).split('\n');
  const more = frame.shards.length - shown.length;
  const body = [...table, ...(more > 0 ? [color.dim(fit(`… ${more} quieter shard${more === 1 ? '' : 's'} not shown (a taller terminal, or --json, shows all)`))] : [])];
  return [...head, ...body, ...tailLines].slice(0, Math.max(height, 1));
}

function shardRow(s: TopShardRow, color: ChalkInstance, hotAt: number, frame: TopFrame): string[] {
  const paint = (u: number | undefined, text: string) => (u === undefined ? text : u >= hotAt ? color.red(text) : u >= hotAt / 2 ? color.yellow(text) : color.green(text));
  const lag = s.lagMs !== undefined ? formatDurationMs(Math.round(s.lagMs)) : frame.lag?.aggregateMs !== undefined ? `${formatDurationMs(Math.round(frame.lag.aggregateMs))}*` : '—';
  return [
    s.hot ? color.red(s.shardId) : s.shardId,
    s.recordsPerSec === undefined ? '—' : formatNumber(s.recordsPerSec, 1),
    s.recordsUtilization === undefined ? '—' : paint(s.recordsUtilization, shareBar(s.recordsUtilization, BAR)),
    s.bytesPerSec === undefined ? '—' : kib(s.bytesPerSec),
    s.bytesUtilization === undefined ? '—' : paint(s.bytesUtilization, shareBar(s.bytesUtilization, BAR)),
    s.trafficShare === undefined ? '—' : pct(s.trafficShare),
    s.throttledWrites === undefined ? '—' : formatNumber(s.throttledWrites),
    pct(s.keySpaceShare),
    lag,
  ];
}

/** The `room` busiest shards, kept in shard order. */
function busiest(shards: readonly TopShardRow[], room: number): TopShardRow[] {
  if (shards.length <= room) return [...shards];
  const keep = new Set([...shards].sort((a, b) => (b.utilization ?? 0) - (a.utilization ?? 0)).slice(0, room - 1).map((s) => s.shardId));
  return shards.filter((s) => keep.has(s.shardId));
}

function sourceText(frame: TopFrame): string {
  const s = frame.source;
  if (s.kind === 'sample') {
    const over = `last ${Math.round(s.spanMs / 1000)} s`;
    return s.via === 'efo'
      ? `sampled through EFO consumer '${s.consumer}' from LATEST, ${over}`
      : `sampled (GetRecords from LATEST, each shard every ${Math.round((s.shardReadEveryMs ?? 1000) / 100) / 10} s), ${over}; uses read capacity shared with polling consumers`;
  }
  const at = s.datapointAt ? `, minute of ${s.datapointAt.slice(11, 16)} UTC` : ', no datapoint yet';
  return s.level === 'shard'
    ? `CloudWatch shard-level metrics${at}`
    : `CloudWatch stream-level only: shard-level metrics are off${at}; --sample counts each shard`;
}

/** At most `width` visible columns, with `…` where it was cut. Text with colour codes is not cut (it is built to fit). */
function cut(s: string, width: number): string {
  if (visibleWidth(s) <= width) return s;
  return `${[...s].slice(0, Math.max(0, width - 1)).join('')}…`;
}

const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
const kib = (bytesPerSec: number) => formatNumber(bytesPerSec / KIB, 1);
const mibCap = (bytesPerSec: number) => `${formatNumber(bytesPerSec / MIB)} MiB/s`;
