/**
 * `lag --watch` output: on a terminal, the report redrawn in place under a line that says how fresh
 * it is (and whether a refresh is late or failing), ticking every second; otherwise one NDJSON
 * object per refresh on stdout, and a failed refresh as a warning on stderr.
 */
import type { ChalkInstance } from 'chalk';
import { formatDurationMs } from '../core/units.js';
import type { LagWatch, LagWatchEvent, LagWatchState } from '../services/lag.js';
import type { Output } from './output.js';
import { renderLagReport } from './lag.js';
import { wrapText } from './wrap.js';

/** Cursor home, then erase the whole screen (ECMA-48 CUP and ED 2): each refresh replaces the last. */
const REDRAW = '\x1b[H\x1b[2J';

/** In place only when stdout is a terminal and --json is off; `intervalText` is --watch as the user wrote it. */
export function lagWatchRenderer(out: Output, intervalText: string): Pick<LagWatch, 'onUpdate' | 'tickMs'> {
  if (out.stdoutIsTTY && !out.json) {
    return { tickMs: 1000, onUpdate: (_event, state) => out.result(`${REDRAW}${watchScreen(state, intervalText, out.color, out.width)}`) };
  }
  return {
    onUpdate: (event: LagWatchEvent, state: LagWatchState) => {
      if (event === 'report') out.line({ schemaVersion: 1, ...state.last!.report });
      else if (event === 'failed') out.warn(`refresh failed: ${state.failed!.message}; the next in ${intervalText}`);
    },
  };
}

/** The report of the last successful refresh, and under it the line that says how old it is. */
export function watchScreen(state: LagWatchState, intervalText: string, color: ChalkInstance, width?: number): string {
  const line = watchStatusLine(state, intervalText);
  const painted = state.failed ? color.red(line) : isLate(state) ? color.yellow(line) : color.dim(line);
  const report = state.last ? `${renderLagReport(state.last.report, color, width)}\n` : '';
  return `${report}${wrapText(painted, width)}`;
}

/** Late: the refresh running now has taken longer than the interval between refreshes. */
function isLate(s: LagWatchState): boolean {
  return s.refreshingSinceMs !== undefined && s.nowMs - s.refreshingSinceMs > s.intervalMs;
}

export function watchStatusLine(s: LagWatchState, intervalText: string): string {
  const stop = 'Ctrl-C to stop';
  if (!s.last) return `waiting for the first refresh (${ago(s.nowMs - (s.refreshingSinceMs ?? s.nowMs))}); ${stop}`;
  const at = clockTime(s.last.atMs);
  if (s.failed) return `refresh failed: ${s.failed.message}; showing the figures from ${at} (${ago(s.nowMs - s.last.atMs)} ago); retrying every ${intervalText}; ${stop}`;
  if (isLate(s)) return `refresh late: ${ago(s.nowMs - s.last.atMs)} since the last one (${at}); refreshing every ${intervalText}; ${stop}`;
  return `refreshed ${at} (${ago(s.nowMs - s.last.atMs)} ago); refreshing every ${intervalText}; ${stop}`;
}

/** Whole seconds under a minute (`12 s`), else as every duration is printed (`2m5s`). */
function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s} s` : formatDurationMs(s * 1000);
}

/** HH:MM:SS on the operator's own clock (local time), as a terminal's clock shows it. */
function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}
