/**
 * One output contract (docs/architecture.md): results on stdout, everything else on stderr; colour and
 * interactivity decided once at start-up.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Spinner } from '../services/host.js';

export interface OutputOptions {
  json: boolean;
  color: boolean;
  quiet: boolean;
  debug: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debugEnabled: boolean;
  /** Colour for stdout results (off with --json, --no-color, NO_COLOR, TERM=dumb or a non-TTY stdout). */
  readonly color: ChalkInstance;
  /** Colour for stderr messages, decided on stderr's own TTY-ness. */
  readonly errColor: ChalkInstance;
  /** Spinners and live redraws: only when stderr is a terminal and CI is unset. */
  readonly interactive: boolean;
  /** Prompts: only when stdin and stderr are terminals. */
  readonly canPrompt: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };

  constructor(opts: OutputOptions) {
    const env = opts.env ?? process.env;
    this.stdout = opts.stdout ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
    this.json = opts.json;
    this.quiet = opts.quiet;
    this.debugEnabled = opts.debug;
    const colorAllowed = opts.color && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
    this.stdoutIsTTY = Boolean(this.stdout.isTTY);
    this.color = new Chalk({ level: colorAllowed && !opts.json && this.stdoutIsTTY ? 1 : 0 });
    this.errColor = new Chalk({ level: colorAllowed && this.stderr.isTTY ? 1 : 0 });
    this.interactive = Boolean(this.stderr.isTTY) && !env.CI;
    this.canPrompt = Boolean(process.stdin.isTTY) && Boolean(this.stderr.isTTY);
  }

  /**
   * The columns tables and prose are fitted to: the terminal's, read at each call so a --watch
   * redraw follows a resize. Undefined when stdout is not a terminal (or reports no width): piped
   * output keeps every value in full.
   */
  get width(): number | undefined {
    const columns = this.stdout.columns;
    return this.stdoutIsTTY && columns && columns > 0 ? columns : undefined;
  }

  /** A result line on stdout. */
  result(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The one JSON document of a non-streaming command, with schemaVersion first. */
  document(doc: object): void {
    this.stdout.write(`${JSON.stringify({ schemaVersion: 1, ...doc }, null, 2)}\n`);
  }

  /** One JSON object per line, for streaming commands. */
  line(obj: object): boolean {
    return this.stdout.write(`${JSON.stringify(obj)}\n`);
  }

  info(text: string): void {
    if (!this.quiet) this.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.errColor.yellow('warning:')} ${text}\n`);
  }

  error(text: string): void {
    this.stderr.write(`${this.errColor.red('error:')} ${text}\n`);
  }

  debug(text: string): void {
    if (this.debugEnabled) this.stderr.write(`${this.errColor.dim(`[debug] ${text}`)}\n`);
  }

  /** A spinner on a terminal; plain progress lines (unless --quiet) otherwise. ora is loaded only when needed. */
  async spinner(text: string): Promise<Spinner> {
    // ora redraws forever on a terminal that reports 0 columns (some CI ptys): plain lines there too.
    if (!this.interactive || this.quiet || !(this.stderr as { columns?: number }).columns) {
      let current = text;
      const info = (line: string): void => this.info(line);
      const stderr = this.stderr;
      return {
        get text() {
          return current;
        },
        set text(t: string) {
          current = t;
        },
        succeed: (t?: string) => info(`✔ ${t ?? current}`),
        fail: (t?: string) => void stderr.write(`✖ ${t ?? current}\n`),
        stop: () => undefined,
      };
    }
    const { default: ora } = await import('ora');
    // discardStdin off: ora's discarder puts stdin in raw mode without reading it, so Ctrl-C never became SIGINT.
    const s = ora({ text, stream: this.stderr, isEnabled: true, discardStdin: false }).start();
    return {
      get text() {
        return s.text;
      },
      set text(t: string) {
        s.text = t;
      },
      succeed: (t?: string) => void s.succeed(t),
      fail: (t?: string) => void s.fail(t),
      stop: () => void s.stop(),
    };
  }
}
