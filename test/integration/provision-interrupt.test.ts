/**
 * Ctrl-C in `cdcpipe provision`, in a real terminal (tmux): at the prompt it is "aborted, nothing
 * changed" with exit 130; while applying, it stops at the next wait and says what was applied and what
 * was not, and a re-run converges (issue 20, item 5). kinesis-local answers fast, so the fault proxy
 * holds one call of the stream's for a few seconds to land the Ctrl-C inside the apply.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { kinesisClient, REGION, runCli, TEST_CREDENTIALS, uniqueStreamName } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));
const endpoint = inject('kinesisEndpoint');
const dir = tempDir('provision-interrupt');
const socket = `cdcpipe-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left
  }
});

/** Runs a shell line in a new 100×30 tmux session; returns a reader of its screen. */
function inTerminal(name: string, line: string): () => string {
  const script = join(dir, `${name}.sh`);
  // The shell survives the Ctrl-C (a trap, which its child does not inherit) to print the exit code.
  writeFileSync(script, `trap 'true' INT\n${line}\necho "EXIT=$?"\nsleep 60\n`);
  tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', name, `sh ${script}`);
  return () => tmux('capture-pane', '-p', '-J', '-S', '-100', '-t', name);
}

async function waitFor(screen: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pipelineFile(stream: string): string {
  const file = join(dir, `${stream}.yaml`);
  writeFileSync(file, `stream: {name: ${stream}, shards: 1, retentionHours: 48}\n`);
  return file;
}

const envLine = (url: string) =>
  `env -u CI AWS_ACCESS_KEY_ID=${TEST_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${TEST_CREDENTIALS.secretAccessKey} AWS_REGION=${REGION} AWS_ENDPOINT_URL=${url} AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent`;

async function streamExists(stream: string): Promise<boolean> {
  const client = kinesisClient(endpoint);
  try {
    await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

describe('Ctrl-C in provision (tmux)', () => {
  it('at the prompt: "aborted, nothing changed", exit 130, nothing created', async () => {
    const stream = uniqueStreamName('ctrlc-prompt');
    const screen = inTerminal('prompt', `${envLine(endpoint)} ${process.execPath} ${BIN} provision --config ${pipelineFile(stream)}`);
    await waitFor(screen, /Apply 1 change\? \[y\/N\]/);
    tmux('send-keys', '-t', 'prompt', 'C-c');
    const text = await waitFor(screen, /EXIT=\d+/);
    expect(text).toContain('aborted, nothing changed');
    expect(text).not.toMatch(/error: AbortError/);
    expect(text).toContain('EXIT=130');
    expect(await streamExists(stream)).toBe(false);
  });

  it('while applying: says what was applied and what was not, exit 130; a re-run converges', async () => {
    const proxy = await startFaultProxy({ target: endpoint, seed: 1, rules: [{ operation: 'IncreaseStreamRetentionPeriod', fault: 'slow', rate: 1, delayMs: 3000, limit: 1 }] });
    try {
      const stream = uniqueStreamName('ctrlc-apply');
      const file = pipelineFile(stream);
      const screen = inTerminal('apply', `${envLine(proxy.endpoint)} ${process.execPath} ${BIN} provision --config ${file} --yes`);
      await waitFor(screen, new RegExp(`create kinesis-stream ${stream}`));
      await new Promise((r) => setTimeout(r, 1000));
      tmux('send-keys', '-t', 'apply', 'C-c');
      const text = await waitFor(screen, /EXIT=\d+/);
      expect(text, text).toContain('EXIT=130');
      expect(text).toMatch(new RegExp(`interrupted \\(Ctrl-C\\): applied 0 of 1 change; stopped during create kinesis-stream ${stream} \\(partly applied\\)`));
      expect(text).toMatch(/re-run of cdcpipe provision converges/);
      expect(await streamExists(stream)).toBe(true);

      const again = await runCli(['provision', '--config', file, '--yes', '--json'], { endpoint });
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).actions.map((a: { action: string }) => a.action)).toEqual(['update']);
      expect((await runCli(['provision', '--config', file, '--check'], { endpoint })).code).toBe(0);
    } finally {
      await proxy.stop();
    }
  });
});
