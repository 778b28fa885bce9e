/**
 * The lag model, pure: KCL leases (2.x and 3.x layouts; Kinesis Data Streams Developer Guide, "Use a
 * lease table to track the shards processed by the KCL consumer application" and "DynamoDB metadata
 * tables and load balancing in KCL") and tail checkpoints mapped onto the stream's shards, per-shard
 * lag as a time, and the pipeline stage breakdown source → DMS → stream → consumer → S3. No I/O, no
 * clock: `nowMs` is passed in.
 */
import type { CheckpointFile } from './checkpoint.js';
import type { ConsumerRef, MetricConsumerKind } from './consumer-metrics.js';
import type { LagStatus } from './lag-status.js';

/** Where a consumer stands in a shard: a sequence number, or one of KCL's sentinel checkpoints. */
export type ShardPosition =
  | { kind: 'sequence'; sequenceNumber: string; subSequenceNumber?: number }
  | { kind: 'TRIM_HORIZON' }
  | { kind: 'LATEST' }
  | { kind: 'AT_TIMESTAMP' }
  | { kind: 'SHARD_END' };

const SENTINELS = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'SHARD_END'] as const;

export function parsePosition(checkpoint: string | undefined, subSequenceNumber?: number): ShardPosition | undefined {
  if (!checkpoint) return undefined;
  if ((SENTINELS as readonly string[]).includes(checkpoint)) return { kind: checkpoint as (typeof SENTINELS)[number] };
  if (!/^\d+$/.test(checkpoint)) return undefined;
  return { kind: 'sequence', sequenceNumber: checkpoint, ...(subSequenceNumber ? { subSequenceNumber } : {}) };
}

export function positionLabel(p: ShardPosition | undefined): string | undefined {
  if (!p) return undefined;
  return p.kind === 'sequence' ? p.sequenceNumber : p.kind;
}

/** What one probe of a shard (src/aws/lag-probe.ts: GetShardIterator + GetRecords after the checkpoint) saw. */
export interface ProbeResult {
  /** ApproximateArrivalTimestamp (ms) of the first record after the checkpoint; undefined when there is none. */
  firstUnprocessedArrivalMs?: number;
  firstUnprocessedSequenceNumber?: string;
  /** Records after the checkpoint seen by the call; a lower bound when `recordsBehindExact` is false. */
  recordsBehind: number;
  recordsBehindExact: boolean;
  /** MillisBehindLatest of the response (0 on kinesis-local, which does not compute it). */
  millisBehindLatest?: number;
  /** Arrival (ms) of the checkpointed record itself (withCheckpointRecord): how fresh the processed data is. */
  checkpointArrivalMs?: number;
  /** The checkpoint's record was trimmed past retention: reading started at the trim horizon. */
  trimmed?: boolean;
  getRecordsCalls: number;
}

/** One KCL lease, normalised from either layout. */
export interface Lease {
  shardId: string;
  leaseKey: string;
  owner?: string;
  leaseCounter?: number;
  ownerSwitchesSinceCheckpoint?: number;
  checkpoint?: ShardPosition;
  pendingCheckpoint?: string;
  parentShardIds: string[];
  /** KCL 3.x only. */
  childShardIds?: string[];
  checkpointOwner?: string;
  layout: '2.x' | '3.x';
}

/** KCL 3.x marks its leases with these attributes (Kinesis Data Streams Developer Guide, "DynamoDB metadata tables and load balancing in KCL", Lease table). */
const KCL3_ATTRIBUTES = ['startingHashKey', 'endingHashKey', 'throughputKBps', 'checkpointOwner', 'childShardIds'];

/**
 * A lease item already converted from DynamoDB's AttributeValue form to plain values (N → number,
 * SS → string[]). Multi-stream KCL apps key leases `account:stream:epoch:shardId`; those of other
 * streams are dropped (undefined).
 */
export function parseLeaseItem(item: Record<string, unknown>, stream: string): Lease | undefined {
  const leaseKey = typeof item.leaseKey === 'string' ? item.leaseKey : undefined;
  if (!leaseKey) return undefined;
  const parts = leaseKey.split(':');
  if (parts.length >= 4 && parts[parts.length - 3] !== stream) return undefined;
  const shardId = parts[parts.length - 1]!;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  const layout = KCL3_ATTRIBUTES.some((a) => a in item) ? '3.x' : '2.x';
  return {
    shardId,
    leaseKey,
    owner: str(item.leaseOwner),
    leaseCounter: num(item.leaseCounter),
    ownerSwitchesSinceCheckpoint: num(item.ownerSwitchesSinceCheckpoint),
    checkpoint: parsePosition(str(item.checkpoint), num(item.checkpointSubSequenceNumber)),
    pendingCheckpoint: str(item.pendingCheckpoint),
    parentShardIds: list(item.parentShardId).sort(),
    ...(layout === '3.x' ? { childShardIds: list(item.childShardIds).sort(), checkpointOwner: str(item.checkpointOwner) } : {}),
    layout,
  };
}

/** The shard facts lag needs (from ListShards). */
export interface ShardInfo {
  shardId: string;
  parentShardIds: string[];
  closed: boolean;
}

/** A consumer's record for one shard: a lease, or a tail checkpoint entry. */
export interface ConsumerPosition {
  shardId: string;
  position?: ShardPosition;
  owner?: string;
  leaseCounter?: number;
  ownerSwitchesSinceCheckpoint?: number;
  parentShardIds?: string[];
  /** Arrival time of the checkpointed record, when the source records it (tail checkpoint files). */
  checkpointArrivalMs?: number;
}

/** The lease table's view of each shard. */
export function leasePositions(leases: readonly Lease[]): ConsumerPosition[] {
  return leases.map((l) => ({
    shardId: l.shardId,
    position: l.checkpoint,
    owner: l.owner,
    leaseCounter: l.leaseCounter,
    ownerSwitchesSinceCheckpoint: l.ownerSwitchesSinceCheckpoint,
    parentShardIds: l.parentShardIds,
  }));
}

/** A tail checkpoint file's view of each shard; a closed entry was read to SHARD_END. */
export function checkpointPositions(cp: CheckpointFile): ConsumerPosition[] {
  return Object.entries(cp.shards).map(([shardId, e]) => ({
    shardId,
    position: e.closed ? { kind: 'SHARD_END' as const } : { kind: 'sequence' as const, sequenceNumber: e.sequenceNumber, ...(e.subSequenceNumber ? { subSequenceNumber: e.subSequenceNumber } : {}) },
    ...(e.arrivalTime && Number.isFinite(Date.parse(e.arrivalTime)) ? { checkpointArrivalMs: Date.parse(e.arrivalTime) } : {}),
  }));
}

export interface ShardRow {
  shardId: string;
  parentShardIds: string[];
  closed: boolean;
  /** false when the stream no longer lists the shard (trimmed) */
  inStream: boolean;
  consumer?: ConsumerPosition;
  /**
   * What to read to measure lag: the consumer's position; TRIM_HORIZON for a shard the consumer has no
   * record of (all of it is unprocessed); undefined when there is nothing to read.
   */
  probe?: ShardPosition;
  /** No lease/entry yet and a parent not finished: KCL reads parents to SHARD_END first, so the shard waits. */
  waitingForParent: boolean;
  note?: string;
}

/**
 * Maps consumer positions onto the stream's shards: every shard ListShards returns (open and closed
 * parents), plus positions whose shard the stream no longer lists. A closed parent at SHARD_END has
 * nothing to read; a shard without a position is read from TRIM_HORIZON (everything in it waits).
 */
export function mapPositionsToShards(shards: ShardInfo[], positions: ConsumerPosition[]): ShardRow[] {
  const byShard = new Map(positions.map((p) => [p.shardId, p]));
  const finished = (id: string) => byShard.get(id)?.position?.kind === 'SHARD_END';
  const known = new Set(shards.map((s) => s.shardId));
  const rows: ShardRow[] = shards.map((shard) => {
    const consumer = byShard.get(shard.shardId);
    const parents = shard.parentShardIds;
    if (consumer) {
      const position = consumer.position;
      return {
        shardId: shard.shardId,
        parentShardIds: parents,
        closed: shard.closed,
        inStream: true,
        consumer,
        probe: position && position.kind !== 'SHARD_END' ? position : undefined,
        waitingForParent: false,
        ...(position ? {} : { note: 'no checkpoint yet' }),
      };
    }
    // Only a parent the consumer tracks and has not finished holds the child back; a parent it never
    // saw (trimmed, or older than the application) does not.
    const waiting = parents.some((p) => byShard.has(p) && !finished(p));
    return {
      shardId: shard.shardId,
      parentShardIds: parents,
      closed: shard.closed,
      inStream: true,
      probe: { kind: 'TRIM_HORIZON' },
      waitingForParent: waiting,
      note: waiting ? 'no lease yet: waits for its parent to reach SHARD_END' : 'no lease/checkpoint for this shard',
    };
  });
  for (const p of positions) {
    if (known.has(p.shardId)) continue;
    rows.push({
      shardId: p.shardId,
      parentShardIds: p.parentShardIds ?? [],
      closed: true,
      inStream: false,
      consumer: p,
      waitingForParent: false,
      note: 'the stream no longer lists this shard (past retention)',
    });
  }
  return rows.sort((a, b) => a.shardId.localeCompare(b.shardId));
}

/** Per-shard lag: now − arrival of the first record after the checkpoint, or 0 when there is none. */
export function shardLagMs(nowMs: number, firstUnprocessedArrivalMs: number | undefined): number {
  if (firstUnprocessedArrivalMs === undefined) return 0;
  return Math.max(0, nowMs - firstUnprocessedArrivalMs);
}

// ---------------------------------------------------------------------------------------------
// Stage breakdown: source → DMS → stream → consumer → S3
// ---------------------------------------------------------------------------------------------

export const STAGE_NAMES = ['sourceToDms', 'dmsToStream', 'streamToConsumer', 'streamToS3'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const STAGE_LABELS: Record<StageName, string> = {
  sourceToDms: 'source → DMS',
  dmsToStream: 'DMS → stream',
  streamToConsumer: 'stream → consumer',
  streamToS3: 'stream → S3 (Firehose)',
};

export interface StageLag {
  lagMs: number;
  /** the metric or reading it comes from */
  from: string;
}

export interface StageInputs {
  /** DMS CDCLatencySource, seconds: source commit → DMS captured it. */
  cdcLatencySourceS?: number;
  /** DMS CDCLatencyTarget, seconds: source commit → written to the target (includes the source latency). */
  cdcLatencyTargetS?: number;
  /** The consumer's lag (max over shards), ms. */
  consumerLagMs?: number;
  consumerFrom?: string;
  /** Firehose DeliveryToS3.DataFreshness, seconds: age of the oldest record not yet in S3. */
  firehoseFreshnessS?: number;
}

export type Stages = Partial<Record<StageName, StageLag>> & { slowest?: StageName; endToEndMs?: number };

/**
 * CDCLatencyTarget already contains CDCLatencySource (AWS DMS "Monitoring tasks"), so the time spent
 * inside DMS is their difference. Firehose reads the stream as a consumer of its own, so the S3 stage
 * runs beside the consumer stage; end to end is source + DMS + the slower of the two.
 */
export function stageBreakdown(input: StageInputs): Stages {
  const stages: Stages = {};
  if (input.cdcLatencySourceS !== undefined) stages.sourceToDms = { lagMs: input.cdcLatencySourceS * 1000, from: 'AWS/DMS CDCLatencySource' };
  if (input.cdcLatencyTargetS !== undefined) {
    stages.dmsToStream = { lagMs: Math.max(0, input.cdcLatencyTargetS - (input.cdcLatencySourceS ?? 0)) * 1000, from: 'AWS/DMS CDCLatencyTarget − CDCLatencySource' };
  }
  if (input.consumerLagMs !== undefined) stages.streamToConsumer = { lagMs: input.consumerLagMs, from: input.consumerFrom ?? 'consumer' };
  if (input.firehoseFreshnessS !== undefined) stages.streamToS3 = { lagMs: input.firehoseFreshnessS * 1000, from: 'AWS/Firehose DeliveryToS3.DataFreshness' };
  let slowest: StageName | undefined;
  for (const name of STAGE_NAMES) {
    const s = stages[name];
    if (s && (slowest === undefined || s.lagMs > stages[slowest]!.lagMs)) slowest = name;
  }
  if (slowest) stages.slowest = slowest;
  if (stages.sourceToDms || stages.dmsToStream) {
    const downstream = Math.max(stages.streamToConsumer?.lagMs ?? 0, stages.streamToS3?.lagMs ?? 0);
    stages.endToEndMs = (stages.sourceToDms?.lagMs ?? 0) + (stages.dmsToStream?.lagMs ?? 0) + downstream;
  }
  return stages;
}

// ---------------------------------------------------------------------------------------------
// The report (what `lag --json` prints, without schemaVersion)
// ---------------------------------------------------------------------------------------------

/**
 * Where one run reads the consumer's position: a KCL lease table, a tail checkpoint file, a named
 * consumer's own lag metric (EFO, Lambda, Flink, Firehose), or the stream's metrics.
 */
export type LagSource =
  | { kind: 'kcl'; app: string; table: string }
  | { kind: 'checkpoint'; path: string }
  | { kind: MetricConsumerKind; consumer: string }
  | { kind: 'stream-metrics' };

export type MetricLagSource = Extract<LagSource, { kind: MetricConsumerKind | 'stream-metrics' }>;

export type LagSourceKind = LagSource['kind'];

export interface ShardLagReport {
  shardId: string;
  parentShardIds: string[];
  closed: boolean;
  lagMs: number;
  status: LagStatus;
  reason: string;
  owner?: string;
  leaseCounter?: number;
  ownerSwitchesSinceCheckpoint?: number;
  checkpoint?: string;
  checkpointSubSequenceNumber?: number;
  /** now − arrival of the checkpointed (last processed) record. */
  checkpointAgeMs?: number;
  firstUnprocessedArrivalTime?: string;
  /** When this shard's lag was measured (right after its GetRecords call): lagMs = measuredAt − firstUnprocessedArrivalTime. */
  measuredAt?: string;
  recordsBehind?: number;
  /** false: recordsBehind is a lower bound (one GetRecords call could not see them all). */
  recordsBehindExact?: boolean;
  note?: string;
}

/** A consumer or stream seen only as a whole (EFO consumer, stream-level iterator age). */
export interface AggregateLagReport {
  scope: 'consumer' | 'stream';
  metric: string;
  lagMs: number;
  status: LagStatus;
  reason: string;
}

export interface LagReport {
  stream: string;
  source: LagSourceKind;
  app?: string;
  leaseTable?: string;
  checkpointFile?: string;
  efoConsumer?: string;
  /** The consumer read through its own metric (EFO, Lambda, Flink, Firehose). */
  consumer?: ConsumerRef;
  status: LagStatus;
  reason: string;
  maxLagMs: number;
  thresholdMs: number;
  windowMs: number;
  evaluatedAt: string;
  shards: ShardLagReport[];
  aggregate?: AggregateLagReport;
  stages: Stages;
  throttling?: { readThrottledSum: number; writeThrottledSum: number };
  notes: string[];
}
