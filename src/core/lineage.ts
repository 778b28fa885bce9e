/**
 * Shard lineage (pure): which shards a reader reads, where each one starts, and when.
 *
 * Kinesis keeps per-key order across resharding only if a parent shard is read to its end before
 * its children (Kinesis Data Streams Developer Guide, After Resharding): one parent after a split, two after a merge.
 * A child therefore starts only once every parent that is in the read set is done. Parents that
 * are not in the read set (expired past retention and gone from ListShards, closed before a
 * `latest` start, or outside a --shard selection) do not hold a child back.
 */
import { NotFoundError, UsageError } from '../errors.js';
import type { CheckpointFile } from './checkpoint.js';
import { parseDurationMs, parseIsoTimeFlag } from './units.js';

/** The fields of a ListShards `Shard` this module needs (structurally compatible with the SDK type). */
export interface ShardLike {
  ShardId?: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  SequenceNumberRange?: { StartingSequenceNumber?: string; EndingSequenceNumber?: string };
}

/** A `ChildShards` entry of GetRecords / SubscribeToShard. */
export interface ChildShardLike {
  ShardId?: string;
  ParentShards?: string[];
}

/** Where a shard iterator (or an EFO subscription) starts: the GetShardIterator types. */
export type StartPosition =
  | { type: 'LATEST' }
  | { type: 'TRIM_HORIZON' }
  | { type: 'AT_TIMESTAMP'; timestamp: Date }
  /** `skipThroughSubSequenceNumber`: resume inside a KPL aggregate, dropping its user records up to and including this one. */
  | { type: 'AT_SEQUENCE_NUMBER'; sequenceNumber: string; skipThroughSubSequenceNumber?: number }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

/** The parsed `--from` flag. */
export type FromSpec =
  | { kind: 'latest' }
  | { kind: 'trim-horizon' }
  | { kind: 'timestamp'; at: Date }
  | { kind: 'sequence'; sequenceNumber: string }
  | { kind: 'checkpoint'; path: string };

/** `--from` with the checkpoint file read. */
export type ReadFrom = Exclude<FromSpec, { kind: 'checkpoint' }> | { kind: 'checkpoint'; checkpoint: CheckpointFile };

const FROM_ACCEPTS = "latest, trim-horizon, an ISO-8601 time, -<duration> (e.g. -15m), seq:<sequenceNumber> or checkpoint:<file>";

export function parseFromFlag(raw: string, now: Date, flag = '--from'): FromSpec {
  const text = raw.trim();
  if (text === 'latest') return { kind: 'latest' };
  if (text === 'trim-horizon') return { kind: 'trim-horizon' };
  if (text.startsWith('seq:')) {
    const sequenceNumber = text.slice(4);
    if (!/^\d{1,128}$/.test(sequenceNumber)) throw new UsageError(`${flag}: seq: needs a decimal sequence number, got '${raw}'`);
    return { kind: 'sequence', sequenceNumber };
  }
  if (text.startsWith('checkpoint:')) {
    const path = text.slice('checkpoint:'.length);
    if (!path) throw new UsageError(`${flag}: checkpoint: needs a file path, got '${raw}'`);
    return { kind: 'checkpoint', path };
  }
  if (text.startsWith('-')) {
    const ms = parseDurationMs(text.slice(1));
    if (ms === null) throw new UsageError(`${flag}: expected ${FROM_ACCEPTS}, got '${raw}'`);
    return { kind: 'timestamp', at: new Date(now.getTime() - ms) };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = parseIsoTimeFlag(flag, text);
    // GetShardIterator refuses an AT_TIMESTAMP in the future (InvalidArgumentException): say so before any call.
    if (at.getTime() > now.getTime()) throw new UsageError(`${flag}: ${text} is in the future (now is ${now.toISOString()}); expected a past time, or latest to wait for new records`);
    return { kind: 'timestamp', at };
  }
  throw new UsageError(`${flag}: expected ${FROM_ACCEPTS}, got '${raw}'`);
}

/** `--until`: an ISO-8601 time, or ±<duration> from now. */
export function parseUntilFlag(raw: string, now: Date, flag = '--until'): Date {
  const rel = /^([+-])(.+)$/.exec(raw.trim());
  if (rel) {
    const ms = parseDurationMs(rel[2]!);
    if (ms === null) throw new UsageError(`${flag}: expected an ISO-8601 time or ±<duration> (e.g. -5m), got '${raw}'`);
    return new Date(now.getTime() + (rel[1] === '-' ? -ms : ms));
  }
  return parseIsoTimeFlag(flag, raw);
}

/** `shardId-000000000003`, `000000000003` and `3` all name the same shard; null when it is none of these. */
export function normalizeShardId(raw: string): string | null {
  const text = raw.trim();
  if (/^shardId-\d{12}$/.test(text)) return text;
  if (/^\d{1,12}$/.test(text)) return `shardId-${text.padStart(12, '0')}`;
  return null;
}

/** Validates `--shard` values against the stream's shards; returns their full ids in the order given, without repeats. */
export function selectShards(shards: ShardLike[], requested: string[], stream: string, flag = '--shard'): string[] {
  const known = new Set(shards.map((s) => s.ShardId!));
  const out: string[] = [];
  for (const raw of requested.flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean)) {
    const id = normalizeShardId(raw);
    if (!id) throw new UsageError(`${flag}: expected a shard id such as shardId-000000000003 (or 3), got '${raw}'`);
    if (!known.has(id)) {
      throw new NotFoundError(`${flag}: stream '${stream}' has no shard ${id}`, `its shards: ${[...known].sort().join(', ') || 'none'}`);
    }
    if (!out.includes(id)) out.push(id);
  }
  if (requested.length > 0 && out.length === 0) throw new UsageError(`${flag}: expected at least one shard id`);
  return out;
}

export interface ReadPlan {
  /** The shards read from the start, with the position each one starts at. */
  start: Map<string, StartPosition>;
  /** Shards that count as read to their end already (closed in the checkpoint). */
  done: Set<string>;
  /** Where a child shard starts once its parents are done. */
  descendantStart: StartPosition;
  /** What the user should know about the plan (checkpoint shards that expired, shards missing from it). */
  warnings: string[];
}

export function parentsOf(shard: ShardLike): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => Boolean(p));
}

export function isClosed(shard: ShardLike): boolean {
  return Boolean(shard.SequenceNumberRange?.EndingSequenceNumber);
}

/**
 * Decides the read set and start positions.
 * - latest: the open shards (a closed shard has nothing new); children found later from TRIM_HORIZON.
 * - trim-horizon: every listed shard from TRIM_HORIZON.
 * - timestamp: every listed shard, children too, AT_TIMESTAMP: a child created before the time may hold older records.
 * - sequence: the one selected shard AT_SEQUENCE_NUMBER (a sequence number does not say its shard, so
 *   `seq:` needs `--shard`), its descendants from TRIM_HORIZON.
 * - checkpoint: checkpointed shards AFTER_SEQUENCE_NUMBER (AT_SEQUENCE_NUMBER plus a skip inside a KPL
 *   aggregate); shards closed in it count as done so their children start; descendants of checkpointed
 *   shards from TRIM_HORIZON; their ancestors are skipped (read before the checkpointed shard). A shard that
 *   is none of these had nothing read from it when the checkpoint was written: it is read from
 *   TRIM_HORIZON so nothing is missed (this may repeat records older than the first tail), with a warning.
 * With a --shard selection the read set is the selected shards and their descendants.
 */
export function planRead(shards: ShardLike[], from: ReadFrom, selected: string[] = []): ReadPlan {
  const byId = new Map(shards.map((s) => [s.ShardId!, s]));
  const children = childrenIndex(shards);
  const scope = selected.length > 0 ? descendantsOf(selected, children, true) : new Set(byId.keys());
  const inScope = shards.filter((s) => scope.has(s.ShardId!));
  const start = new Map<string, StartPosition>();
  const done = new Set<string>();
  const warnings: string[] = [];
  const trim: StartPosition = { type: 'TRIM_HORIZON' };

  switch (from.kind) {
    case 'latest':
      for (const s of inScope) if (!isClosed(s)) start.set(s.ShardId!, { type: 'LATEST' });
      return { start, done, descendantStart: trim, warnings };
    case 'trim-horizon':
      for (const s of inScope) start.set(s.ShardId!, trim);
      return { start, done, descendantStart: trim, warnings };
    case 'timestamp': {
      const at: StartPosition = { type: 'AT_TIMESTAMP', timestamp: from.at };
      for (const s of inScope) start.set(s.ShardId!, at);
      return { start, done, descendantStart: at, warnings };
    }
    case 'sequence': {
      if (selected.length !== 1) {
        throw new UsageError('--from seq:<n> needs exactly one --shard: a sequence number does not say which shard holds it', 'copy the shardId printed beside the sequence number');
      }
      const [root] = selected as [string];
      for (const s of inScope) start.set(s.ShardId!, s.ShardId === root ? { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: from.sequenceNumber } : trim);
      return { start, done, descendantStart: trim, warnings };
    }
    case 'checkpoint': {
      const cp = from.checkpoint.shards;
      const cpIds = Object.keys(cp);
      const expired = cpIds.filter((id) => !byId.has(id));
      if (expired.length) warnings.push(`checkpoint shards no longer in the stream (expired): ${expired.join(', ')}; their children are read from TRIM_HORIZON`);
      // Descendants: reachable from a checkpointed shard, including through a checkpointed parent that has expired.
      const descendants = descendantsOf(cpIds, children, false);
      const ancestors = ancestorsOf(cpIds.filter((id) => byId.has(id)), byId);
      const unrelated: string[] = [];
      for (const s of inScope) {
        const id = s.ShardId!;
        const entry = cp[id];
        if (entry?.closed) done.add(id);
        else if (entry) {
          start.set(
            id,
            entry.subSequenceNumber !== undefined
              ? { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: entry.sequenceNumber, skipThroughSubSequenceNumber: entry.subSequenceNumber }
              : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: entry.sequenceNumber },
          );
        } else if (descendants.has(id)) start.set(id, trim);
        else if (!ancestors.has(id)) {
          start.set(id, trim);
          unrelated.push(id);
        }
      }
      if (unrelated.length) warnings.push(`shards not in the checkpoint, read from TRIM_HORIZON: ${unrelated.join(', ')}`);
      return { start, done, descendantStart: trim, warnings };
    }
  }
}

function childrenIndex(shards: ShardLike[]): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const s of shards) {
    for (const p of parentsOf(s)) {
      const list = children.get(p) ?? [];
      list.push(s.ShardId!);
      children.set(p, list);
    }
  }
  return children;
}

function descendantsOf(roots: string[], children: Map<string, string[]>, includeRoots: boolean): Set<string> {
  const out = new Set<string>(includeRoots ? roots : []);
  const queue = [...roots];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const c of children.get(id) ?? []) {
      if (!out.has(c)) {
        out.add(c);
        queue.push(c);
      }
    }
  }
  return out;
}

function ancestorsOf(ids: string[], byId: Map<string, ShardLike>): Set<string> {
  const out = new Set<string>();
  const queue = ids.flatMap((id) => parentsOf(byId.get(id)!));
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (out.has(id)) continue;
    out.add(id);
    const s = byId.get(id);
    if (s) queue.push(...parentsOf(s));
  }
  return out;
}

export type ShardState = 'waiting' | 'reading' | 'done' | 'stopped';

/**
 * Tracks the read set while reading: which shards may start now, and children found at a shard's end.
 * `done` = read to SHARD_END (its children may start); `stopped` = left before its end (caught up in
 * --until-end, past --until, or the read was stopped): its children never start.
 */
export class LineageTracker {
  private readonly state = new Map<string, ShardState>();
  private readonly parents = new Map<string, string[]>();
  private readonly startAt = new Map<string, StartPosition>();
  private readonly listedChildren: Map<string, string[]>;
  private readonly listedParents = new Map<string, string[]>();

  constructor(
    shards: ShardLike[],
    private readonly plan: ReadPlan,
  ) {
    this.listedChildren = childrenIndex(shards);
    for (const s of shards) this.listedParents.set(s.ShardId!, parentsOf(s));
    for (const [id, pos] of plan.start) this.track(id, this.listedParents.get(id) ?? [], pos);
    for (const id of plan.done) {
      this.parents.set(id, this.listedParents.get(id) ?? []);
      this.state.set(id, 'done');
    }
  }

  /**
   * Shards whose parents in the read set are all done, marked `reading`, with their start positions.
   * Call it after every change; it returns each shard once.
   */
  takeReady(): { shardId: string; start: StartPosition }[] {
    const ready: { shardId: string; start: StartPosition }[] = [];
    for (const [id, st] of this.state) {
      if (st !== 'waiting') continue;
      const blocked = (this.parents.get(id) ?? []).some((p) => this.state.has(p) && this.state.get(p) !== 'done');
      if (blocked) continue;
      this.state.set(id, 'reading');
      ready.push({ shardId: id, start: this.startAt.get(id)! });
    }
    return ready;
  }

  /**
   * The shard was read to SHARD_END. `childShards` from the last GetRecords / SubscribeToShard event;
   * when the server sent none (kinesis-local's SubscribeToShard does not), the children known from
   * ListShards are used.
   */
  finish(shardId: string, childShards?: ChildShardLike[]): void {
    const kids: ChildShardLike[] =
      childShards && childShards.length > 0
        ? childShards
        : (this.listedChildren.get(shardId) ?? []).map((c) => ({ ShardId: c, ParentShards: this.listedParents.get(c) ?? [shardId] }));
    for (const c of kids) {
      if (!c.ShardId) continue;
      const parents = c.ParentShards && c.ParentShards.length > 0 ? c.ParentShards : [shardId];
      if (!this.state.has(c.ShardId)) this.track(c.ShardId, parents, this.plan.descendantStart);
      else this.parents.set(c.ShardId, [...new Set([...(this.parents.get(c.ShardId) ?? []), ...parents])]);
    }
    this.state.set(shardId, 'done');
  }

  /** The shard stopped before its end: its children never start. */
  stop(shardId: string): void {
    this.state.set(shardId, 'stopped');
  }

  stateOf(shardId: string): ShardState | undefined {
    return this.state.get(shardId);
  }

  /** Shards being read now. */
  get reading(): number {
    let n = 0;
    for (const st of this.state.values()) if (st === 'reading') n++;
    return n;
  }

  /** Every shard in the read set, with its state (for the checkpoint and the summary). */
  snapshot(): Map<string, ShardState> {
    return new Map(this.state);
  }

  private track(id: string, parents: string[], start: StartPosition): void {
    this.state.set(id, 'waiting');
    this.parents.set(id, parents);
    this.startAt.set(id, start);
  }
}
