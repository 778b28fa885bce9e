/** `cdcpipe provision` output: the action table, the JSON report, the policies and the template. */
import type { CloudFormationResult } from '../core/provision/cloudformation.js';
import { cloudFormationYaml } from '../core/provision/cloudformation.js';
import type { RolePolicies } from '../core/provision/iam.js';
import type { PlannedAction } from '../core/provision/model.js';
import type { ProvisionResult } from '../services/provision.js';
import type { Output } from './output.js';
import { renderTable } from './table.js';

function publicAction(a: PlannedAction) {
  return { resource: a.resource, name: a.name, action: a.action, detail: a.detail };
}

/** The plan as a table on stdout (nothing under --json: the report carries it). */
export function renderActions(out: Output, actions: PlannedAction[]): void {
  if (out.json) return;
  const c = out.color;
  const paint: Record<PlannedAction['action'], (s: string) => string> = { create: c.green, update: c.yellow, start: c.cyan, none: c.dim, drift: c.red };
  const rows = actions.map((a) => [paint[a.action](a.action), a.resource, a.name, a.detail]);
  // Every column says what will change, so none is dropped: the free-text detail wraps first (down to
  // 34, the longest metric name an alarm's detail starts with, GetRecords.IteratorAgeMilliseconds),
  // then the names (at their hyphens), then the resource kinds.
  out.result(renderTable(['action', 'resource', 'name', 'detail'], rows, { width: out.width, shrink: { detail: 34, name: 20, resource: 10 } }));
}

/** The outcome: the JSON report, or the closing line. */
export function renderProvision(out: Output, r: ProvisionResult): void {
  if (out.json) {
    const i = r.interrupted;
    out.document({
      dryRun: r.dryRun,
      actions: r.actions.map(publicAction),
      applied: r.applied,
      ...(r.failed ? { failed: { ...publicAction(r.failed.action), error: r.failed.error } } : {}),
      ...(i ? { interrupted: { applied: i.applied.map(publicAction), partlyApplied: i.partly ? publicAction(i.partly) : null, notApplied: i.notApplied.map(publicAction) } } : {}),
    });
    return;
  }
  if (r.dryRun || r.error) return;
  const changesText = `${r.changes} change${r.changes === 1 ? '' : 's'}`;
  out.result(r.applied ? `applied ${changesText}` : 'no changes');
}

export function renderPolicies(out: Output, roles: RolePolicies[]): void {
  if (out.json) out.document({ roles });
  else if (roles.length === 0) out.result('no roles needed: the file has no dms or firehose section');
  else for (const r of roles) out.result(`# ${r.role} role ${r.roleName}\n# trust policy\n${JSON.stringify(r.trustPolicy, null, 2)}\n# permissions (inline policy ${r.policyName})\n${JSON.stringify(r.policy, null, 2)}\n`);
}

export function renderTemplate(out: Output, { template, warnings }: CloudFormationResult): void {
  for (const w of warnings) out.warn(w);
  if (out.json) out.document({ format: 'cloudformation', template });
  else out.result(cloudFormationYaml(template));
}
