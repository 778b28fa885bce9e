import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/kinesis.js';

describe('cdcpipe demo', () => {
  it('runs end to end on its own embedded server without a terminal or stdin, and loses nothing', async () => {
    const started = Date.now();
    // No endpoint given: the demo starts and stops its own kinesis-local.
    const res = await runCli(['demo', '--seconds', '6'], { timeoutMs: 150_000, env: { AWS_ENDPOINT_URL: undefined } });
    const seconds = (Date.now() - started) / 1000;
    expect(res.stderr).not.toMatch(/error:/);
    expect(res.code).toBe(0);
    const m = /(\d+) records read of (\d+) produced: none lost, none repeated/.exec(res.stdout);
    expect(m, res.stdout).not.toBeNull();
    expect(Number(m![1])).toBe(Number(m![2]));
    expect(Number(m![2])).toBeGreaterThan(300);
    // tail followed the reshard: records were read from child shards.
    expect(res.stdout).toMatch(/\(child, read after its parent\)/);
    expect(res.stdout).toMatch(/status: NEW → |state: [A-Z]+ → /);
    expect(res.stdout).toMatch(/overall: (OK|WARN|CRIT)/);
    // The closing doctor run: the stream is checked, what the local server cannot answer is skipped, exit 0.
    expect(res.stdout).toMatch(/8\. Check the whole pipeline/);
    expect(res.stdout).toMatch(/✔ ok +stream\.status +demo-orders/);
    expect(res.stdout).toMatch(/- skipped +stream\.write-throttling +demo-orders\n +not checked: CloudWatch not served by the local server/);
    expect(res.stdout).toMatch(/- skipped +source\.checks[^\n]*\n +not checked: RDS not served by the local server/);
    expect(seconds).toBeLessThan(150);
  }, 160_000);

  it('refuses --json with a usage error', async () => {
    const res = await runCli(['demo', '--json']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--json');
  });
});
