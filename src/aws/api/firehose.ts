/** The Firehose calls cdcpipe makes. */
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import type * as F from '@aws-sdk/client-firehose';
import { op, type Call } from './op.js';

export interface FirehoseApi {
  describeDeliveryStream: Call<F.DescribeDeliveryStreamCommandInput, F.DescribeDeliveryStreamCommandOutput>;
  listDeliveryStreams: Call<F.ListDeliveryStreamsCommandInput, F.ListDeliveryStreamsCommandOutput>;
  createDeliveryStream: Call<F.CreateDeliveryStreamCommandInput, F.CreateDeliveryStreamCommandOutput>;
  updateDestination: Call<F.UpdateDestinationCommandInput, F.UpdateDestinationCommandOutput>;
}

export function firehoseApi(client: F.FirehoseClient): FirehoseApi {
  return {
    describeDeliveryStream: op(client, DescribeDeliveryStreamCommand),
    listDeliveryStreams: op(client, ListDeliveryStreamsCommand),
    createDeliveryStream: op(client, CreateDeliveryStreamCommand),
    updateDestination: op(client, UpdateDestinationCommand),
  };
}
