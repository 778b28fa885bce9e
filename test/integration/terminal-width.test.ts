/**
 * Tables fit the terminal (issue 20, item 10) and `lag --watch` says how fresh its figures are
 * (item 11): the built binary in real tmux terminals of 100 and 120 columns, against kinesis-local.
 * Each captured line is a line as the terminal drew it, wrapped lines joined: none may be wider than
 * the terminal, so no table row spills onto a second line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStream, kinesisClient, putRecords, splitShard, uniqueStreamName } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';
import { columns, TmuxTerminal } from '../helpers/tmux.js';

const dir = tempDir('width');
const term = new TmuxTerminal();
let client: KinesisClient;
const env = () => ({ AWS_ENDPOINT_URL: inject('kinesisEndpoint') });

beforeAll(() => {
  term.tmux('-V'); // tmux is on every machine these tests run on: its absence is a failure, not a skip
  client = kinesisClient(inject('kinesisEndpoint'));
});
afterAll(() => {
  term.close();
  client?.destroy();
});

const widest = (lines: string[]) => Math.max(...lines.map(columns));
/** Text with no space after `-`, `/` or `,`: where a cell may break without one, a joined cell has one. */
const unbroken = (text: string) => text.replace(/([-/,]) /g, '$1');
/** Column `col` (1-based) of a row that wrapped over `lines`, its lines joined again. */
const cell = (lines: string[], col: number) => unbroken(lines.map((l) => l.split('│')[col]!.trim()).filter(Boolean).join(' '));

describe('in a 100-column terminal', () => {
  it('provision --dry-run of a stream-only file: the detail wraps inside its cell', async () => {
    const stream = uniqueStreamName('width-provision-with-a-long-name');
    const file = join(dir, 'stream.yaml');
    writeFileSync(
      file,
      `stream:\n  name: ${stream}\n  shards: 2\n  retentionHours: 168\n  encryption:\n    kmsKeyId: alias/cdcpipe-orders-stream-key\n  enhancedMonitoring: [IncomingBytes, IncomingRecords, IteratorAgeMilliseconds, WriteProvisionedThroughputExceeded]\n`,
    );
    const { lines, code } = await term.run(['provision', '--config', file, '--dry-run'], { width: 100, cwd: dir, env: env() });
    expect(code, lines.join('\n')).toBe(0);
    expect(widest(lines)).toBeLessThanOrEqual(100);
    expect(lines[1]).toMatch(/^│ action │ resource +│ name +│ detail +│$/);
    expect(lines[2]).toMatch(/^│ create │ kinesis-stream │/);
    // The one row's cells, read down: every character is there.
    expect(cell(lines.slice(2, -1), 3)).toBe(stream);
    expect(cell(lines.slice(2, -1), 4)).toBe(unbroken('2 shards, 168 h retention, KMS alias/cdcpipe-orders-stream-key, enhanced monitoring IncomingBytes,IncomingRecords,IteratorAgeMilliseconds,WriteProvisionedThroughputExceeded'));
  });

  it('cost --rps 1000 --kb 4: the items and components wrap, every figure stays, the footer wraps at a space', async () => {
    const { lines, code } = await term.run(['cost', '--rps', '1000', '--kb', '4'], { width: 100, cwd: dir });
    expect(code, lines.join('\n')).toBe(0);
    expect(widest(lines)).toBeLessThanOrEqual(100);
    expect(lines[1]).toMatch(/^│ component +│ item +│ +quantity a month │ unit price │ +a month │$/);
    for (const figure of ['$54.75', '$36.79', '$802.00', '$0.40', '$685.93', '$1,826.59', '80.2 thousand requests', '$0.015']) expect(lines.join('\n')).toContain(figure);
    expect(lines.filter((l) => /\$[\d,.]+ │$/.test(l))).toHaveLength(10); // ten rows of figures, however tall each is
    expect(lines.slice(-2).join(' ')).toBe('5 provisioned shards; bundled us-east-1 prices of 2026-11-27; a month is 730 hours; S3 storage grows by its line each month data is kept.');
  });
});

describe('lag', () => {
  const stream = uniqueStreamName('width-lag');
  let checkpoint: string;

  beforeAll(async () => {
    await createStream(client, stream, 2);
    await splitShard(client, stream, 'shardId-000000000000', 2n ** 126n);
    await putRecords(client, stream, Array.from({ length: 40 }, (_, i) => ({ partitionKey: `k${i}`, data: `{"i":${i}}` })));
    // A tail checkpoint that has read nothing yet: every shard waits, each row says why.
    checkpoint = join(dir, 'lag.checkpoint.json');
    writeFileSync(checkpoint, JSON.stringify({ schemaVersion: 1, stream, updatedAt: new Date().toISOString(), shards: {} }));
  });

  it('in 120 columns the table fits with its parent column, parents told apart by their digits', async () => {
    const { lines, code } = await term.run(['lag', stream, '--checkpoint', checkpoint, '--threshold', '1h'], { width: 120, cwd: dir, env: env() });
    expect(code, lines.join('\n')).toBe(0);
    expect(widest(lines)).toBeLessThanOrEqual(120);
    expect(lines[1]).toMatch(/^│ shard +│ parent │ owner │ checkpoint age │ +lag │ behind │ status │ why +│$/);
    expect(lines.find((l) => l.startsWith('│ shardId-000000000002'))).toMatch(/^│ shardId-000000000002 │ …0000 +│/);
    expect(lines.find((l) => l.startsWith('│ shardId-000000000003'))).toMatch(/^│ shardId-000000000003 │ …0000 +│/);
    expect(lines.at(-1)).toMatch(/^overall: OK +max lag/);
  });

  it('--watch in 100 columns: the screen says when it was refreshed, fits, and Ctrl-C ends it with exit 0', async () => {
    const session = term.start(['lag', stream, '--checkpoint', checkpoint, '--threshold', '1h', '--watch', '2s'], { width: 100, cwd: dir, env: env() });
    const first = await term.waitFor(session, /refreshed \d\d:\d\d:\d\d \(\d+ s ago\); refreshing every 2s; Ctrl-C to stop/);
    expect(widest(first)).toBeLessThanOrEqual(100);
    expect(first[1]).toMatch(/^│ shard +│/);
    // The seconds count while the screen waits for the next refresh: it is live, not frozen.
    await term.waitFor(session, /refreshed (\d\d:\d\d:\d\d) \([1-9] s ago\)/);
    term.tmux('send-keys', '-t', session, 'C-c');
    const end = await term.waitFor(session);
    expect(end.join('\n')).toContain('__EXIT 0__');
    term.tmux('kill-session', '-t', session);
  });
});
