/**
 * What a service may ask of the outside world: messages on stderr, a progress line, a yes/no question.
 * Services never print and never look at TTYs; the one implementation (src/render/host.ts) decides,
 * from the Output policy, whether a spinner draws, a message shows, or a prompt is allowed.
 */

/** A progress line: a spinner on a terminal, plain lines elsewhere. The only Spinner type. */
export interface Spinner {
  text: string;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

export interface ConfirmOptions {
  /** The user passed --yes (or -y): answer yes without asking. */
  yesFlag: boolean;
}

export interface Host {
  info(text: string): void;
  warn(text: string): void;
  debug(text: string): void;
  /** Starts a progress line for one piece of work. */
  progress(text: string): Promise<Spinner>;
  /**
   * Asks a yes/no question on the terminal. With `yesFlag` it answers yes at once. Without a terminal it
   * throws a UsageError naming --yes; Ctrl-C at the prompt is an AbortError (nothing was changed).
   */
  confirm(question: string, opts: ConfirmOptions): Promise<boolean>;
}

/** A Host that shows nothing and answers every question yes: for benchmarks and tests of services. */
export const SILENT_HOST: Host = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  progress: async (text: string) => ({ text, succeed: () => undefined, fail: () => undefined, stop: () => undefined }),
  confirm: async () => true,
};
