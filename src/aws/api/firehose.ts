/** The Firehose calls cdcpipe makes. */
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import type * as F from '@aws-sdk/client-firehose';
import { op, type Call } from './op.js';

export interface FirehoseApi {
  describeDeliveryStream: Call<F.DescribeDeliveryStreamCommandInput, F.DescribeDeliveryStreamCommandOutput>;
  listDeliveryStreams: Call<F.ListDeliveryStreamsCommandInput, F.ListDeliveryStreamsCommandOutput>;
  createDeliveryStream: Call<F.CreateDeliveryStreamCommandInput, F.CreateDeliveryStreamCommandOutput>;
  updateDestination: Call<F.UpdateDestinationCommandInput, F.UpdateDestinationCommandOutput>;
  /** Every delivery stream name of a source type, all pages (ExclusiveStartDeliveryStreamName; the SDK has no paginator for it). */
  listAllDeliveryStreams(type: F.DeliveryStreamType): Promise<string[]>;
}

export function firehoseApi(client: F.FirehoseClient): FirehoseApi {
  const listDeliveryStreams: FirehoseApi['listDeliveryStreams'] = op(client, ListDeliveryStreamsCommand);
  return {
    describeDeliveryStream: op(client, DescribeDeliveryStreamCommand),
    listDeliveryStreams,
    async listAllDeliveryStreams(type) {
      const names: string[] = [];
      let start: string | undefined;
      for (;;) {
        const res = await listDeliveryStreams({ DeliveryStreamType: type, Limit: 100, ...(start ? { ExclusiveStartDeliveryStreamName: start } : {}) });
        const page = res.DeliveryStreamNames ?? [];
        names.push(...page);
        if (!res.HasMoreDeliveryStreams || !page.length) return names;
        start = page[page.length - 1];
      }
    },
    createDeliveryStream: op(client, CreateDeliveryStreamCommand),
    updateDestination: op(client, UpdateDestinationCommand),
  };
}
