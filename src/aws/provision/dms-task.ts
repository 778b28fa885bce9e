/**
 * The DMS replication's AWS half: a task (DescribeReplicationTasks; Create/Modify/StartReplicationTask,
 * waited until settled) or a Serverless replication config (DescribeReplicationConfigs and
 * DescribeReplications; Create/Modify, StartReplication).
 */
import type * as D from '@aws-sdk/client-database-migration-service';
import type { ReplicationTask } from '@aws-sdk/client-database-migration-service';
import type { DesiredReplication, ObservedReplicationConfig, ObservedTask, ReplicationConfigRequest, TaskRequest } from '../../core/provision/dms-task.js';
import type { PlannedAction } from '../../core/provision/model.js';
import { resolve, type Known } from '../../core/provision/values.js';
import { AwsCallError } from '../../errors.js';
import type { DmsApi } from '../api/dms.js';
import { isAwsError } from '../errors.js';
import { orNull, poll, type ApplyContext, type ResourceAdapter } from './adapter.js';

const NOT_FOUND = 'ResourceNotFoundFault';

async function readTask(dms: DmsApi, id: string): Promise<ReplicationTask | null> {
  const res = await orNull(() => dms.describeReplicationTasks({ Filters: [{ Name: 'replication-task-id', Values: [id] }], WithoutSettings: false }), NOT_FOUND);
  return res?.ReplicationTasks?.find((t) => t.ReplicationTaskIdentifier === id) ?? null;
}

async function readReplicationConfig(dms: DmsApi, id: string) {
  const res = await orNull(() => dms.describeReplicationConfigs({ Filters: [{ Name: 'replication-config-id', Values: [id] }] }), NOT_FOUND);
  return res?.ReplicationConfigs?.find((c) => c.ReplicationConfigIdentifier === id) ?? null;
}

async function readReplication(dms: DmsApi, configArn: string) {
  const res = await orNull(() => dms.describeReplications({ Filters: [{ Name: 'replication-config-arn', Values: [configArn] }] }), NOT_FOUND);
  return res?.Replications?.[0] ?? null;
}

/** What a described task is to the task model (provision's read, doctor's check). */
export function observedTask(task: ReplicationTask): ObservedTask {
  return {
    arn: task.ReplicationTaskArn!,
    status: task.Status ?? '',
    migrationType: task.MigrationType ?? '',
    tableMappings: task.TableMappings ?? '',
    settings: task.ReplicationTaskSettings ?? '',
    sourceEndpointArn: task.SourceEndpointArn ?? '',
    targetEndpointArn: task.TargetEndpointArn ?? '',
    replicationInstanceArn: task.ReplicationInstanceArn ?? '',
    startedBefore: Boolean(task.ReplicationTaskStartDate),
    ...(task.StopReason ? { stopReason: task.StopReason } : {}),
    ...(task.LastFailureMessage ? { lastFailureMessage: task.LastFailureMessage } : {}),
  };
}

/** Polls the task until it leaves the given transient states (the SDK's Ready waiter fails on "modifying"). */
async function waitTaskSettled(ctx: ApplyContext, dms: DmsApi, arn: string, transient: string[], what: string): Promise<ReplicationTask> {
  return poll(ctx, what, async () => {
    const res = await dms.describeReplicationTasks({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }], WithoutSettings: true });
    const task = res.ReplicationTasks?.[0];
    return task && !transient.includes(task.Status ?? '') ? task : undefined;
  });
}

async function applyTask(ctx: ApplyContext, action: PlannedAction): Promise<Known> {
  const dms = await ctx.clients.dmsApi();
  const request = resolve(action.request as TaskRequest, ctx.known);
  const id = action.name;
  if (request.create) {
    let arn: string;
    try {
      arn = (await dms.createReplicationTask(request.create as D.CreateReplicationTaskCommandInput)).ReplicationTask!.ReplicationTaskArn!;
    } catch (err) {
      if (!isAwsError(err, 'ResourceAlreadyExistsFault')) throw err;
      arn = (await readTask(dms, id))!.ReplicationTaskArn!;
    }
    await dms.waitForTaskReady({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }], WithoutSettings: true }, ctx.wait);
    return { ...ctx.known, taskArn: arn };
  }
  if (request.modify) {
    // MigrationType is checked against the SDK's enum by the pipeline schema.
    await dms.modifyReplicationTask(request.modify as D.ModifyReplicationTaskCommandInput);
    const task = await waitTaskSettled(ctx, dms, request.modify.ReplicationTaskArn, ['modifying', 'creating'], `DMS task ${id} to finish modifying`);
    if (task.Status === 'failed') throw new AwsCallError(`DMS task ${id} failed after the change: ${task.LastFailureMessage ?? 'no message'}`);
    return ctx.known;
  }
  const start = request.start!;
  // A task created or modified by this run has been waited for; an older one may still be settling.
  const before = await waitTaskSettled(ctx, dms, start.ReplicationTaskArn, ['creating', 'modifying', 'testing'], `DMS task ${id} to be ready`);
  if (before.Status === 'running' || before.Status === 'starting') return ctx.known;
  // The plan's start type; a first start planned before a run whose response was lost resumes instead (API StartReplicationTask).
  const type = before.ReplicationTaskStartDate && start.StartReplicationTaskType === 'start-replication' ? 'resume-processing' : start.StartReplicationTaskType;
  await dms.startReplicationTask({ ReplicationTaskArn: start.ReplicationTaskArn, StartReplicationTaskType: type });
  const after = await waitTaskSettled(ctx, dms, start.ReplicationTaskArn, ['ready', 'starting'], `DMS task ${id} to start`);
  if (after.Status === 'failed') throw new AwsCallError(`DMS task ${id} failed to start: ${after.LastFailureMessage ?? 'no message'}`, 'read the task log in CloudWatch Logs, fix the cause, then re-run');
  return ctx.known;
}

async function applyReplicationConfig(ctx: ApplyContext, action: PlannedAction): Promise<Known> {
  const dms = await ctx.clients.dmsApi();
  const request = resolve(action.request as ReplicationConfigRequest, ctx.known);
  if (request.create) {
    try {
      return { ...ctx.known, replicationConfigArn: (await dms.createReplicationConfig(request.create as D.CreateReplicationConfigCommandInput)).ReplicationConfig!.ReplicationConfigArn! };
    } catch (err) {
      if (!isAwsError(err, 'ResourceAlreadyExistsFault')) throw err;
      return { ...ctx.known, replicationConfigArn: (await readReplicationConfig(dms, action.name))!.ReplicationConfigArn! };
    }
  }
  if (request.modify) {
    await dms.modifyReplicationConfig(request.modify as D.ModifyReplicationConfigCommandInput);
    return ctx.known;
  }
  const start = request.start!;
  const rep = await readReplication(dms, start.ReplicationConfigArn);
  if (rep?.Status === 'running' || rep?.Status === 'starting') return ctx.known;
  // The plan's start type (src/core/provision/dms-lifecycle.ts). A first start planned before a run whose
  // response was lost resumes instead; a full-load replication cannot be resumed, so it is left as it is.
  let type = start.StartReplicationType;
  if (type === 'start-replication' && (rep?.StartReplicationType || rep?.ReplicationStats?.StartDate)) {
    if (rep?.ReplicationType === 'full-load') return ctx.known;
    type = 'resume-processing';
  }
  // Serverless capacity is provisioned after this call and can take many minutes; `cdcpipe lag` shows progress.
  await dms.startReplication({ ReplicationConfigArn: start.ReplicationConfigArn, StartReplicationType: type });
  return ctx.known;
}

export const taskAdapter: ResourceAdapter<DesiredReplication, ObservedTask> = {
  async read(clients, desired, known) {
    if (desired.length === 0) return { observed: [] };
    const dms = await clients.dmsApi();
    const task = await readTask(dms, desired[0]!.id);
    return { observed: [task ? observedTask(task) : null], outputs: task ? { ...known, taskArn: task.ReplicationTaskArn! } : known };
  },
  apply: applyTask,
};

export const replicationConfigAdapter: ResourceAdapter<DesiredReplication, ObservedReplicationConfig> = {
  async read(clients, desired, known) {
    if (desired.length === 0) return { observed: [] };
    const dms = await clients.dmsApi();
    const rc = await readReplicationConfig(dms, desired[0]!.id);
    if (!rc) return { observed: [null] };
    const rep = await readReplication(dms, rc.ReplicationConfigArn!);
    const observed: ObservedReplicationConfig = {
      arn: rc.ReplicationConfigArn!,
      replicationType: rc.ReplicationType ?? '',
      tableMappings: rc.TableMappings ?? '',
      settings: rc.ReplicationSettings ?? '',
      sourceEndpointArn: rc.SourceEndpointArn ?? '',
      targetEndpointArn: rc.TargetEndpointArn ?? '',
      ...(rc.ComputeConfig?.MinCapacityUnits !== undefined ? { minDcu: rc.ComputeConfig.MinCapacityUnits } : {}),
      ...(rc.ComputeConfig?.MaxCapacityUnits !== undefined ? { maxDcu: rc.ComputeConfig.MaxCapacityUnits } : {}),
      ...(rep?.Status ? { status: rep.Status } : {}),
      startedBefore: Boolean(rep?.StartReplicationType || rep?.ReplicationStats?.StartDate),
      ...(rep?.StopReason ? { stopReason: rep.StopReason } : {}),
      ...(rep?.FailureMessages?.length ? { failureMessage: rep.FailureMessages.join('; ') } : {}),
    };
    return { observed: [observed], outputs: { ...known, replicationConfigArn: rc.ReplicationConfigArn! } };
  },
  apply: applyReplicationConfig,
};
