/**
 * doctor's output. Human: one block per stage in pipeline order, one entry per finding (a severity
 * mark, the check id, the resource, then the evidence, the fix and the guide link on their own
 * wrapped lines, so nothing is cut at the terminal's width), and a closing count. JSON: one document,
 * {schemaVersion, stages:[{stage, findings}], summary, missing, deniedActions, ...}.
 */
import type { ChalkInstance } from 'chalk';
import type { Finding, Severity } from '../core/doctor/finding.js';
import { formatDurationMs } from '../core/units.js';
import type { DoctorResult } from '../services/doctor.js';
import type { Output } from './output.js';
import { wrapText } from './wrap.js';

const MARK: Record<Severity, string> = { error: '✖', warn: '!', ok: '✔', skipped: '-' };

export function printDoctor(out: Output, result: DoctorResult): void {
  if (out.json) {
    out.document(result);
    return;
  }
  out.result(renderDoctor(result, out.color, out.width));
}

export function renderDoctor(r: DoctorResult, color: ChalkInstance, width: number | undefined): string {
  const lines: string[] = [];
  for (const { stage, findings } of r.stages) {
    lines.push(color.bold(stage.toUpperCase()));
    if (!findings.length) lines.push(color.dim('  nothing to check'));
    for (const f of findings) lines.push(...renderFinding(f, color, width));
    lines.push('');
  }
  const s = r.summary;
  lines.push(
    `${paint('error', `${s.error} error${s.error === 1 ? '' : 's'}`, color)}, ${paint('warn', `${s.warn} warning${s.warn === 1 ? '' : 's'}`, color)}, ${s.ok} ok, ${s.skipped} skipped — stream ${r.stream}, window ${formatDurationMs(r.windowMs)}`,
  );
  if (r.missing.length) lines.push(color.red(`not found: ${r.missing.join(', ')}`));
  if (r.deniedActions.length) lines.push(wrapText(color.red(`access denied; allow: ${r.deniedActions.join(', ')}`), width, '  '));
  return lines.join('\n');
}

function renderFinding(f: Finding, color: ChalkInstance, width: number | undefined): string[] {
  const head = `  ${paint(f.severity, `${MARK[f.severity]} ${f.severity.padEnd(7)}`, color)} ${color.bold(f.id)}  ${f.resource}`;
  const out = [wrapText(head, width, '            ')];
  const detail = (label: string, text: string) => out.push(wrapText(`            ${label}${text}`, width, '            '));
  detail('', f.evidence);
  if (f.fix) detail(color.cyan('fix: '), f.fix);
  if (f.deniedAction) detail(color.red('needs: '), f.deniedAction);
  if (f.link && f.severity !== 'ok') detail(color.dim('see: '), color.dim(f.link));
  return out;
}

function paint(severity: Severity, text: string, color: ChalkInstance): string {
  switch (severity) {
    case 'error':
      return color.red.bold(text);
    case 'warn':
      return color.yellow(text);
    case 'ok':
      return color.green(text);
    case 'skipped':
      return color.dim(text);
  }
}
