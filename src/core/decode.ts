/**
 * CDC record decoding (pure): bytes + record metadata → one or more record views.
 * CONTRACT (used by tail, lag, produce and the benchmarks) — the implementation fills this in.
 */

export type RecordFormat = 'dms' | 'debezium' | 'json' | 'text' | 'binary';
export type CdcOperation = 'insert' | 'update' | 'delete' | 'load' | 'truncate' | 'control' | string;

export interface RecordMeta {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** ApproximateArrivalTimestamp of the Kinesis record. */
  arrivalTime: Date | undefined;
}

export interface CdcView {
  recordType: 'data' | 'control';
  /** insert | update | delete | load | truncate for data records; the DMS control operation (create-table, add-column, …) for control records. */
  operation: CdcOperation;
  schema: string | null;
  table: string | null;
  data: Record<string, unknown> | null;
  before: Record<string, unknown> | null;
  /** Columns whose value differs between before and data; null when unknown (no before-image, or a key-only one). */
  changed: string[] | null;
  transactionId: string | number | null;
  commitTime: string | null;
  /** DMS partition-key-value when present. */
  key: string | null;
  /** DMS control details (table-def …) when present. */
  control?: unknown;
}

export interface RecordView {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  partitionKey: string;
  /** ISO-8601. */
  arrivalTime: string | null;
  format: RecordFormat;
  cdc: CdcView | null;
  payload?: unknown;
  payloadBase64?: string;
  /** Set when the record (or this user record of an aggregate) could not be decoded; payloadBase64 then holds its bytes. */
  error?: string;
  /** Set when the payload was gzip-compressed. */
  compressed?: 'gzip';
}

export declare function decodeRecord(data: Uint8Array, meta: RecordMeta): RecordView[];
