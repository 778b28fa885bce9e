/**
 * The one Host (src/services/host.ts), over the Output policy: messages go to stderr, spinners draw
 * only where Output says the terminal is interactive, and this is the only place that asks a question
 * or refuses to because there is no terminal to ask on.
 */
import type { ConfirmOptions, Host, Spinner } from '../services/host.js';
import { AbortError, EXIT, UsageError } from '../errors.js';
import type { Output } from './output.js';

export class OutputHost implements Host {
  constructor(
    private readonly out: Output,
    private readonly stdin: NodeJS.ReadableStream = process.stdin,
  ) {}

  info(text: string): void {
    this.out.info(text);
  }

  warn(text: string): void {
    this.out.warn(text);
  }

  debug(text: string): void {
    this.out.debug(text);
  }

  progress(text: string): Promise<Spinner> {
    return this.out.spinner(text);
  }

  async confirm(question: string, opts: ConfirmOptions): Promise<boolean> {
    if (opts.yesFlag) return true;
    if (!this.out.canPrompt) {
      throw new UsageError(`${question.replace(/\?$/, '')}: there is no terminal to confirm on: pass --yes (or --dry-run to only look)`);
    }
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: this.stdin, output: this.out.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } catch (err) {
      // readline rejects the question with an AbortError on Ctrl-C: not an error, nothing was changed.
      if ((err as Error).name === 'AbortError') throw new AbortError('aborted, nothing changed', EXIT.interrupted);
      throw err;
    } finally {
      rl.close();
    }
  }
}
