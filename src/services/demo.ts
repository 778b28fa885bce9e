/**
 * `cdcpipe demo`: the whole tool on an embedded kinesis-local, with no AWS account and no questions.
 * Each step runs the real cdcpipe binary as a user would type it, so what the demo shows is what the
 * commands do; the demo only sequences them and checks that nothing was lost. The walkthrough is told
 * as events (src/render/demo.ts draws them on stdout); the children's stderr goes to the Host.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsCallError } from '../errors.js';
import { LOCAL_DUMMY_CREDENTIALS, LOCAL_REGION, startKinesisLocal, type KinesisLocal } from '../local/kinesis-local.js';
import type { Host } from './host.js';

const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));

export interface DemoOptions {
  stream: string;
  rps: number;
  kb: number;
  produceSeconds: number;
  /** Colour in the children's output (ours goes to a terminal). */
  color: boolean;
  /** The environment the children start from; the demo points it at its own server. */
  env: NodeJS.ProcessEnv;
  /** Receives the walkthrough as it happens. */
  show: (event: DemoEvent) => void;
}

/** What the demo needs from outside: its own Kinesis server. */
export interface DemoClients {
  startKinesisLocal(): Promise<KinesisLocal>;
}

export type DemoEvent =
  | { kind: 'step'; n: number; title: string; command?: string }
  /** A child's stdout, set in under the step heading like its stderr. */
  | { kind: 'output'; text: string }
  | { kind: 'produced'; records: number; recordsPerSecond: number }
  | { kind: 'produce-more'; stream: string }
  | { kind: 'tailed'; perShard: Record<string, number>; childShards: string[]; tailed: number; produced: number }
  | { kind: 'summary'; produced: number; tailed: number; shards: number; childShards: number; seconds: number };

interface Step {
  code: number | null;
  stdout: string;
}

export interface DemoResult {
  produced: number;
  tailed: number;
  perShard: Record<string, number>;
  childShards: string[];
  seconds: number;
}

export async function runDemo(opts: DemoOptions, clients: DemoClients = { startKinesisLocal }, host: Host): Promise<DemoResult> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'cdcpipe-demo-'));
  host.info('starting the embedded Kinesis server (kinesis-local) on 127.0.0.1 …');
  const server = await clients.startKinesisLocal();
  const env: NodeJS.ProcessEnv = {
    ...opts.env,
    AWS_ENDPOINT_URL: server.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_PROFILE: undefined,
    AWS_SESSION_TOKEN: undefined,
    // The children's output goes through pipes; keep colour only when ours is a terminal.
    ...(opts.color ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }),
  };
  const colorless = opts.color ? [] : ['--no-color'];
  const run = (args: string[], capture = false): Promise<Step> => runCli([...args, ...colorless], env, opts.show, host, capture);
  const step = (n: number, title: string, command?: string): void => opts.show({ kind: 'step', n, title, ...(command ? { command } : {}) });
  const s = opts.stream;
  try {
    step(1, `Plan a load of ${opts.rps} records/s × ${opts.kb} KiB`, `plan --rps ${opts.rps} --kb ${opts.kb}`);
    await expectOk(run(['plan', '--rps', String(opts.rps), '--kb', String(opts.kb)]), 'plan');

    step(2, 'Create the stream from a pipeline file (2 shards, 24 h, encrypted)', 'provision --config cdcpipe.yaml --yes');
    const config = join(work, 'cdcpipe.yaml');
    writeFileSync(config, `stream:\n  name: ${s}\n  mode: provisioned\n  shards: 2\n  retentionHours: 24\n`);
    await expectOk(run(['provision', '--config', config, '--yes']), 'provision');

    step(3, `Produce DMS change records in the background for ${opts.produceSeconds} s`, `produce ${s} --rps ${opts.rps} --kb ${opts.kb} --duration ${opts.produceSeconds}s`);
    const producing = run(['produce', s, '--rps', String(opts.rps), '--kb', String(opts.kb), '--duration', `${opts.produceSeconds}s`, '--seed', '7', '--json', '-q'], true);
    let produceEnded = false;
    void producing.then(() => (produceEnded = true));
    await sleep(2500);

    step(4, 'Tail 15 decoded records', `tail ${s} --from trim-horizon -c 15 --format pretty`);
    await expectOk(run(['tail', s, '--from', 'trim-horizon', '-c', '15', '--format', 'pretty']), 'tail');

    step(5, 'Reshard 2 → 4 while producing', `reshard ${s} --to 4 --yes`);
    await expectOk(run(['reshard', s, '--to', '4', '--yes']), 'reshard');
    const produceReport = parseProduce(await expectOk(producing, 'produce'));
    opts.show({ kind: 'produced', records: produceReport.records, recordsPerSecond: produceReport.recordsPerSecond });
    if (produceEnded) {
      // On a slow machine the background produce can end before the reshard does: write some more so
      // the children have records to show.
      opts.show({ kind: 'produce-more', stream: s });
      const more = parseProduce(await expectOk(run(['produce', s, '--rps', String(opts.rps), '--kb', String(opts.kb), '--count', '200', '--seed', '8', '--json', '-q'], true), 'produce'));
      produceReport.records += more.records;
    }

    step(6, 'Tail everything, following the parents into their children, with a checkpoint', `tail ${s} --from trim-horizon -e --json --checkpoint tail.cp`);
    const checkpoint = join(work, 'tail.cp');
    const all = await expectOk(run(['tail', s, '--from', 'trim-horizon', '-e', '--json', '--checkpoint', checkpoint, '-q'], true), 'tail');
    const perShard: Record<string, number> = {};
    let tailed = 0;
    for (const line of all.stdout.split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line) as { shardId: string };
      perShard[rec.shardId] = (perShard[rec.shardId] ?? 0) + 1;
      tailed++;
    }
    const childShards = Object.keys(perShard).filter((id) => !/^shardId-00000000000[01]$/.test(id)).sort();
    opts.show({ kind: 'tailed', perShard, childShards, tailed, produced: produceReport.records });
    if (tailed !== produceReport.records) throw new AwsCallError(`demo: tail read ${tailed} records but produce wrote ${produceReport.records}`);

    step(7, 'Write 50 more records, then see how far the tail checkpoint is behind', `lag ${s} --checkpoint tail.cp --threshold 5m`);
    await expectOk(run(['produce', s, '--rps', '50', '--kb', String(opts.kb), '--count', '50', '-q', '--json'], true), 'produce');
    const lag = await run(['lag', s, '--checkpoint', checkpoint, '--threshold', '5m']);
    if (lag.code !== 0 && lag.code !== 3) throw new AwsCallError(`demo: lag exited ${lag.code}`);

    step(8, 'Check the whole pipeline; what the local server cannot answer (CloudWatch, DMS, RDS) is skipped', 'doctor --config cdcpipe.yaml --local');
    // --local on this demo's own server: the services it does not serve are known, and skipped by name.
    await expectOk(runCli(['doctor', '--config', config, '--local', ...colorless], { ...env, CDCPIPE_LOCAL_PORT: String(server.port) }, opts.show, host, false), 'doctor');

    const seconds = (Date.now() - started) / 1000;
    opts.show({ kind: 'summary', produced: produceReport.records, tailed, shards: Object.keys(perShard).length, childShards: childShards.length, seconds });
    return { produced: produceReport.records, tailed, perShard, childShards, seconds };
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs the cdcpipe binary; stdout is shown unless captured; stderr goes to the Host, indented. */
function runCli(args: string[], env: NodeJS.ProcessEnv, show: DemoOptions['show'], host: Host, capture: boolean): Promise<Step> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      if (capture) stdout += d.toString();
      else show({ kind: 'output', text: indent(d.toString()) });
    });
    child.stderr.on('data', (d: Buffer) => host.info(indent(d.toString())));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

function parseProduce(step: Step): { records: number; recordsPerSecond: number } {
  return JSON.parse(step.stdout) as { records: number; recordsPerSecond: number };
}

async function expectOk(step: Promise<Step>, what: string): Promise<Step> {
  const res = await step;
  if (res.code !== 0) throw new AwsCallError(`demo: \`cdcpipe ${what}\` exited ${res.code}`);
  return res;
}

/** The walkthrough sets the children's lines three spaces in, under its step headings. */
const indent = (text: string): string =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
