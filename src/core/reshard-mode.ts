/** `cdcpipe reshard`'s flags → the one mode it runs in, validated (a bad flag is a UsageError naming it). Pure. */
import { UsageError } from '../errors.js';
import { parseHashKey } from './hash-range.js';
import { normalizeShardId } from './lineage.js';
import { MAX_SHARDS_PER_UPDATE, PARTITION_KEY_MAX_CHARS, UPDATE_SHARD_COUNT_CALLS_PER_24H } from './limits.js';
import { parseDurationFlag, parseNumberFlag } from './units.js';

export type ReshardMode =
  | { kind: 'to'; target: number; switchToProvisioned: boolean; budgetUsed?: number }
  | { kind: 'split'; shardId: string; at?: bigint; atKey?: string }
  | { kind: 'merge'; shardA: string; shardB: string }
  | { kind: 'rebalance' }
  | { kind: 'auto'; targetUtilization: number; sampleMs?: number; windowMs: number };

/** The flags as commander hands them over (--target-utilization and --window carry their defaults). */
export interface ReshardFlags {
  to?: string;
  switchToProvisioned?: boolean;
  budgetUsed?: string;
  split?: string;
  at?: string;
  atKey?: string;
  merge?: string[];
  rebalance?: boolean;
  auto?: boolean;
  targetUtilization?: string;
  sample?: string;
  window?: string;
  dryRun?: boolean;
  yes?: boolean;
}

export function parseReshardMode(f: ReshardFlags): ReshardMode {
  const chosen = (['to', 'split', 'merge', 'rebalance', 'auto'] as const).filter((k) => f[k] !== undefined && f[k] !== false);
  if (chosen.length !== 1) {
    throw new UsageError(`reshard: expected exactly one of --to, --split, --merge, --rebalance, --auto${chosen.length ? `, got ${chosen.map((c) => `--${c}`).join(' and ')}` : ''}`);
  }
  const only = (flag: string, present: unknown, owner: string) => {
    if (present !== undefined && present !== false && chosen[0] !== owner) throw new UsageError(`${flag} works only with --${owner}`);
  };
  only('--switch-to-provisioned', f.switchToProvisioned, 'to');
  only('--budget-used', f.budgetUsed, 'to');
  only('--at', f.at, 'split');
  only('--at-key', f.atKey, 'split');
  only('--sample', f.sample, 'auto');
  if (chosen[0] !== 'auto' && f.targetUtilization !== '0.8') only('--target-utilization', f.targetUtilization, 'auto');
  if (chosen[0] !== 'auto' && f.window !== '1h') only('--window', f.window, 'auto');

  switch (chosen[0]!) {
    case 'to':
      return {
        kind: 'to',
        target: parseNumberFlag('--to', f.to!, { min: 1, max: MAX_SHARDS_PER_UPDATE, integer: true }),
        switchToProvisioned: Boolean(f.switchToProvisioned),
        ...(f.budgetUsed !== undefined ? { budgetUsed: parseNumberFlag('--budget-used', f.budgetUsed, { min: 0, max: UPDATE_SHARD_COUNT_CALLS_PER_24H, integer: true }) } : {}),
      };
    case 'split': {
      if (f.at !== undefined && f.atKey !== undefined) throw new UsageError('--split: give --at <hashKey> or --at-key <partitionKey>, not both');
      const shardId = normalizeShardId(f.split!);
      if (!shardId) throw new UsageError(`--split: expected a shard id such as shardId-000000000003 (or 3), got '${f.split}'`);
      let at: bigint | undefined;
      if (f.at !== undefined) {
        const parsed = parseHashKey(f.at);
        if (parsed === null) throw new UsageError(`--at: expected a decimal hash key 0..340282366920938463463374607431768211455, got '${f.at}'`);
        at = parsed;
      }
      if (f.atKey !== undefined && (f.atKey.length < 1 || f.atKey.length > PARTITION_KEY_MAX_CHARS)) throw new UsageError(`--at-key: expected a partition key of 1..${PARTITION_KEY_MAX_CHARS} characters`);
      return { kind: 'split', shardId, ...(at !== undefined ? { at } : {}), ...(f.atKey !== undefined ? { atKey: f.atKey } : {}) };
    }
    case 'merge': {
      const shards = f.merge!;
      if (shards.length !== 2) throw new UsageError(`--merge: expected two shard ids (--merge <shardA> <shardB>), got ${shards.length}`);
      const [shardA, shardB] = shards.map((raw) => {
        const id = normalizeShardId(raw);
        if (!id) throw new UsageError(`--merge: expected a shard id such as shardId-000000000003 (or 3), got '${raw}'`);
        return id;
      });
      return { kind: 'merge', shardA: shardA!, shardB: shardB! };
    }
    case 'rebalance':
      return { kind: 'rebalance' };
    case 'auto':
      return {
        kind: 'auto',
        targetUtilization: parseNumberFlag('--target-utilization', f.targetUtilization ?? '0.8', { min: 0, minExclusive: true, max: 1 }),
        windowMs: parseDurationFlag('--window', f.window ?? '1h', { minMs: 60_000 }),
        ...(f.sample !== undefined ? { sampleMs: parseDurationFlag('--sample', f.sample, { minMs: 1000 }) } : {}),
      };
  }
}
