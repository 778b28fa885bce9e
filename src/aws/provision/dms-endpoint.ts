/** The DMS target endpoint's AWS half: DescribeEndpoints; CreateEndpoint / ModifyEndpoint; TestConnection. */
import type { KinesisSettings } from '@aws-sdk/client-database-migration-service';
import type { DesiredEndpoint, EndpointRequest, ObservedEndpoint } from '../../core/provision/dms-endpoint.js';
import type { PlannedAction } from '../../core/provision/model.js';
import { resolve, type Known } from '../../core/provision/values.js';
import type { DmsApi } from '../api/dms.js';
import { isAwsError } from '../errors.js';
import { orNull, type ApplyContext, type ResourceAdapter } from './adapter.js';
import { dmsRoleRefused, whileRolePropagates } from './iam-propagation.js';

export async function readEndpoint(dms: DmsApi, id: string) {
  const res = await orNull(() => dms.describeEndpoints({ Filters: [{ Name: 'endpoint-id', Values: [id] }] }), 'ResourceNotFoundFault');
  return res?.Endpoints?.find((e) => e.EndpointIdentifier === id) ?? null;
}

async function applyEndpoint(ctx: ApplyContext, action: PlannedAction): Promise<Known> {
  const dms = await ctx.clients.dmsApi();
  const request = action.request as EndpointRequest;
  const modify = async (arn: string, settings: DesiredEndpoint['kinesisSettings']) => {
    await dms.modifyEndpoint({ EndpointArn: arn, KinesisSettings: resolve(settings, ctx.known) as KinesisSettings });
    return { ...ctx.known, endpointArn: arn };
  };
  if (request.modify) return modify(resolve(request.modify.EndpointArn, ctx.known), request.modify.KinesisSettings);
  const create = resolve(request.create!, ctx.known);
  try {
    const role = create.KinesisSettings.ServiceAccessRoleArn as string | undefined;
    const res = await whileRolePropagates(ctx, 'DMS', role, dmsRoleRefused, () => dms.createEndpoint({ ...create, KinesisSettings: create.KinesisSettings as KinesisSettings }));
    return { ...ctx.known, endpointArn: res.Endpoint!.EndpointArn! };
  } catch (err) {
    // Created by a run that failed before it could say so: bring it to the file's settings.
    if (!isAwsError(err, 'ResourceAlreadyExistsFault')) throw err;
    return modify((await readEndpoint(dms, create.EndpointIdentifier))!.EndpointArn!, request.create!.KinesisSettings);
  }
}

/**
 * TestConnection from the replication instance, then the TestConnectionSucceeds waiter (AWS DMS API
 * Reference, TestConnection, DescribeConnections). A test already running for the pair is waited for. A
 * failed test says why (LastFailureMessage); one that failed because the role is refused counts as
 * AccessDeniedFault, so a role created by this run is waited for like the call's own AccessDeniedFault.
 */
export async function testEndpointConnection(ctx: ApplyContext, instanceArn: string, endpointArn: string, roleArn?: string): Promise<void> {
  const dms = await ctx.clients.dmsApi();
  const Filters = [
    { Name: 'endpoint-arn', Values: [endpointArn] },
    { Name: 'replication-instance-arn', Values: [instanceArn] },
  ];
  const test = async () => {
    try {
      await dms.testConnection({ ReplicationInstanceArn: instanceArn, EndpointArn: endpointArn });
    } catch (err) {
      if (!isAwsError(err, 'InvalidResourceStateFault')) throw err;
    }
    try {
      await dms.waitForConnection({ Filters }, ctx.wait);
    } catch (err) {
      const conn = (await dms.describeConnections({ Filters })).Connections?.[0];
      if (conn?.Status !== 'failed') throw err;
      const why = conn.LastFailureMessage ?? 'no failure message';
      throw Object.assign(new Error(`the connection test failed: ${why}`), { name: /not configured properly|unable to assume/i.test(why) ? 'AccessDeniedFault' : 'TestConnectionFailed' });
    }
  };
  await whileRolePropagates(ctx, 'DMS', roleArn, dmsRoleRefused, test);
}

export const endpointAdapter: ResourceAdapter<DesiredEndpoint, ObservedEndpoint> = {
  async read(clients, desired, known) {
    if (desired.length === 0) return { observed: [] };
    const dms = await clients.dmsApi();
    const observed: (ObservedEndpoint | null)[] = [];
    const outputs: Known = { ...known };
    for (const d of desired) {
      const ep = await readEndpoint(dms, d.id);
      observed.push(ep ? { arn: ep.EndpointArn!, engineName: ep.EngineName ?? '', endpointType: ep.EndpointType ?? '', kinesisSettings: (ep.KinesisSettings ?? {}) as Record<string, unknown> } : null);
      if (ep) outputs.endpointArn = ep.EndpointArn!;
    }
    return { observed, outputs };
  },
  apply: applyEndpoint,
};
