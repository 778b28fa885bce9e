/** `cdcpipe describe`'s output: the summary, the shard table with key-space bars, consumers and tags; or the JSON document. */
import { shareBar } from '../core/share-bar.js';
import type { DescribeResult, ShardInfo } from '../services/describe.js';
import { encryptionText, retentionText, statusText } from './ls.js';
import type { Output } from './output.js';
import { pct, renderTable } from './table.js';

/** Cells of the key-space bar: 5 % each. */
const BAR_WIDTH = 20;

export function renderDescribe(out: Output, r: DescribeResult, opts: { hashKeys?: boolean } = {}): void {
  if (out.json) {
    out.document({ stream: r.stream, shards: r.shards, consumers: r.consumers, tags: r.tags, warnings: r.warnings });
    return;
  }
  const c = out.color;
  const s = r.stream;
  const summary: [string, string][] = [
    ['ARN', s.arn ?? '-'],
    ['status', statusText(s.status, c)],
    ['mode', s.mode],
    ['shards', `${s.openShards ?? 0} open, ${s.totalShards - (s.openShards ?? 0)} closed`],
    ['retention', retentionText(s)],
    ['encryption', encryptionText(s)],
    ['enhanced monitoring', s.enhancedMonitoring.join(', ') || 'off'],
    ['max record size', `${s.maxRecordSizeKiB} KiB`],
    ['created', s.createdAt ?? '-'],
  ];
  const width = Math.max(...summary.map(([k]) => k.length));
  const lines = [c.bold(s.name), ...summary.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ''];

  const head = ['shard', 'parents', 'state', 'key space', ...(opts.hashKeys ? ['starting hash key', 'ending hash key'] : [])];
  const rows = r.shards.map((sh) => [
    sh.shardId,
    parentsText(sh),
    sh.open ? c.green('open') : c.dim('closed'),
    `${shareBar(sh.keySpacePct / 100, BAR_WIDTH)} ${pct(sh.keySpacePct / 100).padStart(7)}`,
    ...(opts.hashKeys ? [sh.startingHashKey, sh.endingHashKey] : []),
  ]);
  lines.push(r.shards.length ? `shards:\n${renderTable(head, rows, { align: ['left', 'left', 'left', 'left', 'right', 'right'] })}` : 'shards: none listed', '');

  if (r.consumers === null) lines.push('EFO consumers: not read (see the warning)');
  else if (r.consumers.length === 0) lines.push('EFO consumers: none');
  else lines.push(`EFO consumers:\n${renderTable(['consumer', 'status', 'created'], r.consumers.map((k) => [k.name, statusText(k.status, c), k.createdAt ?? '-']))}`);
  lines.push('');

  const tags = r.tags === null ? null : Object.entries(r.tags).sort(([a], [b]) => (a < b ? -1 : 1));
  if (tags === null) lines.push('tags: not read (see the warning)');
  else if (tags.length === 0) lines.push('tags: none');
  else lines.push(`tags:\n${renderTable(['key', 'value'], tags)}`);
  out.result(lines.join('\n'));
}

function parentsText(s: ShardInfo): string {
  return [s.parentShardId, s.adjacentParentShardId].filter(Boolean).join(' + ') || '-';
}
