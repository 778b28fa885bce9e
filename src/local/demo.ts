/**
 * `cdcpipe demo`: the whole tool on an embedded kinesis-local, with no AWS account and no questions.
 * Each step runs the real cdcpipe binary as a user would type it, so what the demo shows is what the
 * commands do; the demo only sequences them and checks that nothing was lost.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Output } from '../render/output.js';
import { AwsCallError } from '../errors.js';
import { LOCAL_DUMMY_CREDENTIALS, LOCAL_REGION, startKinesisLocal } from './kinesis-local.js';

const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));

export interface DemoOptions {
  stream: string;
  rps: number;
  kb: number;
  produceSeconds: number;
}

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

export async function runDemo(out: Output, opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'cdcpipe-demo-'));
  out.info('starting the embedded Kinesis server (kinesis-local) on 127.0.0.1 …');
  const server = await startKinesisLocal();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: server.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_PROFILE: undefined,
    AWS_SESSION_TOKEN: undefined,
    // The children's output goes through pipes; keep colour only when ours is a terminal.
    ...(out.color.level > 0 ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }),
  };
  const colorless = out.color.level === 0 ? ['--no-color'] : [];
  const run = (args: string[], capture = false): Promise<Step> => runCli([...args, ...colorless], env, out, capture);
  const heading = (n: number, text: string, command?: string): void => {
    out.result(`\n${out.color.bold(`${n}. ${text}`)}`);
    if (command) out.result(out.color.dim(`   $ cdcpipe ${command}`));
  };
  const s = opts.stream;
  try {
    heading(1, `Plan a load of ${opts.rps} records/s × ${opts.kb} KiB`, `plan --rps ${opts.rps} --kb ${opts.kb}`);
    await expectOk(run(['plan', '--rps', String(opts.rps), '--kb', String(opts.kb)]), 'plan');

    heading(2, 'Create the stream from a pipeline file (2 shards, 24 h, encrypted)', 'provision --config cdcpipe.yaml --yes');
    const config = join(work, 'cdcpipe.yaml');
    writeFileSync(config, `stream:\n  name: ${s}\n  mode: provisioned\n  shards: 2\n  retentionHours: 24\n`);
    await expectOk(run(['provision', '--config', config, '--yes']), 'provision');

    heading(3, `Produce DMS change records in the background for ${opts.produceSeconds} s`, `produce ${s} --rps ${opts.rps} --kb ${opts.kb} --duration ${opts.produceSeconds}s`);
    const producing = run(['produce', s, '--rps', String(opts.rps), '--kb', String(opts.kb), '--duration', `${opts.produceSeconds}s`, '--seed', '7', '--json', '-q'], true);
    let produceEnded = false;
    void producing.then(() => (produceEnded = true));
    await sleep(2500);

    heading(4, 'Tail 15 decoded records', `tail ${s} --from trim-horizon -c 15 --format pretty`);
    await expectOk(run(['tail', s, '--from', 'trim-horizon', '-c', '15', '--format', 'pretty']), 'tail');

    heading(5, 'Reshard 2 → 4 while producing', `reshard ${s} --to 4 --yes`);
    await expectOk(run(['reshard', s, '--to', '4', '--yes']), 'reshard');
    const produceReport = parseProduce(await expectOk(producing, 'produce'));
    out.result(`   produce wrote ${produceReport.records} records at ${produceReport.recordsPerSecond.toFixed(1)} records/s`);
    if (produceEnded) {
      // On a slow machine the background produce can end before the reshard does: write some more so
      // the children have records to show.
      out.result(out.color.dim(`   produce ended before the reshard; writing 200 more into the new shards: cdcpipe produce ${s} --count 200`));
      const more = parseProduce(await expectOk(run(['produce', s, '--rps', String(opts.rps), '--kb', String(opts.kb), '--count', '200', '--seed', '8', '--json', '-q'], true), 'produce'));
      produceReport.records += more.records;
    }

    heading(6, 'Tail everything, following the parents into their children, with a checkpoint', `tail ${s} --from trim-horizon -e --json --checkpoint tail.cp`);
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
    for (const [id, n] of Object.entries(perShard).sort()) out.result(`   ${id}  ${String(n).padStart(6)} records${childShards.includes(id) ? '  (child, read after its parent)' : ''}`);
    out.result(`   ${tailed} records read of ${produceReport.records} produced: ${tailed === produceReport.records ? 'none lost, none repeated' : 'MISMATCH'}`);
    if (tailed !== produceReport.records) throw new AwsCallError(`demo: tail read ${tailed} records but produce wrote ${produceReport.records}`);

    heading(7, 'Write 50 more records, then see how far the tail checkpoint is behind', `lag ${s} --checkpoint tail.cp --threshold 5m`);
    await expectOk(run(['produce', s, '--rps', '50', '--kb', String(opts.kb), '--count', '50', '-q', '--json'], true), 'produce');
    const lag = await run(['lag', s, '--checkpoint', checkpoint, '--threshold', '5m']);
    if (lag.code !== 0 && lag.code !== 3) throw new AwsCallError(`demo: lag exited ${lag.code}`);

    const seconds = (Date.now() - started) / 1000;
    out.result(`\n${out.color.bold('Summary')}`);
    out.result(`   ${produceReport.records} CDC records produced, ${tailed} tailed across ${Object.keys(perShard).length} shards (${childShards.length} created by the reshard), in ${seconds.toFixed(0)} s.`);
    out.result('\nAgainst a real account (your credentials, profile and region as for the AWS CLI):');
    for (const line of [
      'cdcpipe plan --rps 2000 --kb 2',
      'cdcpipe cost --rps 2000 --kb 2 --region eu-west-1',
      'cdcpipe provision --init && cdcpipe provision --dry-run',
      'cdcpipe tail <stream> --from -15m --table "shop.*"',
      'cdcpipe lag <stream> --app <kcl-app> --threshold 1m',
      'cdcpipe reshard <stream> --to 8 --dry-run',
    ])
      out.result(`   $ ${line}`);
    return { produced: produceReport.records, tailed, perShard, childShards, seconds };
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs the cdcpipe binary; stdout is shown (indented) unless captured; stderr is shown indented too. */
function runCli(args: string[], env: NodeJS.ProcessEnv, out: Output, capture: boolean): Promise<Step> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      if (capture) stdout += d.toString();
      else out.result(indent(d.toString()));
    });
    child.stderr.on('data', (d: Buffer) => out.info(indent(d.toString())));
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

const indent = (text: string): string =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
