/**
 * `lag --watch` (issue 20, item 11): the screen says when it was last refreshed and whether a refresh
 * is late or failing; the loop keeps going after a failed refresh; without a terminal, one NDJSON
 * object per refresh, as before. Time comes from the service's clock, under vitest's fake timers.
 */
import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LagReport } from '../../src/core/lag-model.js';
import { lagWatchRenderer, watchScreen, watchStatusLine } from '../../src/render/lag-watch.js';
import { Output } from '../../src/render/output.js';
import { plainText, visibleWidth } from '../../src/render/wrap.js';
import { realClock, watchLoop, type LagWatchEvent, type LagWatchState } from '../../src/services/lag.js';

/** 10:00:00 on the machine's own clock, whatever its time zone: the screen shows local time. */
const T0 = new Date(2026, 10, 27, 10, 0, 0).getTime();
const S = 1000;

function report(maxLagMs: number, parents: string[][] = []): LagReport {
  return {
    stream: 'orders',
    source: 'checkpoint',
    checkpointFile: 'orders.checkpoint.json',
    status: 'OK',
    reason: `shardId-000000000000: lag ${maxLagMs / 1000}s within the threshold 5m`,
    maxLagMs,
    thresholdMs: 300_000,
    windowMs: 900_000,
    evaluatedAt: new Date(T0).toISOString(),
    shards: parents.map((p, i) => ({ shardId: `shardId-00000000000${i + 2}`, parentShardIds: p, closed: false, lagMs: maxLagMs, status: 'OK', reason: 'no lease yet: waits for its parent to reach SHARD_END' })),
    stages: {},
    notes: [],
  } as LagReport;
}

const state = (s: Partial<LagWatchState>): LagWatchState => ({ intervalMs: 5 * S, nowMs: T0, ...s });
const A = report(2000);

describe('the watch status line', () => {
  it.each([
    ['fresh: when, and how long ago', state({ last: { report: A, atMs: T0 }, nowMs: T0 + 3 * S }), 'refreshed 10:00:00 (3 s ago); refreshing every 5s; Ctrl-C to stop'],
    ['a refresh running within the interval is not late', state({ last: { report: A, atMs: T0 }, refreshingSinceMs: T0 + 5 * S, nowMs: T0 + 10 * S }), 'refreshed 10:00:00 (10 s ago); refreshing every 5s; Ctrl-C to stop'],
    ['late: the refresh has taken longer than the interval', state({ last: { report: A, atMs: T0 }, refreshingSinceMs: T0 + 5 * S, nowMs: T0 + 12 * S }), 'refresh late: 12 s since the last one (10:00:00); refreshing every 5s; Ctrl-C to stop'],
    ['late for minutes', state({ last: { report: A, atMs: T0 }, refreshingSinceMs: T0 + 5 * S, nowMs: T0 + 125 * S }), 'refresh late: 2m5s since the last one (10:00:00); refreshing every 5s; Ctrl-C to stop'],
    ['failed: the reason, and whose figures are shown', state({ last: { report: A, atMs: T0 }, failed: { atMs: T0 + 6 * S, message: 'Rate exceeded for stream orders' }, nowMs: T0 + 7 * S }), 'refresh failed: Rate exceeded for stream orders; showing the figures from 10:00:00 (7 s ago); retrying every 5s; Ctrl-C to stop'],
    ['before the first report', state({ refreshingSinceMs: T0, nowMs: T0 + 2 * S }), 'waiting for the first refresh (2 s); Ctrl-C to stop'],
  ])('%s', (_name, s, line) => {
    expect(watchStatusLine(s, '5s')).toBe(line);
  });

  it('the screen is the report, then the status line, coloured by how things stand, each line within the width', () => {
    const c = new Chalk({ level: 1 });
    const late = watchScreen(state({ last: { report: report(2000, [['shardId-000000000000'], ['shardId-000000000001']]), atMs: T0 }, refreshingSinceMs: T0 + 5 * S, nowMs: T0 + 12 * S }), '5s', c, 100);
    expect(late.split('\n').at(-1)).toBe(c.yellow('refresh late: 12 s since the last one (10:00:00); refreshing every 5s; Ctrl-C to stop'));
    expect(plainText(late)).toContain('│ shardId-000000000002 │ …0000  │');
    expect(plainText(late)).toContain('│ shardId-000000000003 │ …0001  │');
    expect(Math.max(...late.split('\n').map(visibleWidth))).toBeLessThanOrEqual(100);
    const failed = watchScreen(state({ last: { report: A, atMs: T0 }, failed: { atMs: T0, message: 'x' }, nowMs: T0 }), '5s', c, 100);
    expect(failed.split('\n').at(-1)!.startsWith('\x1b[31mrefresh failed: x;')).toBe(true);
    expect(watchScreen(state({ last: { report: A, atMs: T0 }, nowMs: T0 }), '5s', c).split('\n').at(-1)).toBe(c.dim('refreshed 10:00:00 (0 s ago); refreshing every 5s; Ctrl-C to stop'));
  });
});

function sink(isTTY: boolean, columns?: number): Writable & { isTTY: boolean; columns?: number; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) }) as Writable & { isTTY: boolean; columns?: number; text: () => string };
  Object.assign(w, { isTTY, columns, text: () => chunks.join('') });
  return w;
}

describe('lagWatchRenderer', () => {
  const output = (stdout: Writable, stderr: Writable, json = false) => new Output({ json, color: false, quiet: false, debug: false, stdout: stdout as never, stderr: stderr as never, env: {} });
  const B = report(4000);
  const run = (r: ReturnType<typeof lagWatchRenderer>) => {
    r.onUpdate('report', state({ last: { report: A, atMs: T0 } }));
    r.onUpdate('tick', state({ last: { report: A, atMs: T0 }, nowMs: T0 + S }));
    r.onUpdate('failed', state({ last: { report: A, atMs: T0 }, failed: { atMs: T0 + 5 * S, message: 'Rate exceeded' }, nowMs: T0 + 5 * S }));
    r.onUpdate('report', state({ last: { report: B, atMs: T0 + 10 * S }, nowMs: T0 + 10 * S }));
  };

  it('without a terminal: one NDJSON object per refresh, exactly the report as before; ticks print nothing; a failure is a warning on stderr', () => {
    const [stdout, stderr] = [sink(false), sink(false)];
    const r = lagWatchRenderer(output(stdout, stderr), '5s');
    expect(r.tickMs).toBeUndefined();
    run(r);
    expect(stdout.text()).toBe(`${JSON.stringify({ schemaVersion: 1, ...A })}\n${JSON.stringify({ schemaVersion: 1, ...B })}\n`);
    expect(stderr.text()).toBe('warning: refresh failed: Rate exceeded; the next in 5s\n');
  });

  it('--json on a terminal is NDJSON too', () => {
    const stdout = sink(true, 100);
    run(lagWatchRenderer(output(stdout, sink(false), true), '5s'));
    expect(stdout.text().split('\n').filter(Boolean).map((l) => JSON.parse(l).maxLagMs)).toEqual([2000, 4000]);
  });

  it('on a terminal: every update redraws the screen in place, ticking each second, fitted to its width', () => {
    const stdout = sink(true, 60);
    const r = lagWatchRenderer(output(stdout, sink(false)), '5s');
    expect(r.tickMs).toBe(1000);
    run(r);
    const screens = stdout.text().split('\x1b[H\x1b[2J');
    expect(screens.shift()).toBe('');
    expect(screens).toHaveLength(4);
    expect(screens[0]).toContain('refreshed 10:00:00 (0 s ago)');
    expect(screens[1]).toContain('refreshed 10:00:00 (1 s ago)');
    expect(screens[3]).toContain('refreshed 10:00:10 (0 s ago)');
    expect(screens[2]).toContain('refresh failed: Rate exceeded; showing the figures from');
    expect(Math.max(...screens.flatMap((s) => s.split('\n')).map(visibleWidth))).toBeLessThanOrEqual(60);
  });
});

describe('watchLoop', () => {
  afterEach(() => void vi.useRealTimers());

  it('reports each refresh, ticks while one is late, keeps going after a failed one, and stops on Ctrl-C', async () => {
    vi.useFakeTimers({ now: T0 });
    const stop = new AbortController();
    const clock = realClock(stop.signal);
    const seen: [LagWatchEvent, number, string][] = [];
    const refreshes = [
      async () => report(1000),
      async () => (await clock.sleep(12 * S), report(2000)), // slow: longer than the 5 s interval
      async () => Promise.reject(new Error('Rate exceeded for stream orders')),
      async () => report(3000),
    ];
    let n = 0;
    const loop = watchLoop(() => refreshes[n++]!(), clock, {
      intervalMs: 5 * S,
      tickMs: S,
      signal: stop.signal,
      onUpdate: (event, s) => void seen.push([event, (s.nowMs - T0) / S, watchStatusLine(s, '5s')]),
    });
    await vi.advanceTimersByTimeAsync(28 * S);
    stop.abort();
    await loop;
    const at = (t: number) => seen.filter(([, s]) => s === t).map(([e, , line]) => `${e}: ${line}`);
    expect(at(0)).toEqual(['report: refreshed 10:00:00 (0 s ago); refreshing every 5s; Ctrl-C to stop']);
    expect(at(3)).toEqual(['tick: refreshed 10:00:00 (3 s ago); refreshing every 5s; Ctrl-C to stop']);
    // The second refresh starts at 5 s; from 11 s it has run longer than the interval.
    expect(at(10)).toEqual(['tick: refreshed 10:00:00 (10 s ago); refreshing every 5s; Ctrl-C to stop']);
    expect(at(11)).toEqual(['tick: refresh late: 11 s since the last one (10:00:00); refreshing every 5s; Ctrl-C to stop']);
    expect(at(16)).toEqual(['tick: refresh late: 16 s since the last one (10:00:00); refreshing every 5s; Ctrl-C to stop']);
    expect(at(17)).toEqual(['report: refreshed 10:00:17 (0 s ago); refreshing every 5s; Ctrl-C to stop']);
    expect(at(22)).toEqual(['failed: refresh failed: Rate exceeded for stream orders; showing the figures from 10:00:17 (5 s ago); retrying every 5s; Ctrl-C to stop']);
    expect(at(25)).toEqual(['tick: refresh failed: Rate exceeded for stream orders; showing the figures from 10:00:17 (8 s ago); retrying every 5s; Ctrl-C to stop']);
    expect(at(27)).toEqual(['report: refreshed 10:00:27 (0 s ago); refreshing every 5s; Ctrl-C to stop']);
    expect(n).toBe(4);
    expect(seen.filter(([e]) => e !== 'tick').map(([e]) => e)).toEqual(['report', 'report', 'failed', 'report']);
  });

  it('the first refresh failing ends the watch with its error: there is nothing to show yet', async () => {
    const stop = new AbortController();
    const onUpdate = vi.fn();
    await expect(watchLoop(() => Promise.reject(new Error('stream not found')), realClock(stop.signal), { intervalMs: 5 * S, signal: stop.signal, onUpdate })).rejects.toThrow('stream not found');
    expect(onUpdate).not.toHaveBeenCalled();
  });
});
