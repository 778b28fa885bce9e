/**
 * Whether and how to start a DMS replication (a task, or a Serverless replication), from its Status, its
 * StopReason and the migration type (AWS DMS API Reference: ReplicationTask Status and StopReason,
 * StartReplicationTask StartReplicationTaskType, StartReplication StartReplicationType):
 * - never run: `start-replication`;
 * - stopped by the user (NORMAL) or by DMS itself to restart: `resume-processing`;
 * - a full load that finished, or a stop its settings ask for (after full load, after cached events, at
 *   a time, after DDL): nothing; starting it again would reload it, or pass the point it was asked to stop at;
 * - failed, or stopped by an error: nothing but a drift showing why, unless --restart-failed;
 * - a Serverless full-load replication is never resumed ("resume-processing isn't applicable for a
 *   full-load replication"); --restart-failed reloads it with `reload-target`.
 */
export type StartType = 'start-replication' | 'resume-processing' | 'reload-target';

export interface RunState {
  /** Status; undefined when the task or replication does not exist yet (or never ran, serverless). */
  status?: string;
  stopReason?: string;
  failureMessage?: string;
  startedBefore: boolean;
}

export type StartDecision = { kind: 'start'; type: StartType; detail: string } | { kind: 'none'; detail: string } | { kind: 'drift'; detail: string } | undefined;

/** Stops a start would undo: the full load is done, or the task settings asked for the stop. */
const FINISHED = new Set(['FULL_LOAD_ONLY_FINISHED', 'STOPPED_AFTER_FULL_LOAD', 'STOPPED_AFTER_CACHED_EVENTS', 'STOPPED_AFTER_DDL_APPLY', 'STOPPED_AT_SERVER_TIME', 'STOPPED_AT_COMMIT_TIME']);
/** Stops caused by a problem: like a failure, restarted only when asked. */
const ERRORS = new Set(['RECOVERABLE_ERROR', 'FATAL_ERROR', 'STOPPED_DUE_TO_LOW_MEMORY', 'STOPPED_DUE_TO_LOW_DISK', 'EXPRESS_LICENSE_LIMITS_REACHED']);

/** "Stop Reason FULL_LOAD_ONLY_FINISHED" → FULL_LOAD_ONLY_FINISHED. */
export function stopReasonCode(reason: string | undefined): string | undefined {
  return reason?.replace(/^Stop Reason\s+/i, '').trim() || undefined;
}

export function startDecision(migrationType: string, state: RunState | null, opts: { serverless: boolean; restartFailed: boolean }): StartDecision {
  const what = opts.serverless ? 'replication' : 'task';
  const reason = stopReasonCode(state?.stopReason);
  const fullLoadOnly = migrationType === 'full-load';
  const failed = state?.status === 'failed' || (state?.status === 'stopped' && reason !== undefined && ERRORS.has(reason));
  if (failed) {
    const why = state?.failureMessage || reason || 'no failure message';
    if (!opts.restartFailed) return { kind: 'drift', detail: `the ${what} failed: ${why}; fix the cause, then re-run with --restart-failed` };
    const type: StartType = !state?.startedBefore ? 'start-replication' : opts.serverless && fullLoadOnly ? 'reload-target' : 'resume-processing';
    return { kind: 'start', type, detail: `${type} (--restart-failed; it failed: ${why})` };
  }
  if (!state || !state.startedBefore) {
    // A task that exists only settles into ready; a serverless replication that never ran has no status.
    if (!state || state.status === undefined || ['ready', 'creating', 'created', 'stopped'].includes(state.status)) return { kind: 'start', type: 'start-replication', detail: 'start-replication (first start)' };
    return undefined;
  }
  if (state.status !== 'stopped' && state.status !== 'ready') return undefined; // starting, running, stopping, modifying, testing…
  if (reason && FINISHED.has(reason)) {
    if (reason === 'FULL_LOAD_ONLY_FINISHED') return { kind: 'none', detail: 'full load finished (FULL_LOAD_ONLY_FINISHED): nothing to start' };
    const cli = opts.serverless ? 'aws dms start-replication --start-replication-type resume-processing' : 'aws dms start-replication-task --start-replication-task-type resume-processing';
    return { kind: 'none', detail: `stopped as its settings ask (${reason}): resume it yourself when ready (${cli})` };
  }
  if (opts.serverless && fullLoadOnly) {
    return { kind: 'none', detail: `stopped${reason ? ` (${reason})` : ''}; resume-processing does not apply to a full-load replication: reload it with aws dms start-replication --start-replication-type reload-target` };
  }
  return { kind: 'start', type: 'resume-processing', detail: 'resume-processing (was stopped)' };
}
