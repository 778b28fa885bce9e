/**
 * Lag status rules, evaluated per shard (or per stream/consumer) over a window of samples. Pure: the
 * caller passes every sample and `nowMs`; nothing here reads a clock or does I/O. docs/lag.md has the
 * rules with examples; keep the two in step.
 *
 * Order of precedence (the first that applies wins): STOPPED, STALLED, CRIT, WARN, OK.
 */
import { formatDurationMs as fmt } from './units.js';

export const LAG_STATUSES = ['OK', 'WARN', 'CRIT', 'STALLED', 'STOPPED'] as const;
export type LagStatus = (typeof LAG_STATUSES)[number];

/** Severity for the overall status: the worst shard wins. */
const SEVERITY: Record<LagStatus, number> = { OK: 0, WARN: 1, CRIT: 2, STALLED: 3, STOPPED: 4 };

/** One observation of one shard (or of a consumer as a whole). Fields are present when the source knows them. */
export interface LagSample {
  atMs: number;
  /** now − arrival of the first record after the checkpoint (0 when there is none) at `atMs`. */
  lagMs?: number;
  /** The checkpoint (sequence number or sentinel) seen at `atMs`. */
  checkpoint?: string;
  /** KCL leaseCounter at `atMs`: it increments on every renewal. */
  leaseCounter?: number;
  owner?: string;
}

/**
 * How liveness is known for this shard:
 * - `lease`: a KCL lease; a live owner renews it every failoverTimeMillis / 3 (KCL LeaseCoordinator),
 *   so a counter that does not move over an observation longer than that means no worker holds it.
 * - `activity`: a timestamp of the consumer's last sign of life (tail checkpoint file's updatedAt,
 *   the last CloudWatch datapoint of the consumer's metric); stale after `staleAfterMs`.
 * - `none`: nothing tells liveness (the rule for STOPPED does not apply).
 */
export type Liveness =
  | { kind: 'lease'; minObserveMs: number; hasOwner: boolean; ownerlessWhy?: string }
  | { kind: 'activity'; lastActivityMs?: number; staleAfterMs: number }
  | { kind: 'none' };

export interface ShardEvidence {
  /** Oldest first; samples outside the window are ignored. */
  samples: LagSample[];
  liveness: Liveness;
  /** The shard was read to its end (checkpoint SHARD_END): nothing can be behind. */
  finished?: boolean;
}

export interface StatusRules {
  nowMs: number;
  windowMs: number;
  thresholdMs: number;
}

export interface StatusResult {
  status: LagStatus;
  /** One sentence a human can act on. */
  reason: string;
  lagMs: number;
}

/**
 * Growth and stall need history, not a snapshot: at least 3 samples spanning a third of the window
 * (5 minutes of the default 15m), so a consumer that checkpoints once a minute is not flagged by a
 * few seconds of observation.
 */
export const MIN_TREND_SAMPLES = 3;
export const TREND_SPAN_FRACTION = 1 / 3;

export function evaluateShard(evidence: ShardEvidence, rules: StatusRules): StatusResult {
  const { nowMs, windowMs, thresholdMs } = rules;
  const samples = evidence.samples.filter((s) => s.atMs >= nowMs - windowMs && s.atMs <= nowMs).sort((a, b) => a.atMs - b.atMs);
  const withLag = samples.filter((s) => s.lagMs !== undefined);
  const lagMs = withLag.length ? withLag[withLag.length - 1]!.lagMs! : 0;

  if (evidence.finished) return { status: 'OK', reason: 'read to SHARD_END', lagMs: 0 };

  const spanMs = samples.length ? samples[samples.length - 1]!.atMs - samples[0]!.atMs : 0;
  const checkpointMoved = changed(samples.map((s) => s.checkpoint));
  const live = liveness(evidence.liveness, samples, spanMs, nowMs, checkpointMoved);

  // STOPPED: nobody renews the lease / no sign of life, and something is waiting.
  if (live.state === 'dead') {
    if (lagMs > 0) return { status: 'STOPPED', reason: `${live.why} while ${fmt(lagMs)} behind`, lagMs };
    // Nothing is behind yet, but a dead consumer must never read as OK.
    return { status: 'WARN', reason: `${live.why}; nothing behind yet`, lagMs };
  }

  // STALLED: the consumer is alive, records wait, and the checkpoint has not moved for a trend span.
  const trendSpanMs = windowMs * TREND_SPAN_FRACTION;
  if (live.state === 'alive' && lagMs > 0 && !checkpointMoved && samples.length >= 2 && spanMs >= trendSpanMs && samples.every((s) => s.checkpoint !== undefined)) {
    return { status: 'STALLED', reason: `checkpoint unchanged for ${fmt(spanMs)} while the consumer is alive and ${fmt(lagMs)} behind`, lagMs };
  }

  if (lagMs > thresholdMs) return { status: 'CRIT', reason: `lag ${fmt(lagMs)} is over the threshold ${fmt(thresholdMs)}`, lagMs };

  if (isGrowing(withLag, trendSpanMs)) {
    const first = withLag[0]!.lagMs!;
    return { status: 'WARN', reason: `lag grew from ${fmt(first)} to ${fmt(lagMs)} over ${fmt(spanMs)}`, lagMs };
  }
  return { status: 'OK', reason: lagMs > 0 ? `lag ${fmt(lagMs)} within the threshold ${fmt(thresholdMs)}` : 'caught up', lagMs };
}

/**
 * Lag is growing when, over a span of at least `minSpanMs` and 3 samples, every lag in the later half
 * is above every lag in the earlier half. A saw-tooth (checkpoint every N seconds) does not qualify;
 * a steady climb does, however slow.
 */
export function isGrowing(samples: LagSample[], minSpanMs: number): boolean {
  if (samples.length < MIN_TREND_SAMPLES) return false;
  const first = samples[0]!.atMs;
  const last = samples[samples.length - 1]!.atMs;
  if (last - first < minSpanMs) return false;
  const mid = first + (last - first) / 2;
  const early = samples.filter((s) => s.atMs <= mid).map((s) => s.lagMs!);
  const late = samples.filter((s) => s.atMs > mid).map((s) => s.lagMs!);
  if (!early.length || !late.length) return false;
  return Math.min(...late) > Math.max(...early);
}

type Live = { state: 'alive' | 'unknown' } | { state: 'dead'; why: string };

function liveness(l: Liveness, samples: LagSample[], spanMs: number, nowMs: number, checkpointMoved: boolean): Live {
  if (checkpointMoved) return { state: 'alive' };
  switch (l.kind) {
    case 'lease': {
      const counters = samples.map((s) => s.leaseCounter);
      if (changed(counters) || changed(samples.map((s) => s.owner))) return { state: 'alive' };
      if (!l.hasOwner) return { state: 'dead', why: l.ownerlessWhy ?? 'the lease has no owner' };
      if (counters.filter((c) => c !== undefined).length >= 2 && spanMs >= l.minObserveMs) {
        return { state: 'dead', why: `lease counter unchanged for ${fmt(spanMs)} (a live KCL worker renews every failoverTimeMillis / 3)` };
      }
      return { state: 'unknown' };
    }
    case 'activity':
      if (l.lastActivityMs === undefined) return { state: 'dead', why: 'no sign of the consumer in the window' };
      if (nowMs - l.lastActivityMs > l.staleAfterMs) return { state: 'dead', why: `last sign of the consumer ${fmt(nowMs - l.lastActivityMs)} ago` };
      return { state: 'alive' };
    case 'none':
      return { state: 'unknown' };
  }
}

function changed<T>(values: (T | undefined)[]): boolean {
  const known = values.filter((v) => v !== undefined);
  return known.some((v) => v !== known[0]);
}

export function worstStatus(statuses: LagStatus[]): LagStatus {
  return statuses.reduce<LagStatus>((worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst), 'OK');
}

export type FailOn = 'crit' | 'warn';

/** Exit 3 for CRIT, STALLED and STOPPED; WARN only with --fail-on warn. */
export function isFailing(status: LagStatus, failOn: FailOn): boolean {
  return SEVERITY[status] >= SEVERITY[failOn === 'warn' ? 'WARN' : 'CRIT'];
}
