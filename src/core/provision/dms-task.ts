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

/** Task settings from the file (BeforeImageSettings and the rest), undefined to keep DMS's defaults. */
export function dmsTaskSettings(task: DmsConfig['task']): Record<string, unknown> | undefined {
  const batch = findBatchApplyEnabled(task.settings);
  // The schema refuses it already; kept here so no caller can build a task with it.
  if (batch) throw new UsageError(`dms.task.settings.${batch.join('.')}: BatchApplyEnabled is refused with a Kinesis target`);
  return task.settings && Object.keys(task.settings).length > 0 ? task.settings : undefined;
}

export type StartType = 'start-replication' | 'resume-processing';

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
  /** What doctor reads besides: the identifier, why it stopped, its last failure, ReplicationTaskStats.TablesErrored. */
  identifier?: string;
  stopReason?: string;
  lastFailureMessage?: string;
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

function desiredReplication(cfg: PipelineConfig, serverless: boolean): DesiredReplication[] {
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
  const start = d.start && main.action !== 'drift' ? planTaskStart(d, observed) : undefined;
  return start ? [main, start] : [main];
}

function planTaskStart(d: DesiredReplication, task: ObservedTask | null): PlannedAction<TaskRequest> | undefined {
  const base = { resource: 'dms-task' as const, name: d.id, last: true };
  const start = (type: StartType, detail: string): PlannedAction<TaskRequest> => ({
    ...base,
    action: 'start',
    detail,
    request: { start: { ReplicationTaskArn: task?.arn ?? output('taskArn'), StartReplicationTaskType: type } },
  });
  if (!task || task.status === 'ready' || task.status === 'creating') {
    return task?.startedBefore ? start('resume-processing', 'resume-processing') : start('start-replication', 'start-replication (first start)');
  }
  if (task.status === 'stopped') return start('resume-processing', 'resume-processing (was stopped)');
  if (task.status === 'failed') return { ...base, action: 'drift', detail: 'the task failed: read its CloudWatch logs, fix the cause, then resume it (cdcpipe does not restart a failed task)' };
  return undefined; // starting, running, stopping, modifying, testing: nothing to start
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
  const start = d.start && main.action !== 'drift' ? planReplicationStart(d, observed) : undefined;
  return start ? [main, start] : [main];
}

function planReplicationStart(d: DesiredReplication, rc: ObservedReplicationConfig | null): PlannedAction<ReplicationConfigRequest> | undefined {
  const start = (type: StartType, detail: string): PlannedAction<ReplicationConfigRequest> => ({
    resource: 'dms-replication-config',
    name: d.id,
    last: true,
    action: 'start',
    detail,
    request: { start: { ReplicationConfigArn: rc?.arn ?? output('replicationConfigArn'), StartReplicationType: type } },
  });
  if (!rc || !rc.startedBefore) return start('start-replication', 'start-replication (first start)');
  if (rc.status && ['stopped', 'failed'].includes(rc.status)) return start('resume-processing', `resume-processing (was ${rc.status})`);
  return undefined;
}

export const taskModel: ResourceModel<DesiredReplication, ObservedTask> = {
  kind: 'dms-task',
  sections: ['dms'],
  desired: (cfg) => desiredReplication(cfg, false),
  plan: planTask,
  check: checkTask,
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
  desired: (cfg) => desiredReplication(cfg, true),
  plan: planReplicationConfig,
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
