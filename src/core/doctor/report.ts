/** doctor's report, pure: findings grouped by stage in pipeline order, the counts, and what the exit code is. */
import { DOCTOR_STAGES, type DoctorStage, type Finding, type Severity } from './finding.js';

export interface DoctorReport {
  stages: { stage: DoctorStage; findings: Finding[] }[];
  summary: Record<Severity, number>;
  /** Named resources that do not exist (exit 4). */
  missing: string[];
  /** IAM actions that were denied (exit 5). */
  deniedActions: string[];
}

export function buildDoctorReport(findings: readonly Finding[], stages: readonly DoctorStage[], missing: readonly string[] = []): DoctorReport {
  const summary: Record<Severity, number> = { error: 0, warn: 0, ok: 0, skipped: 0 };
  for (const f of findings) summary[f.severity]++;
  const wanted = new Set(stages);
  return {
    stages: DOCTOR_STAGES.filter((s) => wanted.has(s)).map((stage) => ({ stage, findings: findings.filter((f) => f.stage === stage) })),
    summary,
    missing: [...new Set(missing)],
    deniedActions: [...new Set(findings.flatMap((f) => (f.deniedAction ? [f.deniedAction] : [])))].sort(),
  };
}

export type FailOn = 'error' | 'warn';

/**
 * How the run ends: access denied (5) before a missing resource (4) before failed checks (3): the
 * first two mean some checks could not run at all, so a clean rest proves nothing.
 */
export function doctorOutcome(r: DoctorReport, failOn: FailOn): { kind: 'ok' } | { kind: 'denied' | 'missing' | 'failed'; message: string } {
  if (r.deniedActions.length) return { kind: 'denied', message: `access denied: ${r.deniedActions.join(', ')} (the findings that could be read are above)` };
  if (r.missing.length) return { kind: 'missing', message: `not found: ${r.missing.join(', ')}` };
  const failing = r.summary.error + (failOn === 'warn' ? r.summary.warn : 0);
  if (failing) return { kind: 'failed', message: `${r.summary.error} error${r.summary.error === 1 ? '' : 's'}, ${r.summary.warn} warning${r.summary.warn === 1 ? '' : 's'}${failOn === 'warn' ? ' (--fail-on warn)' : ''}` };
  return { kind: 'ok' };
}
