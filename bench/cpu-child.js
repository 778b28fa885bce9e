// One measured child process for the CPU benchmarks (put.js, top.js): `node --import <preload> ...args`,
// where the preload writes the child's own process.cpuUsage() at exit, so the figure is the child's CPU
// alone (start-up included), not this driver's.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Writes the preload into `dir` (once per run). */
export function writeCpuPreload(dir) {
  writeFileSync(join(dir, 'cpu-preload.mjs'), "import { writeFileSync } from 'node:fs';\nprocess.once('exit', () => writeFileSync(process.env.CDCPIPE_BENCH_CPU_FILE, JSON.stringify(process.cpuUsage())));\n");
}

/** Runs one child from the repository root, stdout to `stdoutFile` (or /dev/null); its CPU and wall seconds. */
export async function measureChild(args, env, dir, label, stdoutFile) {
  const out = join(dir, `${label}-${Date.now()}.cpu`);
  const fd = openSync(stdoutFile ?? '/dev/null', 'w');
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'cpu-preload.mjs')).href, ...args], { cwd: ROOT, env: { ...process.env, ...env, CDCPIPE_BENCH_CPU_FILE: out }, stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (c) => (c === 0 ? resolve() : reject(new Error(`${label} exited ${c}: ${stderr.slice(-2000)}`))));
  });
  closeSync(fd);
  const wallS = (performance.now() - started) / 1000;
  const { user, system } = JSON.parse(readFileSync(out, 'utf8'));
  return { cpuS: (user + system) / 1e6, wallS };
}
