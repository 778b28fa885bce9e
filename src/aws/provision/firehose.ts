/** The delivery stream's AWS half: DescribeDeliveryStream; CreateDeliveryStream (polled until ACTIVE) and UpdateDestination. */
import type { CreateDeliveryStreamCommandInput, ExtendedS3DestinationUpdate } from '@aws-sdk/client-firehose';
import type { DesiredFirehose, FirehoseRequest, ObservedFirehose } from '../../core/provision/firehose.js';
import type { PlannedAction } from '../../core/provision/model.js';
import { resolve, type Known } from '../../core/provision/values.js';
import { AwsCallError } from '../../errors.js';
import type { FirehoseApi } from '../api/firehose.js';
import { isAwsError } from '../errors.js';
import { orNull, poll, type ApplyContext, type ResourceAdapter } from './adapter.js';
import { firehoseCannotAssume, whileRolePropagates } from './iam-propagation.js';

export async function describeFirehose(firehose: FirehoseApi, name: string) {
  const res = await orNull(() => firehose.describeDeliveryStream({ DeliveryStreamName: name }), 'ResourceNotFoundException');
  return res?.DeliveryStreamDescription ?? null;
}

async function applyFirehose(ctx: ApplyContext, action: PlannedAction): Promise<Known> {
  const fh = await ctx.clients.firehoseApi();
  const request = resolve(action.request as FirehoseRequest, ctx.known);
  const name = action.name;
  if (request.update) {
    // The version id must be current (API UpdateDestination): read it now, not at plan time.
    const d = (await describeFirehose(fh, name))!;
    await fh.updateDestination({
      DeliveryStreamName: name,
      CurrentDeliveryStreamVersionId: d.VersionId!,
      DestinationId: d.Destinations![0]!.DestinationId!,
      ExtendedS3DestinationUpdate: request.update.ExtendedS3DestinationUpdate as ExtendedS3DestinationUpdate,
    });
    return ctx.known;
  }
  try {
    const create = request.create as unknown as CreateDeliveryStreamCommandInput;
    await whileRolePropagates(ctx, 'Firehose', create.KinesisStreamSourceConfiguration?.RoleARN, firehoseCannotAssume, () => fh.createDeliveryStream(create));
  } catch (err) {
    if (!isAwsError(err, 'ResourceInUseException')) throw err;
  }
  await poll(ctx, `Firehose ${name} to be ACTIVE`, async () => {
    const d = await describeFirehose(fh, name);
    if (d?.DeliveryStreamStatus === 'CREATING_FAILED') {
      throw new AwsCallError(`Firehose ${name} failed to create: ${d.FailureDescription?.Details ?? d.FailureDescription?.Type ?? 'no detail'}`);
    }
    return d?.DeliveryStreamStatus === 'ACTIVE' ? d : undefined;
  });
  return ctx.known;
}

export const firehoseAdapter: ResourceAdapter<DesiredFirehose, ObservedFirehose> = {
  async read(clients, desired) {
    if (desired.length === 0) return { observed: [] };
    const fh = await clients.firehoseApi();
    const observed = await Promise.all(
      desired.map(async (want): Promise<ObservedFirehose | null> => {
        const d = await describeFirehose(fh, want.name);
        if (!d) return null;
        const source = d.Source?.KinesisStreamSourceDescription;
        const destination = d.Destinations?.[0];
        return {
          arn: d.DeliveryStreamARN ?? '',
          status: d.DeliveryStreamStatus ?? '',
          versionId: d.VersionId ?? '',
          destinationId: destination?.DestinationId ?? '',
          type: d.DeliveryStreamType ?? '',
          ...(source?.KinesisStreamARN ? { sourceStreamArn: source.KinesisStreamARN } : {}),
          ...(source?.RoleARN ? { sourceRoleArn: source.RoleARN } : {}),
          ...(destination?.ExtendedS3DestinationDescription ? { destination: destination.ExtendedS3DestinationDescription as unknown as Record<string, unknown> } : {}),
        };
      }),
    );
    return { observed };
  },
  apply: applyFirehose,
};
