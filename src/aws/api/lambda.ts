/** The Lambda calls cdcpipe makes: the event source mappings that read a stream (doctor, lag). */
import { ListEventSourceMappingsCommand, paginateListEventSourceMappings } from '@aws-sdk/client-lambda';
import type * as L from '@aws-sdk/client-lambda';
import { op, type Call } from './op.js';

export interface LambdaApi {
  listEventSourceMappings: Call<L.ListEventSourceMappingsCommandInput, L.ListEventSourceMappingsCommandOutput>;
  /** Every event source mapping of one source ARN (a stream or an EFO consumer), all pages. */
  listAllEventSourceMappings(eventSourceArn: string): Promise<L.EventSourceMappingConfiguration[]>;
}

export function lambdaApi(client: L.LambdaClient): LambdaApi {
  return {
    listEventSourceMappings: op(client, ListEventSourceMappingsCommand),
    async listAllEventSourceMappings(eventSourceArn) {
      const out: L.EventSourceMappingConfiguration[] = [];
      for await (const page of paginateListEventSourceMappings({ client, pageSize: 100 }, { EventSourceArn: eventSourceArn })) {
        out.push(...(page.EventSourceMappings ?? []));
      }
      return out;
    },
  };
}
