/** The roles' AWS half: GetRole and GetRolePolicy; CreateRole, the RoleExists waiter and PutRolePolicy. */
import { ROLE_POLICY_NAME, literalPolicy, type DesiredRole, type ObservedRole, type RoleRequest } from '../../core/provision/iam.js';
import type { PlannedAction } from '../../core/provision/model.js';
import type { Known } from '../../core/provision/values.js';
import type { IamApi } from '../api/iam.js';
import { isAwsError } from '../errors.js';
import { orNull, type ApplyContext, type ResourceAdapter } from './adapter.js';

const NO_SUCH_ENTITY = ['NoSuchEntityException', 'NoSuchEntity'];

async function readRole(iam: IamApi, name: string): Promise<ObservedRole | null> {
  const role = await orNull(() => iam.getRole({ RoleName: name }), ...NO_SUCH_ENTITY);
  if (!role) return null;
  const arn = role.Role!.Arn!;
  const inline = await orNull(() => iam.getRolePolicy({ RoleName: name, PolicyName: ROLE_POLICY_NAME }), ...NO_SUCH_ENTITY);
  // GetRolePolicy returns the document URL-encoded (IAM API Reference, GetRolePolicy).
  return { arn, policy: inline ? (JSON.parse(decodeURIComponent(inline.PolicyDocument ?? 'null')) as unknown) : null };
}

const arnOutput = (kind: RoleRequest['kind']) => (kind === 'dms' ? 'dmsRoleArn' : 'firehoseRoleArn');

async function applyRole(ctx: ApplyContext, action: PlannedAction): Promise<Known> {
  const iam = await ctx.clients.iamApi();
  const request = action.request as RoleRequest;
  let arn: string | undefined;
  if (request.create) {
    try {
      arn = (await iam.createRole(literalPolicy(request.create, ctx.known))).Role?.Arn;
    } catch (err) {
      if (!isAwsError(err, 'EntityAlreadyExistsException', 'EntityAlreadyExists')) throw err;
    }
    await iam.waitForRole({ RoleName: request.create.RoleName }, ctx.wait);
  }
  arn ??= (await iam.getRole({ RoleName: request.putPolicy.RoleName })).Role!.Arn!;
  await iam.putRolePolicy(literalPolicy(request.putPolicy, ctx.known));
  // Created or changed now: DMS and Firehose may refuse it until IAM propagates it (iam-propagation.ts).
  ctx.newRoles?.add(arn);
  return { ...ctx.known, [arnOutput(request.kind)]: arn };
}

export const roleAdapter: ResourceAdapter<DesiredRole, ObservedRole> = {
  async read(clients, desired, known) {
    if (desired.length === 0) return { observed: [] };
    const iam = await clients.iamApi();
    const observed: (ObservedRole | null)[] = [];
    const outputs: Known = { ...known };
    for (const d of desired) {
      const role = await readRole(iam, d.name);
      observed.push(role);
      if (role) outputs[arnOutput(d.kind)] = role.arn;
    }
    return { observed, outputs };
  },
  apply: applyRole,
};
