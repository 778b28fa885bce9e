/**
 * The commander program: global options, exit-code policy and lazy command registration.
 * The only place that decides an exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { AbortError, CliError, EXIT, InterruptedError } from './errors.js';
import { Output } from './render/output.js';
import { VERSION } from './version.js';
import { registerCommands } from './commands/index.js';
import { currentContext } from './commands/action.js';
import { toCliError } from './aws/errors.js';

export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('cdcpipe')
    .description('Plan, cost, provision, reshard, tail and watch the lag of DMS → Kinesis → Firehose CDC pipelines.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--region <region>', 'AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile)'))
    .addOption(new Option('--profile <name>', 'named profile from the shared AWS config/credentials files'))
    .addOption(new Option('--endpoint-url <url>', 'send every AWS call to this endpoint (local Kinesis, LocalStack); AWS_ENDPOINT_URL[_<SERVICE>] work too'))
    .option('--local', 'send Kinesis calls to the embedded local server: a running `cdcpipe local`, else one started for this command')
    .option('--json', 'machine output on stdout (one JSON document, or one object per line when streaming)')
    .option('--no-color', 'no ANSI colour (also off with NO_COLOR, TERM=dumb or a non-terminal stdout)')
    .option('-q, --quiet', 'less on stderr')
    .option('--debug', 'log every AWS call on stderr (credentials and signatures are never printed)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });
  await registerCommands(program, args);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Hides the SDK's own warnings (such as the Node.js support notice) unless --debug. */
function filterSdkWarnings(debug: boolean): void {
  if (debug) return;
  // The SDK's own switch for its Node.js support notice; the filter below catches any other SDK warning.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const original = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (/AWS SDK|aws-sdk/i.test(text) || type === 'NodeDeprecationWarning') return;
    (original as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  filterSdkWarnings(debug);
  // `cdcpipe tail … | head`: a closed pipe ends the command quietly with exit 0 (docs/exit-codes.md).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      void currentContext()?.close().finally(() => process.exit(EXIT.ok));
      return;
    }
    throw err;
  });
  const program = await buildProgram(argv.slice(2));
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    return report(err, debug);
  }
}

function report(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    // commander already printed "error: unknown option '--x'" / "required option '--rps <n>' not specified".
    return EXIT.usage;
  }
  const errColor = new Output({ json: false, color: true, quiet: false, debug }).errColor;
  if (err instanceof CliError) {
    // Declining or stopping is the user's choice, not a failure: no "error:" in front.
    process.stderr.write(err instanceof AbortError || err instanceof InterruptedError ? `${err.message}\n` : `${errColor.red('error:')} ${err.message}\n`);
    if (err.hint) process.stderr.write(`${errColor.dim(`hint: ${err.hint}`)}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  // AWS SDK errors and everything unexpected: mapped by name (src/aws/errors.ts loads no SDK).
  const mapped = toCliError(err);
  process.stderr.write(`${errColor.red('error:')} ${mapped.message}\n`);
  if (mapped.hint) process.stderr.write(`${errColor.dim(`hint: ${mapped.hint}`)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return mapped.exitCode;
}
