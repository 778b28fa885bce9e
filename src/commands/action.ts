/** Wraps each command's handler: builds the Context from the global options, runs it, always cleans up. */
import type { Command } from 'commander';
import { Context, type GlobalOptions } from '../context.js';
import { Output } from '../render/output.js';
import { parseEndpointUrl, parseRegion } from '../core/units.js';
import { NotFoundError, UsageError } from '../errors.js';

export type ActionHandler<O = Record<string, unknown>> = (ctx: Context, args: string[], opts: O, command: Command) => Promise<void>;

let current: Context | undefined;

/** The running command's context (the entry point closes it when stdout's pipe is closed). */
export function currentContext(): Context | undefined {
  return current;
}

/** The global options, validated before any command runs (a bad value exits 2 naming the flag). */
export function globalOptionsOf(command: Command, env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  const g = command.optsWithGlobals() as Record<string, unknown>;
  const region = g.region as string | undefined;
  const endpointUrl = g.endpointUrl as string | undefined;
  if (region !== undefined) parseRegion('--region', region);
  if (endpointUrl !== undefined) parseEndpointUrl('--endpoint-url', endpointUrl);
  for (const [name, value] of Object.entries(env)) if (value && /^AWS_ENDPOINT_URL(_[A-Z_]+)?$/.test(name)) parseEndpointUrl(name, value);
  return {
    region,
    profile: g.profile as string | undefined,
    endpointUrl,
    local: Boolean(g.local),
    json: Boolean(g.json),
    color: g.color !== false,
    quiet: Boolean(g.quiet),
    debug: Boolean(g.debug),
  };
}

export function action<O = Record<string, unknown>>(handler: ActionHandler<O>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const global = globalOptionsOf(command);
    const out = new Output({ json: global.json, color: global.color, quiet: global.quiet, debug: global.debug });
    const ctx = new Context(out, global);
    current = ctx;
    try {
      if (global.local && global.endpointUrl) throw new UsageError('--local and --endpoint-url: pass one of them, not both');
      await handler(ctx, command.processedArgs as string[], command.opts() as O, command);
    } catch (err) {
      // Under --local a missing stream is not a --region or --profile matter: say what is.
      const local = err instanceof NotFoundError && /^stream '/.test(err.message) ? ctx.localNotFoundHint() : undefined;
      if (!local) throw err;
      const similar = /^did you mean [^?]*\?/.exec((err as NotFoundError).hint ?? '')?.[0];
      throw new NotFoundError((err as NotFoundError).message, similar ? `${similar} ${local}` : local);
    } finally {
      await ctx.close();
      current = undefined;
    }
  };
}

/** Appends an "Examples:" block to a command's --help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * An abort signal that Ctrl-C fires from now on, instead of ending the process: for commands that stop
 * what they are doing and still report (produce, put). The listener goes when the command closes.
 */
export function sigintSignal(ctx: Context): AbortSignal {
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  ctx.onClose(() => void process.off('SIGINT', onSigint));
  return abort.signal;
}
