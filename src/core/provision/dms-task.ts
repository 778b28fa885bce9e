/**
 * The DMS replication: a task on a replication instance, or a DMS Serverless replication config, and
 * its start (AWS DMS API Reference, CreateReplicationTask, CreateReplicationConfig, StartReplicationTask,
 * StartReplication).
 */
import { checkTask } from '../doctor/dms.js';
import { UsageError } from '../../errors.js';
import { findBatchApplyEnabled, type DmsConfig, type PipelineConfig } from '../pipeline-schema.js';
import { canonicalJson, isSubset, parseJsonOrUndefined, tagList, type PlannedAction, type ResourceModel } from './model.js';
import { asJson, output, type AsJson, type Known, type Value } from './values.js';
import { cfnValue, withoutUndefined } from './cloudformation.js';
import { startDecision, type StartDecision, type StartType } from './dms-lifecycle.js';

export type { StartType } from './dms-lifecycle.js';

interface MappingRule {
  'rule-type': string;
  'rule-id': string;
  'rule-name': string;
  'rule-action': string;
  'object-locator': { 'schema-name': string; 'table-name': string };
  'mapping-parameters'?: Record<string, unknown>;
}

function splitTable(pattern: string): { 'schema-name': string; 'table-name': string } {
  const dot = pattern.indexOf('.');
  return { 'schema-name': pattern.slice(0, dot), 'table-name': pattern.slice(dot + 1) };
}

/**
 * DMS table mappings. The shorthand becomes selection rules (include, then exclude) and object-mapping
 * rules for the Kinesis partition key: `attribute-name` for the tables named in partitionKeys, listed
 * first, and `primary-key` for everything included (AWS DMS User Guide, "Using object mapping to migrate
 * data to a Kinesis data stream"). Raw tableMappings pass through unchanged.
 */
export function dmsTableMappings(task: DmsConfig['task']): { rules: MappingRule[] } | Record<string, unknown> {
  if (task.tableMappings !== undefined) {
    return typeof task.tableMappings === 'string' ? (JSON.parse(task.tableMappings) as Record<string, unknown>) : task.tableMappings;
  }
  const rules: MappingRule[] = [];
  let id = 0;
  const next = () => String(++id);
  const selection = (action: 'include' | 'exclude') => (pattern: string) => {
    const rid = next();
    rules.push({ 'rule-type': 'selection', 'rule-id': rid, 'rule-name': `${action}-${rid}`, 'rule-action': action, 'object-locator': splitTable(pattern) });
  };
  const partitionKey = (pattern: string, parameters: Record<string, unknown>) => {
    const rid = next();
    rules.push({ 'rule-type': 'object-mapping', 'rule-id': rid, 'rule-name': `partition-key-${rid}`, 'rule-action': 'map-record-to-record', 'object-locator': splitTable(pattern), 'mapping-parameters': parameters });
  };
  (task.include ?? []).forEach(selection('include'));
  (task.exclude ?? []).forEach(selection('exclude'));
  for (const [table, column] of Object.entries(task.partitionKeys ?? {})) partitionKey(table, { 'partition-key-type': 'attribute-name', 'partition-key-name': column });
  for (const pattern of task.include ?? []) partitionKey(pattern, { 'partition-key-type': 'primary-key' });
  return { rules };
}

/** A DMS `schema.table` pattern (% is the wildcard) as a matcher. */
function likePattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('%').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * The DMS guide ("Using object mapping to migrate data to a Kinesis data stream") does not say which
 * object-mapping rule wins when two match one table. The shorthand lists the per-table attribute-name rule
 * before (with a lower rule-id than) the include pattern's primary-key rule; a table both match is warned about.
 */
function mappingOverlapWarnings(cfg: PipelineConfig, serverless: boolean): string[] {
  const task = cfg.dms?.task;
  if (!task || Boolean(cfg.dms!.serverless) !== serverless || task.tableMappings !== undefined) return [];
  return Object.keys(task.partitionKeys ?? {}).flatMap((table) => {
    const also = (task.include ?? []).filter((p) => p !== table && p.includes('%') && likePattern(p).test(table));
    return also.length
      ? [`dms.task.partitionKeys: ${table} is also matched by include ${also.join(', ')}, whose rule keys by primary key; the DMS guide does not say which object-mapping rule wins (cdcpipe lists the ${table} rule first): check the partition keys of its records with cdcpipe tail`]
      : [];
  });
}

/** Task settings from the file (BeforeImageSettings and the rest), undefined to keep DMS's defaults. */
export function dmsTaskSettings(task: DmsConfig['task']): Record<string, unknown> | undefined {
  const batch = findBatchApplyEnabled(task.settings);
  // The schema refuses it already; kept here so no caller can build a task with it.
  if (batch) throw new UsageError(`dms.task.settings.${batch.join('.')}: BatchApplyEnabled is refused with a Kinesis target`);
  return task.settings && Object.keys(task.settings).length > 0 ? task.settings : undefined;
}

export interface DesiredReplication {
  id: string;
  migrationType: string;
  sourceEndpointArn: string;
  /** A task on this instance; absent for DMS Serverless. */
  replicationInstanceArn?: string;
  serverless?: { minDcu: number; maxDcu: number };
  tableMappings: Record<string, unknown>;
  settings?: Record<string, unknown>;
  tags?: { Key: string; Value: string }[];
  start: boolean;
  /** --restart-failed: a failed (or error-stopped) replication is started again. */
  restartFailed: boolean;
}

export interface ObservedTask {
  arn: string;
  status: string;
  migrationType: string;
  tableMappings: string;
  settings: string;
  sourceEndpointArn: string;
  targetEndpointArn: string;
  replicationInstanceArn: string;
  /** The task has run before (it has a start date), so the next start is resume-processing. */
  startedBefore: boolean;
  /** Why it stopped ("Stop Reason FULL_LOAD_ONLY_FINISHED", …), and why it last failed. */
  stopReason?: string;
  lastFailureMessage?: string;
  /** What doctor reads besides: the identifier and ReplicationTaskStats.TablesErrored. */
  identifier?: string;
  tablesErrored?: number;
}

export interface ObservedReplicationConfig {
  arn: string;
  replicationType: string;
  tableMappings: string;
  settings: string;
  sourceEndpointArn: string;
  targetEndpointArn: string;
  minDcu?: number;
  maxDcu?: number;
  /** The replication's status (DescribeReplications), undefined when it never ran. */
  status?: string;
  startedBefore: boolean;
  stopReason?: string;
  /** FailureMessages, joined. */
  failureMessage?: string;
}

export interface TaskRequest {
  create?: {
    ReplicationTaskIdentifier: string;
    SourceEndpointArn: string;
    TargetEndpointArn: Value;
    ReplicationInstanceArn: string;
    MigrationType: string;
    TableMappings: AsJson;
    ReplicationTaskSettings?: AsJson;
    Tags?: { Key: string; Value: string }[];
  };
  modify?: { ReplicationTaskArn: Value; MigrationType: string; TableMappings: AsJson; ReplicationTaskSettings?: AsJson };
  start?: { ReplicationTaskArn: Value; StartReplicationTaskType: StartType };
}

export interface ReplicationConfigRequest {
  create?: {
    ReplicationConfigIdentifier: string;
    SourceEndpointArn: string;
    TargetEndpointArn: Value;
    ComputeConfig: { MinCapacityUnits: number; MaxCapacityUnits: number };
    ReplicationType: string;
    TableMappings: AsJson;
    ReplicationSettings?: AsJson;
    Tags?: { Key: string; Value: string }[];
  };
  modify?: { ReplicationConfigArn: Value; ReplicationType: string; ComputeConfig: { MinCapacityUnits: number; MaxCapacityUnits: number }; TableMappings: AsJson; ReplicationSettings?: AsJson };
  start?: { ReplicationConfigArn: Value; StartReplicationType: StartType };
}

function desiredReplication(cfg: PipelineConfig, serverless: boolean, restartFailed = false): DesiredReplication[] {
  const dms = cfg.dms;
  if (!dms || Boolean(dms.serverless) !== serverless) return [];
  const settings = dmsTaskSettings(dms.task);
  const tags = tagList(cfg.tags);
  return [
    {
      id: dms.task.id,
      migrationType: dms.task.migrationType,
      sourceEndpointArn: dms.sourceEndpointArn,
      ...(dms.replicationInstanceArn ? { replicationInstanceArn: dms.replicationInstanceArn } : {}),
      ...(dms.serverless ? { serverless: dms.serverless } : {}),
      tableMappings: dmsTableMappings(dms.task),
      ...(settings ? { settings } : {}),
      ...(tags ? { tags } : {}),
      start: dms.task.start,
      restartFailed,
    },
  ];
}

const ruleCount = (mappings: Record<string, unknown>) => (Array.isArray(mappings.rules) ? mappings.rules.length : 0);

function planTask(d: DesiredReplication, observed: ObservedTask | null, known: Known): PlannedAction<TaskRequest>[] {
  const base = { resource: 'dms-task' as const, name: d.id };
  const settings = d.settings ? { ReplicationTaskSettings: asJson(d.settings) } : {};
  let main: PlannedAction<TaskRequest>;
  if (!observed) {
    const create = {
      ReplicationTaskIdentifier: d.id,
      SourceEndpointArn: d.sourceEndpointArn,
      TargetEndpointArn: output('endpointArn'),
      ReplicationInstanceArn: d.replicationInstanceArn!,
      MigrationType: d.migrationType,
      TableMappings: asJson(d.tableMappings),
      ...settings,
      ...(d.tags ? { Tags: d.tags } : {}),
    };
    main = { ...base, action: 'create', detail: `${d.migrationType}, ${ruleCount(d.tableMappings)} table-mapping rules`, request: { create } };
  } else if (observed.sourceEndpointArn !== d.sourceEndpointArn) {
    main = { ...base, action: 'drift', detail: `source endpoint is ${observed.sourceEndpointArn}, the file says ${d.sourceEndpointArn}: a task's endpoints cannot change in place` };
  } else if (known.endpointArn && observed.targetEndpointArn !== known.endpointArn) {
    main = { ...base, action: 'drift', detail: `target endpoint is ${observed.targetEndpointArn}, not ${known.endpointArn}: a task's endpoints cannot change in place` };
  } else if (d.replicationInstanceArn && observed.replicationInstanceArn !== d.replicationInstanceArn) {
    main = { ...base, action: 'drift', detail: `replication instance is ${observed.replicationInstanceArn}: move it with aws dms move-replication-task` };
  } else {
    const differs: string[] = [];
    if (observed.migrationType !== d.migrationType) differs.push(`migrationType ${observed.migrationType} → ${d.migrationType}`);
    if (canonicalJson(parseJsonOrUndefined(observed.tableMappings)) !== canonicalJson(d.tableMappings)) differs.push('table mappings');
    if (d.settings && !isSubset(d.settings, parseJsonOrUndefined(observed.settings))) differs.push('task settings');
    if (differs.length === 0) main = { ...base, action: 'none', detail: `${observed.arn} (${observed.status})` };
    // ModifyReplicationTask needs a stopped task (API ModifyReplicationTask); cdcpipe does not stop a running one for you.
    else if (!['ready', 'stopped', 'failed'].includes(observed.status)) {
      main = { ...base, action: 'drift', detail: `${differs.join('; ')}: the task is ${observed.status}; stop it (aws dms stop-replication-task) and re-run` };
    } else {
      const modify = { ReplicationTaskArn: observed.arn, MigrationType: d.migrationType, TableMappings: asJson(d.tableMappings), ...settings };
      main = { ...base, action: 'update', detail: differs.join('; '), request: { modify } };
    }
  }
  return withStart(main, d.start && main.action !== 'drift' ? startDecision(d.migrationType, observed && { status: observed.status, stopReason: observed.stopReason, failureMessage: observed.lastFailureMessage, startedBefore: observed.startedBefore }, { serverless: false, restartFailed: d.restartFailed }) : undefined, (type) => ({
    start: { ReplicationTaskArn: observed?.arn ?? output('taskArn'), StartReplicationTaskType: type },
  }));
}

/** The main action, then the start (last, once every consumer exists); a start that is not needed says why in the main action's detail. */
function withStart<R>(main: PlannedAction<R>, decision: StartDecision, request: (type: StartType) => R): PlannedAction<R>[] {
  if (!decision) return [main];
  const base = { resource: main.resource, name: main.name, last: true };
  if (decision.kind === 'none') return [main.action === 'none' ? { ...main, detail: `${main.detail}: ${decision.detail}` } : main];
  if (decision.kind === 'drift') return [main, { ...base, action: 'drift', detail: decision.detail }];
  return [main, { ...base, action: 'start', detail: decision.detail, request: request(decision.type) }];
}

function planReplicationConfig(d: DesiredReplication, observed: ObservedReplicationConfig | null, known: Known): PlannedAction<ReplicationConfigRequest>[] {
  const base = { resource: 'dms-replication-config' as const, name: d.id };
  const sl = d.serverless!;
  const compute = { MinCapacityUnits: sl.minDcu, MaxCapacityUnits: sl.maxDcu };
  const settings = d.settings ? { ReplicationSettings: asJson(d.settings) } : {};
  let main: PlannedAction<ReplicationConfigRequest>;
  if (!observed) {
    const create = {
      ReplicationConfigIdentifier: d.id,
      SourceEndpointArn: d.sourceEndpointArn,
      TargetEndpointArn: output('endpointArn'),
      ComputeConfig: compute,
      ReplicationType: d.migrationType,
      TableMappings: asJson(d.tableMappings),
      ...settings,
      ...(d.tags ? { Tags: d.tags } : {}),
    };
    main = { ...base, action: 'create', detail: `serverless ${sl.minDcu}-${sl.maxDcu} DCU, ${d.migrationType}`, request: { create } };
  } else if (observed.sourceEndpointArn !== d.sourceEndpointArn || (known.endpointArn && observed.targetEndpointArn !== known.endpointArn)) {
    main = { ...base, action: 'drift', detail: 'its endpoints differ from the file: they cannot change in place' };
  } else {
    const differs: string[] = [];
    if (observed.replicationType !== d.migrationType) differs.push(`migrationType ${observed.replicationType} → ${d.migrationType}`);
    if (observed.minDcu !== sl.minDcu || observed.maxDcu !== sl.maxDcu) differs.push(`DCU ${observed.minDcu}-${observed.maxDcu} → ${sl.minDcu}-${sl.maxDcu}`);
    if (canonicalJson(parseJsonOrUndefined(observed.tableMappings)) !== canonicalJson(d.tableMappings)) differs.push('table mappings');
    if (d.settings && !isSubset(d.settings, parseJsonOrUndefined(observed.settings))) differs.push('replication settings');
    if (differs.length === 0) main = { ...base, action: 'none', detail: `${observed.arn}${observed.status ? ` (${observed.status})` : ''}` };
    else if (observed.status && !['stopped', 'failed', 'created'].includes(observed.status)) {
      main = { ...base, action: 'drift', detail: `${differs.join('; ')}: the replication is ${observed.status}; stop it (aws dms stop-replication) and re-run` };
    } else {
      const modify = { ReplicationConfigArn: observed.arn, ReplicationType: d.migrationType, ComputeConfig: compute, TableMappings: asJson(d.tableMappings), ...settings };
      main = { ...base, action: 'update', detail: differs.join('; '), request: { modify } };
    }
  }
  const state = observed && { ...(observed.status !== undefined ? { status: observed.status } : {}), stopReason: observed.stopReason, failureMessage: observed.failureMessage, startedBefore: observed.startedBefore };
  return withStart(main, d.start && main.action !== 'drift' ? startDecision(d.migrationType, state, { serverless: true, restartFailed: d.restartFailed }) : undefined, (type) => ({
    start: { ReplicationConfigArn: observed?.arn ?? output('replicationConfigArn'), StartReplicationType: type },
  }));
}

export const taskModel: ResourceModel<DesiredReplication, ObservedTask> = {
  kind: 'dms-task',
  sections: ['dms'],
  desired: (cfg, opts) => desiredReplication(cfg, false, opts.restartFailed),
  plan: planTask,
  check: checkTask,
  warnings: (cfg) => mappingOverlapWarnings(cfg, false),
  cloudFormation: (d) => ({
    resources: {
      DmsReplicationTask: {
        Type: 'AWS::DMS::ReplicationTask',
        Properties: withoutUndefined({
          ReplicationTaskIdentifier: d.id,
          MigrationType: d.migrationType,
          ReplicationInstanceArn: d.replicationInstanceArn,
          SourceEndpointArn: d.sourceEndpointArn,
          TargetEndpointArn: cfnValue(output('endpointArn')),
          TableMappings: JSON.stringify(d.tableMappings),
          ReplicationTaskSettings: d.settings ? JSON.stringify(d.settings) : undefined,
          Tags: d.tags,
        }),
      },
    },
    outputs: { DmsReplicationTaskArn: { Value: { Ref: 'DmsReplicationTask' } } },
    warnings: d.start ? ['CloudFormation creates the DMS task without starting it: start it with `cdcpipe provision` or aws dms start-replication-task'] : [],
  }),
};

export const replicationConfigModel: ResourceModel<DesiredReplication, ObservedReplicationConfig> = {
  kind: 'dms-replication-config',
  sections: ['dms'],
  desired: (cfg, opts) => desiredReplication(cfg, true, opts.restartFailed),
  plan: planReplicationConfig,
  warnings: (cfg) => mappingOverlapWarnings(cfg, true),
  cloudFormation: (d) => ({
    resources: {
      DmsReplicationConfig: {
        Type: 'AWS::DMS::ReplicationConfig',
        Properties: withoutUndefined({
          ReplicationConfigIdentifier: d.id,
          ReplicationType: d.migrationType,
          SourceEndpointArn: d.sourceEndpointArn,
          TargetEndpointArn: cfnValue(output('endpointArn')),
          ComputeConfig: { MinCapacityUnits: d.serverless!.minDcu, MaxCapacityUnits: d.serverless!.maxDcu },
          TableMappings: d.tableMappings,
          ReplicationSettings: d.settings,
          Tags: d.tags,
        }),
      },
    },
  }),
};
