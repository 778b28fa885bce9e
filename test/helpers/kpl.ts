/**
 * Builds KPL-aggregated records for tests, independently of the decoder under test: magic F3 89 9A C2, a
 * protobuf AggregatedRecord written by hand (amazon-kinesis-producer aggregation-format.md), then the MD5 of
 * the protobuf.
 */
import { createHash } from 'node:crypto';

export interface KplUserRecordInput {
  partitionKeyIndex: number;
  data: Uint8Array | string;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function lengthDelimited(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), bytes]);
}

export function aggregate(partitionKeys: string[], records: KplUserRecordInput[], opts: { badMd5?: boolean } = {}): Buffer {
  const parts: Buffer[] = partitionKeys.map((k) => lengthDelimited(1, Buffer.from(k)));
  for (const r of records) {
    const data = typeof r.data === 'string' ? Buffer.from(r.data) : r.data;
    const inner = Buffer.concat([Buffer.from([(1 << 3) | 0, ...varint(r.partitionKeyIndex)]), lengthDelimited(3, data)]);
    parts.push(lengthDelimited(3, inner));
  }
  const protobuf = Buffer.concat(parts);
  const md5 = createHash('md5').update(protobuf).digest();
  if (opts.badMd5) md5[0] = md5[0]! ^ 0xff;
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), protobuf, md5]);
}
