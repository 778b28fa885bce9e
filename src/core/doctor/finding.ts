/**
 * What `cdcpipe doctor` reports: findings, grouped by stage of the pipeline, each with the evidence
 * seen and the fix. Pure data; the checks that make them live beside it (one module per stage), their
 * reads in src/aws/ and the orchestration in src/services/doctor*.ts.
 */

/** The stages, in the order data flows. */
export const DOCTOR_STAGES = ['source', 'dms', 'stream', 'consumers', 'firehose', 's3'] as const;
export type DoctorStage = (typeof DOCTOR_STAGES)[number];

/**
 * error: the pipeline is broken or about to lose data; warn: a risk or a waste; ok: checked and fine;
 * skipped: not checked, and `evidence` says why (no server answers that service, not asked for,
 * access denied: then `deniedAction` names the IAM action needed).
 */
export type Severity = 'error' | 'warn' | 'ok' | 'skipped';

export interface Finding {
  stage: DoctorStage;
  severity: Severity;
  /** Stable id, `<stage>.<check>`: `source.binlog-format`, `dms.task-status`, `stream.iterator-age`. */
  id: string;
  /** The resource looked at: an identifier or ARN (`mydb`, `orders-cdc`, `orders-cdc/shardId-000000000003`). */
  resource: string;
  /** What was seen, in words an operator reads (`binlog_format = MIXED`). */
  evidence: string;
  /** The exact fix: parameter, SQL or cdcpipe command. Absent on ok and on most skipped. */
  fix?: string;
  /** The AWS guide section that explains it. */
  link?: string;
  /** Set when the check could not be made because access was denied: the IAM action it needs. */
  deniedAction?: string;
}

export function finding(f: Finding): Finding {
  return f;
}
