/**
 * The shape every resource kind of a pipeline file shares. A kind's pure half (src/core/provision/<kind>.ts)
 * says what the file wants (`desired`) and what to do about what AWS has (`plan`); its AWS half
 * (src/aws/provision/<kind>.ts) reads the resource and applies an action. One ordered table
 * (src/services/provision-table.ts) pairs the halves and drives provision, --dry-run, --check,
 * --print-policies and --emit cloudformation. `doctor` adds a `check(observed)` here.
 */
import type { Finding } from '../doctor/finding.js';
import type { PipelineConfig } from '../pipeline-schema.js';
import type { CfnPart } from './cloudformation.js';
import type { Known } from './values.js';

export type ResourceKind = 'kinesis-stream' | 'iam-role' | 'dms-endpoint' | 'dms-task' | 'dms-replication-config' | 'firehose' | 'cloudwatch-alarm';
export type ActionKind = 'create' | 'update' | 'start' | 'none' | 'drift';

export interface PlannedAction<R = unknown> {
  resource: ResourceKind;
  name: string;
  action: ActionKind;
  /** Why, in a few words: what differs, or what is there. */
  detail: string;
  /** create/update/start: the requests apply sends, complete but for outputs of earlier steps. */
  request?: R;
  /** Runs after every other action (the DMS start: every consumer exists before data flows). */
  last?: boolean;
}

/** The sections of a pipeline file, as `provision --only` names them. */
export const SECTIONS = ['stream', 'dms', 'firehose', 'alarms'] as const;
export type Section = (typeof SECTIONS)[number];

export interface DesiredOptions {
  /** --create-roles: cdcpipe owns the IAM roles the file does not name. */
  createRoles: boolean;
  /** --only: the sections to plan (default all). */
  sections?: ReadonlySet<Section>;
  /** --restart-failed: start a failed DMS task or replication again. */
  restartFailed?: boolean;
}

/** The pure half of one resource kind. D: what one resource of the file wants; O: what AWS has. */
export interface ResourceModel<D, O> {
  kind: ResourceKind;
  /** The file sections its resources belong to (the roles serve dms and firehose). */
  sections: readonly Section[];
  /** The resources of this kind the file asks for (none when it has no such section). */
  desired(cfg: PipelineConfig, opts: DesiredOptions): D[];
  /** What to do, from what the file wants and what AWS has (null: it does not exist). */
  plan(desired: D, observed: O | null, known: Known): PlannedAction[];
  /** Warnings about the file for this kind (things it asks for that cdcpipe cannot do). */
  warnings?(cfg: PipelineConfig): string[];
  /** The resource in a CloudFormation template (--emit cloudformation). */
  cloudFormation?(desired: D, cfg: PipelineConfig): CfnPart;
  /** `doctor`: findings from what `read` returned (pure; the metric checks live in src/core/doctor/). */
  check?(observed: O): Finding[];
}

/** ARN account id and partition, from the first ARN that carries an account. */
export function accountFromArns(...arns: (string | undefined)[]): string | undefined {
  for (const arn of arns) {
    const account = arn?.split(':')[4];
    if (account && /^\d{12}$/.test(account)) return account;
  }
  return undefined;
}

export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** What is known before any read: partition, region and the account id from an ARN in the file. */
export function initialKnown(cfg: PipelineConfig, region: string): Known {
  const accountId = accountFromArns(cfg.dms?.serviceAccessRoleArn, cfg.firehose?.roleArn, cfg.dms?.sourceEndpointArn, cfg.dms?.replicationInstanceArn, cfg.alarms?.snsTopicArn);
  return { partition: partitionOf(region), region, ...(accountId ? { accountId } : {}) };
}

/** The file's tags as the {Key, Value} list most AWS APIs take; undefined without tags. */
export function tagList(tags: Record<string, string> | undefined): { Key: string; Value: string }[] | undefined {
  const entries = Object.entries(tags ?? {});
  return entries.length ? entries.map(([Key, Value]) => ({ Key, Value })) : undefined;
}

// ---------------------------------------------------------------- comparison helpers

/** JSON with object keys sorted, for order-insensitive comparison. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

/** Every key the desired object sets has the same value in the observed one (AWS fills in the rest). */
export function isSubset(desired: unknown, observed: unknown): boolean {
  if (desired && typeof desired === 'object' && !Array.isArray(desired)) {
    if (!observed || typeof observed !== 'object' || Array.isArray(observed)) return false;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => v === undefined || isSubset(v, (observed as Record<string, unknown>)[k]));
  }
  if (Array.isArray(desired)) {
    return Array.isArray(observed) && desired.length === observed.length && desired.every((v, i) => isSubset(v, observed[i]));
  }
  return desired === observed;
}

/** The keys of a subset comparison that differ, for the action's detail. */
export function differingKeys(desired: Record<string, unknown>, observed: Record<string, unknown> | undefined): string[] {
  return Object.keys(desired).filter((k) => desired[k] !== undefined && !isSubset(desired[k], observed?.[k]));
}

export function parseJsonOrUndefined(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
