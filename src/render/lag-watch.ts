/** `lag --watch` output: the report redrawn in place on a terminal, one NDJSON object per refresh otherwise. */
import type { LagReport } from '../core/lag-model.js';
import type { Output } from './output.js';
import { renderLagReport } from './lag.js';

/** Cursor home, then erase the whole screen (ECMA-48 CUP and ED 2): each refresh replaces the last. */
const REDRAW = '\x1b[H\x1b[2J';

/** In place only when stdout is a terminal and --json is off; `intervalText` is --watch as the user wrote it. */
export function lagWatchRenderer(out: Output, intervalText: string): (report: LagReport) => void {
  const inPlace = out.stdoutIsTTY && !out.json;
  return (report) => {
    if (inPlace) out.result(`${REDRAW}${renderLagReport(report, out.color)}\n${out.color.dim(`refreshing every ${intervalText}; Ctrl-C to stop`)}`);
    else out.line({ schemaVersion: 1, ...report });
  };
}
