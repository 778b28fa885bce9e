/**
 * The real binary in a real terminal of a chosen size: a detached tmux session on a socket of its
 * own (`tmux -L`), read back with `capture-pane -p -J` (lines the terminal wrapped are joined again,
 * so a table row wider than the terminal shows as one over-long line). tmux is required: a test
 * that needs it fails without it rather than passing unseen.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_AWS_ENV } from './kinesis.js';

const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class TmuxTerminal {
  private readonly socket = `cdcpipe-test-${randomUUID().slice(0, 8)}`;
  private sessions = 0;

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * Starts `cdcpipe <args>` in a new width × height session with local AWS credentials and `env`;
   * the shell prints `__EXIT <code>__` when it ends and the pane stays for reading.
   */
  start(args: string[], opts: { width: number; height?: number; cwd: string; env?: Record<string, string> }): string {
    const name = `s${++this.sessions}`;
    const env = { ...CLI_AWS_ENV, ...opts.env };
    const command = `${[process.execPath, BIN, ...args].map(quote).join(' ')}; echo __EXIT $?__; exec sleep 3600`;
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.tmux('new-session', '-d', '-s', name, '-x', String(opts.width), '-y', String(opts.height ?? 30), '-c', opts.cwd, ...envArgs, command);
    return name;
  }

  /** The pane's lines as the terminal shows them, wrapped lines joined, trailing blanks gone. */
  capture(session: string): string[] {
    const text = this.tmux('capture-pane', '-p', '-J', '-t', session);
    return text.replace(/\s+$/, '').split('\n').map((l) => l.trimEnd());
  }

  /** Polls until `until` matches the pane's text (default: the command has ended); the lines then. */
  async waitFor(session: string, until: RegExp = /__EXIT \d+__/, timeoutMs = 60_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.capture(session);
      if (until.test(lines.join('\n'))) return lines;
      if (Date.now() > deadline) throw new Error(`tmux session ${session}: no ${until} after ${timeoutMs} ms; the pane shows:\n${lines.join('\n')}`);
      await sleep(200);
    }
  }

  /** Runs `cdcpipe <args>` to its end: the lines it left on the screen (without the exit marker) and its exit code. */
  async run(args: string[], opts: Parameters<TmuxTerminal['start']>[1]): Promise<{ lines: string[]; code: number }> {
    const session = this.start(args, opts);
    const lines = await this.waitFor(session);
    this.tmux('kill-session', '-t', session);
    const end = lines.findIndex((l) => /__EXIT \d+__/.test(l));
    return { lines: lines.slice(0, end), code: Number(/__EXIT (\d+)__/.exec(lines[end]!)![1]) };
  }

  /** Ends the tmux server of this socket (and every session left on it), and removes the socket file tmux leaves. */
  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // no server was started, or it already ended with its last session
    }
    rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }
}

/** Columns a captured line takes: one for each character cdcpipe prints (box drawing, arrows, `…`). */
export const columns = (line: string): number => [...line].length;
