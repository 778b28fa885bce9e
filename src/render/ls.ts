/** `cdcpipe ls`'s output: one table row per stream, or the JSON document. */
import type { ChalkInstance } from 'chalk';
import type { LsResult, StreamInfo } from '../services/ls.js';
import type { Output } from './output.js';
import { renderTable } from './table.js';

export function renderLs(out: Output, r: LsResult): void {
  if (out.json) {
    out.document({ region: r.region, streams: r.streams });
    return;
  }
  if (r.streams.length === 0) {
    out.result(`no Kinesis data streams in ${r.region}`);
    return;
  }
  const rows = r.streams.map((s) => [s.name, s.mode, s.openShards ?? '-', statusText(s.status, out.color), retentionText(s), encryptionText(s)]);
  out.result(renderTable(['stream', 'mode', 'open shards', 'status', 'retention', 'encryption'], rows, { align: ['left', 'left', 'right', 'left', 'right', 'left'] }));
}

export function statusText(status: string, color: ChalkInstance): string {
  if (status === 'ACTIVE') return color.green(status);
  return status === 'DELETING' ? color.red(status) : color.yellow(status);
}

export function retentionText(s: StreamInfo): string {
  return s.retentionHours === null ? '-' : `${s.retentionHours} h`;
}

export function encryptionText(s: StreamInfo): string {
  return s.encryption === 'kms' ? `KMS ${s.kmsKeyId ?? '(key not reported)'}` : 'none';
}
