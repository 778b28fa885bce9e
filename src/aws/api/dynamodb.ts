/** The DynamoDB calls cdcpipe makes: reading a KCL lease table. */
import { paginateScan } from '@aws-sdk/client-dynamodb';
import type * as Dd from '@aws-sdk/client-dynamodb';

export interface DynamoDbApi {
  /** Scan pages (LastEvaluatedKey), one per call made. */
  scanPages(input: Dd.ScanCommandInput): AsyncIterable<Dd.ScanCommandOutput>;
}

export function dynamoDbApi(client: Dd.DynamoDBClient): DynamoDbApi {
  return { scanPages: (input) => paginateScan({ client }, input) };
}
