/** `lag --serve`, pure halves: the [host:]port parse and the report → gauges mapping; and prom-client's text of them. */
import { describe, expect, it } from 'vitest';
import { consumerLabel, lagGauges } from '../../src/core/lag-gauges.js';
import { parseListenFlag } from '../../src/core/listen-address.js';
import type { LagReport } from '../../src/core/lag-model.js';
import { prometheusExposition } from '../../src/render/lag-prometheus.js';

describe('--serve [host:]port', () => {
  it.each([
    ['9464', { host: '127.0.0.1', port: 9464 }],
    ['0', { host: '127.0.0.1', port: 0 }],
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
  ])('%s → %o', (raw, want) => expect(parseListenFlag('--serve', raw)).toEqual(want));

  it.each(['', 'abc', '65536', '-1', 'host:', ':9464', '1.2.3:9464', '256.1.1.1:80', '[nothost]:80', 'a b:80', '::1:9464'])('%j is a usage error naming --serve', (raw) => {
    expect(() => parseListenFlag('--serve', raw)).toThrow(/^--serve: expected \[host:\]port/);
  });
});

const report: LagReport = {
  stream: 'orders',
  source: 'kcl',
  app: 'indexer',
  status: 'CRIT',
  reason: 'x',
  maxLagMs: 400_000,
  thresholdMs: 300_000,
  windowMs: 900_000,
  evaluatedAt: '2026-11-27T10:00:00.000Z',
  shards: [
    { shardId: 'shardId-000000000000', parentShardIds: [], closed: false, lagMs: 400_000, status: 'CRIT', reason: 'x', recordsBehind: 12 },
    { shardId: 'shardId-000000000001', parentShardIds: [], closed: true, lagMs: 0, status: 'OK', reason: 'read to SHARD_END' },
  ],
  stages: { sourceToDms: { lagMs: 2000, from: 'a' }, dmsToStream: { lagMs: 1000, from: 'b' }, streamToS3: { lagMs: 60_000, from: 'c' }, endToEndMs: 403_000 },
  notes: [],
};

describe('the gauges', () => {
  it('before any successful refresh only cdcpipe_lag_up 0 is served', () => {
    expect(lagGauges({ stream: 'orders', consumer: 'kcl:indexer', up: false })).toEqual([{ name: 'cdcpipe_lag_up', help: expect.any(String), labelNames: ['stream'], samples: [{ labels: { stream: 'orders' }, value: 0 }] }]);
  });

  it('a report becomes per-shard lag, the max, a one-hot status, the stages and the last read', () => {
    const byName = new Map(lagGauges({ stream: 'orders', consumer: 'kcl:indexer', up: true, last: { report, atMs: 1_800_000_000_000 } }).map((f) => [f.name, f.samples]));
    expect(byName.get('cdcpipe_lag_shard_milliseconds')).toEqual([
      { labels: { stream: 'orders', consumer: 'kcl:indexer', shard: 'shardId-000000000000' }, value: 400_000 },
      { labels: { stream: 'orders', consumer: 'kcl:indexer', shard: 'shardId-000000000001' }, value: 0 },
    ]);
    expect(byName.get('cdcpipe_lag_shard_records_behind')).toHaveLength(1);
    expect(byName.get('cdcpipe_lag_consumer_max_milliseconds')).toEqual([{ labels: { stream: 'orders', consumer: 'kcl:indexer' }, value: 400_000 }]);
    expect(byName.get('cdcpipe_lag_status')!.filter((s) => s.value === 1).map((s) => s.labels.status)).toEqual(['CRIT']);
    expect(byName.get('cdcpipe_lag_stage_milliseconds')!.map((s) => [s.labels.stage, s.value])).toEqual([['sourceToDms', 2000], ['dmsToStream', 1000], ['streamToS3', 60_000]]);
    expect(byName.get('cdcpipe_lag_end_to_end_milliseconds')).toEqual([{ labels: { stream: 'orders' }, value: 403_000 }]);
    expect(byName.get('cdcpipe_lag_last_success_timestamp_seconds')).toEqual([{ labels: { stream: 'orders' }, value: 1_800_000_000 }]);
    expect(byName.get('cdcpipe_lag_up')![0]!.value).toBe(1);
  });

  it.each([
    [{ kind: 'kcl', app: 'indexer' }, 'kcl:indexer'],
    [{ kind: 'checkpoint', path: 'cp.json' }, 'checkpoint:cp.json'],
    [{ kind: 'lambda', consumer: 'fn' }, 'lambda:fn'],
    [{ kind: 'stream-metrics' }, 'stream'],
  ])('consumer label of %o is %s', (source, label) => expect(consumerLabel(source)).toBe(label));

  it('prom-client writes them as gauges, HELP and TYPE once per family', async () => {
    const expose = await prometheusExposition();
    const { contentType, body } = await expose(lagGauges({ stream: 'orders', consumer: 'kcl:indexer', up: true, last: { report, atMs: 1_800_000_000_000 } }), undefined);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('# TYPE cdcpipe_lag_shard_milliseconds gauge');
    expect(body).toContain('cdcpipe_lag_shard_milliseconds{stream="orders",consumer="kcl:indexer",shard="shardId-000000000000"} 400000');
    expect(body.match(/# TYPE cdcpipe_lag_status gauge/g)).toHaveLength(1);
  });
});
