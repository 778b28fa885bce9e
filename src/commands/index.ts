/**
 * Every command, by name, loaded on demand: `cdcpipe plan` imports only plan's module, so start-up
 * pays for one command; `--help` and unknown commands load them all. Command modules
 * declare flags and import only commander, src/core and src/render; each loads its service (and the
 * AWS SDK) inside its action.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

export const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  plan: () => import('./plan.js'),
  cost: () => import('./cost.js'),
  provision: () => import('./provision.js'),
  ls: () => import('./ls.js'),
  describe: () => import('./describe.js'),
  reshard: () => import('./reshard.js'),
  tail: () => import('./tail.js'),
  lag: () => import('./lag.js'),
  doctor: () => import('./doctor.js'),
  top: () => import('./top.js'),
  produce: () => import('./produce.js'),
  put: () => import('./put.js'),
  local: () => import('./local.js'),
  demo: () => import('./demo.js'),
};

/** Global options that take a value: their value is not the command name. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--region', '--profile', '--endpoint-url']);

/** The command named on the command line, or undefined (help, version, unknown, none). */
export function commandNameOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return Object.hasOwn(COMMANDS, arg) ? arg : undefined;
  }
  return undefined;
}

/** Registers the named command only, or every command when none is named. */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const name = commandNameOf(args);
  if (!name && (args.includes('--version') || args.includes('-V')) && !args.some((a) => a === '--help' || a === '-h')) return;
  const loaders = name ? [COMMANDS[name]!] : Object.values(COMMANDS);
  for (const mod of await Promise.all(loaders.map((load) => load()))) mod.register(program);
}
