/**
 * A GetRecords middleware that reads the records of a successful answer straight from its JSON (Kinesis API
 * Reference, GetRecords; awsJson1_1: Data base64, ApproximateArrivalTimestamp epoch seconds) and hands the
 * SDK's deserializer the answer without them: the SDK's per-record base64 validation cost more CPU than
 * decoding and printing the records (docs/performance.md, "Tail CPU").
 */
import { isAscii } from 'node:buffer';
import type { _Record, GetRecordsCommand } from '@aws-sdk/client-kinesis';
import { ScratchBuffer } from '../io/scratch-buffer.js';

/** A record read by fastRecords: its data still base64, as the answer carried it. */
export type PolledRecord = _Record & { dataBase64?: string };

interface WireRecord {
  SequenceNumber?: string;
  ApproximateArrivalTimestamp?: number;
  Data?: string;
  PartitionKey?: string;
  EncryptionType?: string;
}

type RawResponse = { statusCode?: number; headers?: Record<string, string | undefined>; body?: unknown };

const EMPTY = new Uint8Array(0);

/** Reused for GetRecords bodies and each record's bytes (decodeRecord keeps no reference): not a Buffer each. */
const bodyScratch = new ScratchBuffer();
const dataScratch = new ScratchBuffer();

/**
 * Adds the middleware to this command; `records` of the returned holder is set once the answer is read.
 * Errors and anything that is not a 200 JSON answer go through the SDK untouched, so retries, error types and
 * $metadata are the SDK's own. It sits inside the SDK's deserializer (step deserialize, priority low), so it
 * runs once per attempt and the last attempt's records win.
 */
export function fastRecords(command: GetRecordsCommand): { records?: PolledRecord[] } {
  const holder: { records?: PolledRecord[] } = {};
  const mw = (next: (args: unknown) => Promise<{ response: RawResponse }>) => async (args: unknown) => {
    const result = await next(args);
    const response = result.response;
    const type = response.headers?.['content-type'] ?? response.headers?.['Content-Type'] ?? '';
    if (response.statusCode !== 200 || !/json/i.test(type) || !isAsyncIterable(response.body)) return result;
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    // The body is needed only until it is a string: it is joined in the shared scratch (no await from here on).
    const body = bodyScratch.join(chunks);
    let doc: { Records?: WireRecord[] } & Record<string, unknown>;
    try {
      // An all-ASCII body (the usual: base64 data, ASCII keys) is read as latin1, a plain copy; utf8 decoding checks every byte.
      doc = JSON.parse(isAscii(body) ? body.toString('latin1') : body.toString('utf8')) as typeof doc;
    } catch {
      response.body = Buffer.from(body);
      return result;
    }
    if (Array.isArray(doc.Records)) {
      const wire = doc.Records;
      const records: PolledRecord[] = new Array(wire.length);
      for (let i = 0; i < wire.length; i++) {
        const r = wire[i]!;
        records[i] = {
          SequenceNumber: r.SequenceNumber,
          ApproximateArrivalTimestamp: typeof r.ApproximateArrivalTimestamp === 'number' ? new Date(Math.round(r.ApproximateArrivalTimestamp * 1000)) : undefined,
          // Decoded when the record is (recordBytes), into a scratch: not a Buffer per record.
          Data: undefined,
          dataBase64: r.Data ?? '',
          PartitionKey: r.PartitionKey,
          ...(r.EncryptionType ? { EncryptionType: r.EncryptionType as _Record['EncryptionType'] } : {}),
        };
      }
      holder.records = records;
      doc.Records = [];
      response.body = Buffer.from(JSON.stringify(doc));
    } else response.body = Buffer.from(body);
    return result;
  };
  command.middlewareStack.add(mw as never, { step: 'deserialize', priority: 'low', name: 'cdcpipeFastRecords' } as never);
  return holder;
}

/** The record's bytes, valid until the next call (dataScratch). */
export function recordBytes(rec: PolledRecord): Uint8Array {
  if (rec.Data) return rec.Data;
  return rec.dataBase64 === undefined ? EMPTY : dataScratch.fromBase64(rec.dataBase64);
}

function isAsyncIterable(v: unknown): v is AsyncIterable<Uint8Array> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}
