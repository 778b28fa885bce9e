// Start-up benchmark: `cdcpipe plan --rps 100 --kb 4` and `cdcpipe --version` against `node -e 0`,
// measured in the same run, alternating so drift in machine load hits both equally.
// Run after a build: `node bench/startup.js [runs]`. Target (issue 2/8): plan ≤ 2× node -e 0.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/cdcpipe.js', import.meta.url));

function timeOnce(args) {
  const started = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 0) throw new Error(`${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

export function benchStartup(runs = 15) {
  const cases = {
    'node -e 0': ['-e', '0'],
    'cdcpipe plan --rps 100 --kb 4': [BIN, 'plan', '--rps', '100', '--kb', '4'],
    'cdcpipe --version': [BIN, '--version'],
  };
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const args of Object.values(cases)) timeOnce(args); // warm the file cache
  for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(cases)) samples[name].push(timeOnce(args));
  const baseline = median(samples['node -e 0']);
  return {
    runs,
    baselineMs: baseline,
    planMs: median(samples['cdcpipe plan --rps 100 --kb 4']),
    versionMs: median(samples['cdcpipe --version']),
    planRatio: median(samples['cdcpipe plan --rps 100 --kb 4']) / baseline,
    versionRatio: median(samples['cdcpipe --version']) / baseline,
    targetPlanRatio: 2,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = benchStartup(Number(process.argv[2] ?? 15));
  console.log(`start-up, median of ${r.runs} runs`);
  console.log(`  node -e 0                        ${r.baselineMs.toFixed(1)} ms  (baseline)`);
  console.log(`  cdcpipe plan --rps 100 --kb 4    ${r.planMs.toFixed(1)} ms  ${r.planRatio.toFixed(2)}×  (target ≤ 2×)`);
  console.log(`  cdcpipe --version               ${r.versionMs.toFixed(1)} ms  ${r.versionRatio.toFixed(2)}×`);
}
