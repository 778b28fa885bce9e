/**
 * The ordered table of the resource kinds a pipeline file owns: each row pairs a kind's pure half
 * (src/core/provision/) with its AWS half (src/aws/provision/). Reads, plans, applies, --print-policies
 * and the CloudFormation template all walk this table in this order: a resource comes after the ones
 * whose outputs (ARNs) its requests need. A new kind is one module pair and one row here.
 */
import { alarmModel } from '../core/provision/alarms.js';
import { endpointModel } from '../core/provision/dms-endpoint.js';
import { replicationConfigModel, taskModel } from '../core/provision/dms-task.js';
import { firehoseModel } from '../core/provision/firehose.js';
import { roleModel } from '../core/provision/iam.js';
import type { DesiredOptions, PlannedAction, ResourceKind, ResourceModel, Section } from '../core/provision/model.js';
import { streamModel } from '../core/provision/stream.js';
import type { Known } from '../core/provision/values.js';
import type { PipelineConfig } from '../core/pipeline-schema.js';
import type { CfnPart } from '../core/provision/cloudformation.js';
import type { ApplyContext, ProvisionClients, ResourceAdapter } from '../aws/provision/adapter.js';
import { alarmAdapter } from '../aws/provision/alarms.js';
import { endpointAdapter } from '../aws/provision/dms-endpoint.js';
import { replicationConfigAdapter, taskAdapter } from '../aws/provision/dms-task.js';
import { firehoseAdapter } from '../aws/provision/firehose.js';
import { roleAdapter } from '../aws/provision/iam.js';
import { streamAdapter } from '../aws/provision/stream.js';

/** One row, its desired and observed types hidden behind the steps the service runs. */
export interface ResourceRow {
  kind: ResourceKind;
  sections: readonly Section[];
  warnings(cfg: PipelineConfig): string[];
  /** Reads the kind's resources and plans them; returns the actions and what the reads learned. */
  readAndPlan(cfg: PipelineConfig, opts: DesiredOptions, clients: ProvisionClients, known: Known): Promise<{ actions: PlannedAction[]; known: Known }>;
  apply(ctx: ApplyContext, action: PlannedAction): Promise<Known>;
  /** The template parts of the kind's desired resources. */
  cloudFormation(cfg: PipelineConfig): CfnPart[];
}

function row<D, O>(model: ResourceModel<D, O>, adapter: ResourceAdapter<D, O>): ResourceRow {
  return {
    kind: model.kind,
    sections: model.sections,
    warnings: (cfg) => model.warnings?.(cfg) ?? [],
    async readAndPlan(cfg, opts, clients, known) {
      const desired = model.desired(cfg, opts);
      if (desired.length === 0) return { actions: [], known };
      const read = await adapter.read(clients, desired, known);
      const now = { ...known, ...read.outputs };
      return { actions: desired.flatMap((d, i) => model.plan(d, read.observed[i] ?? null, now)), known: now };
    },
    apply: (ctx, action) => adapter.apply(ctx, action),
    cloudFormation: (cfg) => (model.cloudFormation ? model.desired(cfg, { createRoles: false }).map((d) => model.cloudFormation!(d, cfg)) : []),
  };
}

export const PROVISION_TABLE: readonly ResourceRow[] = [
  row(streamModel, streamAdapter),
  row(roleModel, roleAdapter),
  row(endpointModel, endpointAdapter),
  row(taskModel, taskAdapter),
  row(replicationConfigModel, replicationConfigAdapter),
  row(firehoseModel, firehoseAdapter),
  row(alarmModel, alarmAdapter),
];

export function rowOf(kind: ResourceKind): ResourceRow {
  return PROVISION_TABLE.find((r) => r.kind === kind)!;
}
