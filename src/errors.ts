/**
 * The few error types cdcpipe throws. Only the entry point (src/cli.ts) turns them into an exit code.
 * Exit codes are the contract in docs/exit-codes.md.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  checkFailed: 3,
  notFound: 4,
  auth: 5,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flag, file or value: the message names the flag (or file path) and what it accepts. Exit 2. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
  }
}

/** A check ran and failed: lag over threshold, drift found by `provision --check`. Exit 3. */
export class CheckFailedError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.checkFailed, hint);
  }
}

/** A named AWS resource does not exist. Exit 4. */
export class NotFoundError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.notFound, hint);
  }
}

/** Credentials missing, expired or not allowed. Exit 5. */
export class AuthError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.auth, hint);
  }
}

/** AWS or the network failed in a way the user cannot fix with a flag. Exit 1. */
export class AwsCallError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.failure, hint);
  }
}

/** The user declined a confirmation prompt (exit 1), or pressed Ctrl-C at it (exit 130). Nothing was changed. */
export class AbortError extends CliError {
  constructor(message = 'aborted: nothing was changed', exitCode: ExitCode = EXIT.failure) {
    super(message, exitCode);
  }
}

/** Ctrl-C while changes were being applied: the message says what was applied and what was not. Exit 130. */
export class InterruptedError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.interrupted, hint);
  }
}
