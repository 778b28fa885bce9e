/** The Kinesis data stream of a pipeline file: what it should be, and the calls that get it there. */
import { checkStream } from '../doctor/stream.js';
import { planCapacity } from '../capacity.js';
import { ADD_TAGS_MAX_PER_CALL, UPDATE_SHARD_COUNT_MAX_FACTOR } from '../limits.js';
import { SHARD_LEVEL_METRICS, type PipelineConfig } from '../pipeline-schema.js';
import { tagList, type PlannedAction, type ResourceModel } from './model.js';
import { output, type Value } from './values.js';
import { withoutUndefined } from './cloudformation.js';

export type StreamMode = 'provisioned' | 'on-demand';

/** One change to an existing stream; each is one Kinesis call (shards may take several). */
export type StreamChange =
  | { kind: 'mode'; from: StreamMode; to: StreamMode }
  | { kind: 'shards'; from: number; to: number }
  | { kind: 'retention'; from: number; to: number }
  | { kind: 'encryption'; from: string | undefined; to: string }
  | { kind: 'encryption-off'; from: string }
  | { kind: 'monitoring'; enable: string[]; disable: string[] }
  | { kind: 'max-record-size'; from: number; to: number }
  | { kind: 'tags'; add: Record<string, string> };

export interface DesiredStream {
  name: string;
  mode: StreamMode;
  /** Provisioned shard count (after `auto`); undefined for on-demand. */
  shardCount?: number;
  retentionHours: number;
  kmsKeyId?: string;
  shardLevelMetrics: string[];
  maxRecordSizeKiB?: number;
  tags: Record<string, string>;
}

export interface ObservedStream {
  arn: string;
  status: string;
  mode: StreamMode;
  openShards: number;
  retentionHours: number;
  /** undefined: not encrypted. */
  kmsKeyId?: string;
  shardLevelMetrics: string[];
  maxRecordSizeKiB: number;
  tags: Record<string, string>;
}

/** One Kinesis request: the API operation and its input, with the stream named. */
export type StreamCall =
  | { op: 'CreateStream'; input: { StreamName: string; ShardCount?: number; StreamModeDetails: { StreamMode: 'ON_DEMAND' | 'PROVISIONED' }; MaxRecordSizeInKiB?: number } }
  | { op: 'UpdateStreamMode'; input: { StreamARN: Value; StreamModeDetails: { StreamMode: 'ON_DEMAND' | 'PROVISIONED' } } }
  | { op: 'UpdateShardCount'; input: { StreamName: string; TargetShardCount: number; ScalingType: 'UNIFORM_SCALING' } }
  | { op: 'IncreaseStreamRetentionPeriod' | 'DecreaseStreamRetentionPeriod'; input: { StreamName: string; RetentionPeriodHours: number } }
  | { op: 'StartStreamEncryption' | 'StopStreamEncryption'; input: { StreamName: string; EncryptionType: 'KMS'; KeyId: string } }
  | { op: 'EnableEnhancedMonitoring' | 'DisableEnhancedMonitoring'; input: { StreamName: string; ShardLevelMetrics: string[] } }
  | { op: 'UpdateMaxRecordSize'; input: { StreamARN: Value; MaxRecordSizeInKiB: number } }
  | { op: 'AddTagsToStream'; input: { StreamName: string; Tags: Record<string, string> } };

/** The stream's requests, in the order they are sent; each waits for ACTIVE before the next. */
export interface StreamRequest {
  calls: StreamCall[];
}

/** Shard count for the file: the number, or `auto` sized by the capacity calculator. */
export function desiredShardCount(cfg: PipelineConfig): number | undefined {
  const s = cfg.stream;
  if (s.mode === 'on-demand') return undefined;
  if (typeof s.shards === 'number') return s.shards;
  const cap = s.capacity!;
  const plan = planCapacity({
    rps: cap.rps,
    kb: cap.kb,
    ...(cap.peak !== undefined ? { peak: cap.peak } : {}),
    ...(cap.consumers !== undefined ? { consumers: cap.consumers } : {}),
    ...(cap.efoConsumers !== undefined ? { efoConsumers: cap.efoConsumers } : {}),
    ...(cap.utilization !== undefined ? { utilization: cap.utilization } : {}),
    retentionHours: s.retentionHours,
  });
  return plan.shards.recommended;
}

export function desiredStream(cfg: PipelineConfig): DesiredStream {
  const s = cfg.stream;
  const m = s.enhancedMonitoring;
  const shardCount = desiredShardCount(cfg);
  return {
    name: s.name,
    mode: s.mode,
    ...(shardCount !== undefined ? { shardCount } : {}),
    retentionHours: s.retentionHours,
    ...(s.encryption ? { kmsKeyId: s.encryption.kmsKeyId } : {}),
    shardLevelMetrics: m.includes('ALL') ? [...SHARD_LEVEL_METRICS] : [...new Set(m)].sort(),
    ...(s.maxRecordSizeKiB ? { maxRecordSizeKiB: s.maxRecordSizeKiB } : {}),
    tags: cfg.tags ?? {},
  };
}

/** UpdateShardCount targets from `from` to `to`, each at most ×2 or ÷2 of the last (API UpdateShardCount). */
export function shardSteps(from: number, to: number): number[] {
  const steps: number[] = [];
  let cur = from;
  while (cur !== to) {
    cur = to > cur ? Math.min(to, cur * UPDATE_SHARD_COUNT_MAX_FACTOR) : Math.max(to, Math.ceil(cur / UPDATE_SHARD_COUNT_MAX_FACTOR));
    steps.push(cur);
  }
  return steps;
}

export function describeStreamChange(c: StreamChange): string {
  switch (c.kind) {
    case 'mode':
      return `mode ${c.from} → ${c.to}`;
    case 'shards':
      return `shards ${c.from} → ${c.to}${shardSteps(c.from, c.to).length > 1 ? ` (${shardSteps(c.from, c.to).length} UpdateShardCount steps)` : ''}`;
    case 'retention':
      return `retention ${c.from} h → ${c.to} h`;
    case 'encryption':
      return `encryption ${c.from ? `KMS ${c.from}` : 'none'} → KMS ${c.to}`;
    case 'encryption-off':
      return `encryption KMS ${c.from} → none`;
    case 'monitoring':
      return `enhanced monitoring${c.enable.length ? ` +${c.enable.join(',')}` : ''}${c.disable.length ? ` -${c.disable.join(',')}` : ''}`;
    case 'max-record-size':
      return `max record size ${c.from} KiB → ${c.to} KiB`;
    case 'tags':
      return `tags ${Object.keys(c.add).join(', ')}`;
  }
}

/**
 * Whether the key DescribeStreamSummary reports is the file's key. Its KeyId "can be a globally unique
 * identifier, a fully specified ARN to either an alias or a key, or an alias name prefixed by alias/"
 * (Kinesis API Reference, StreamDescriptionSummary), so an alias may come back as an alias ARN and a key
 * id as a key ARN. An alias against a key id or key ARN cannot be compared without KMS: 'unknown'.
 */
export function sameKmsKey(wanted: string, reported: string): 'same' | 'different' | 'unknown' {
  const norm = (k: string) => {
    const arn = /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:(alias\/.+|key\/.+)$/.exec(k);
    const bare = arn ? arn[1]! : k;
    return bare.startsWith('alias/') ? { kind: 'alias', id: bare } : { kind: 'key', id: bare.replace(/^key\//, '') };
  };
  const [a, b] = [norm(wanted), norm(reported)];
  if (a.kind !== b.kind) return 'unknown';
  return a.id === b.id ? 'same' : 'different';
}

const modeName = (m: StreamMode) => (m === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED');

/** The requests one change takes. */
export function changeCalls(StreamName: string, c: StreamChange): StreamCall[] {
  switch (c.kind) {
    case 'mode':
      return [{ op: 'UpdateStreamMode', input: { StreamARN: output('streamArn'), StreamModeDetails: { StreamMode: modeName(c.to) } } }];
    case 'shards':
      return shardSteps(c.from, c.to).map((TargetShardCount) => ({ op: 'UpdateShardCount', input: { StreamName, TargetShardCount, ScalingType: 'UNIFORM_SCALING' } }));
    case 'retention':
      return [{ op: c.to > c.from ? 'IncreaseStreamRetentionPeriod' : 'DecreaseStreamRetentionPeriod', input: { StreamName, RetentionPeriodHours: c.to } }];
    case 'encryption':
      return [{ op: 'StartStreamEncryption', input: { StreamName, EncryptionType: 'KMS', KeyId: c.to } }];
    case 'encryption-off':
      return [{ op: 'StopStreamEncryption', input: { StreamName, EncryptionType: 'KMS', KeyId: c.from } }];
    case 'monitoring':
      return [
        ...(c.enable.length ? [{ op: 'EnableEnhancedMonitoring' as const, input: { StreamName, ShardLevelMetrics: c.enable } }] : []),
        ...(c.disable.length ? [{ op: 'DisableEnhancedMonitoring' as const, input: { StreamName, ShardLevelMetrics: c.disable } }] : []),
      ];
    case 'max-record-size':
      return [{ op: 'UpdateMaxRecordSize', input: { StreamARN: output('streamArn'), MaxRecordSizeInKiB: c.to } }];
    case 'tags': {
      const entries = Object.entries(c.add);
      const calls: StreamCall[] = [];
      for (let i = 0; i < entries.length; i += ADD_TAGS_MAX_PER_CALL) calls.push({ op: 'AddTagsToStream', input: { StreamName, Tags: Object.fromEntries(entries.slice(i, i + ADD_TAGS_MAX_PER_CALL)) } });
      return calls;
    }
  }
}

function planStream(d: DesiredStream, observed: ObservedStream | null): PlannedAction<StreamRequest>[] {
  const resource = 'kinesis-stream';
  if (!observed) {
    // CreateStream takes mode, shards and record size; retention, encryption, monitoring and tags follow.
    const after: StreamChange[] = [];
    if (d.retentionHours !== 24) after.push({ kind: 'retention', from: 24, to: d.retentionHours });
    if (d.kmsKeyId) after.push({ kind: 'encryption', from: undefined, to: d.kmsKeyId });
    if (d.shardLevelMetrics.length) after.push({ kind: 'monitoring', enable: d.shardLevelMetrics, disable: [] });
    if (Object.keys(d.tags).length) after.push({ kind: 'tags', add: d.tags });
    const create: StreamCall = {
      op: 'CreateStream',
      input: {
        StreamName: d.name,
        ...(d.mode === 'provisioned' ? { ShardCount: d.shardCount! } : {}),
        StreamModeDetails: { StreamMode: modeName(d.mode) },
        ...(d.maxRecordSizeKiB ? { MaxRecordSizeInKiB: d.maxRecordSizeKiB } : {}),
      },
    };
    const parts = [
      d.mode === 'on-demand' ? 'on-demand' : `${d.shardCount} shard${d.shardCount === 1 ? '' : 's'}`,
      `${d.retentionHours} h retention`,
      d.kmsKeyId ? `KMS ${d.kmsKeyId}` : 'not encrypted',
      ...(d.shardLevelMetrics.length ? [`enhanced monitoring ${d.shardLevelMetrics.join(',')}`] : []),
      ...(d.maxRecordSizeKiB ? [`max record ${d.maxRecordSizeKiB} KiB`] : []),
    ];
    return [{ resource, name: d.name, action: 'create', detail: parts.join(', '), request: { calls: [create, ...after.flatMap((c) => changeCalls(d.name, c))] } }];
  }
  if (observed.status === 'DELETING') {
    return [{ resource, name: d.name, action: 'drift', detail: 'the stream is being deleted; re-run once it is gone' }];
  }
  const changes: StreamChange[] = [];
  if (observed.mode !== d.mode) changes.push({ kind: 'mode', from: observed.mode, to: d.mode });
  if (d.mode === 'provisioned' && d.shardCount !== undefined && observed.openShards !== d.shardCount) changes.push({ kind: 'shards', from: observed.openShards, to: d.shardCount });
  if (observed.retentionHours !== d.retentionHours) changes.push({ kind: 'retention', from: observed.retentionHours, to: d.retentionHours });
  const key = d.kmsKeyId && observed.kmsKeyId ? sameKmsKey(d.kmsKeyId, observed.kmsKeyId) : undefined;
  if (d.kmsKeyId && (!observed.kmsKeyId || key === 'different')) changes.push({ kind: 'encryption', from: observed.kmsKeyId, to: d.kmsKeyId });
  if (!d.kmsKeyId && observed.kmsKeyId) changes.push({ kind: 'encryption-off', from: observed.kmsKeyId });
  const have = new Set(observed.shardLevelMetrics.includes('ALL') ? SHARD_LEVEL_METRICS : observed.shardLevelMetrics);
  const enable = d.shardLevelMetrics.filter((m) => !have.has(m));
  const disable = [...have].filter((m) => !d.shardLevelMetrics.includes(m)).sort();
  if (enable.length || disable.length) changes.push({ kind: 'monitoring', enable, disable });
  const wantMax = d.maxRecordSizeKiB ?? observed.maxRecordSizeKiB;
  if (wantMax !== observed.maxRecordSizeKiB) changes.push({ kind: 'max-record-size', from: observed.maxRecordSizeKiB, to: wantMax });
  const addTags = Object.fromEntries(Object.entries(d.tags).filter(([k, v]) => observed.tags[k] !== v));
  if (Object.keys(addTags).length) changes.push({ kind: 'tags', add: addTags });
  if (changes.length === 0) {
    const shape = observed.mode === 'on-demand' ? 'on-demand' : `${observed.openShards} shards`;
    const unknown = key === 'unknown' ? ` (the file's ${d.kmsKeyId} is not compared with a key id or key ARN: that needs KMS; give the key in the form AWS reports to compare it)` : '';
    return [{ resource, name: d.name, action: 'none', detail: `${shape}, ${observed.retentionHours} h retention, ${observed.kmsKeyId ? `KMS ${observed.kmsKeyId}${unknown}` : 'not encrypted'}` }];
  }
  return [{ resource, name: d.name, action: 'update', detail: changes.map(describeStreamChange).join('; '), request: { calls: changes.flatMap((c) => changeCalls(d.name, c)) } }];
}

export const streamModel: ResourceModel<DesiredStream, ObservedStream> = {
  kind: 'kinesis-stream',
  sections: ['stream'],
  desired: (cfg) => [desiredStream(cfg)],
  check: checkStream,
  plan: (d, observed) => planStream(d, observed),
  cloudFormation: (d) => ({
    resources: {
      Stream: {
        Type: 'AWS::Kinesis::Stream',
        Properties: withoutUndefined({
          Name: d.name,
          StreamModeDetails: { StreamMode: modeName(d.mode) },
          ShardCount: d.shardCount,
          RetentionPeriodHours: d.retentionHours,
          StreamEncryption: d.kmsKeyId ? { EncryptionType: 'KMS', KeyId: d.kmsKeyId } : undefined,
          DesiredShardLevelMetrics: d.shardLevelMetrics.length ? d.shardLevelMetrics : undefined,
          MaxRecordSizeInKiB: d.maxRecordSizeKiB,
          Tags: tagList(d.tags),
        }),
      },
    },
    outputs: { StreamArn: { Value: { 'Fn::GetAtt': ['Stream', 'Arn'] } } },
  }),
};
