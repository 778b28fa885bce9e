/** `cdcpipe demo`: the tool end to end on its own embedded Kinesis server; a walkthrough for people. */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { UsageError } from '../errors.js';
import { parseKibFlag, parseNumberFlag } from '../core/units.js';

interface DemoFlags {
  rps: string;
  kb: string;
  seconds: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run plan, provision, produce, tail, reshard, lag and doctor on an embedded local Kinesis server (no AWS account, under a minute)')
    .option('--rps <n>', 'records per second to produce (1..1000)', '100')
    .option('--kb <n>', 'KiB per record (0.1..64)', '1')
    .option('--seconds <n>', 'how long to produce (5..60)', '10')
    .addHelpText('after', examples('cdcpipe demo', 'cdcpipe demo --rps 300 --kb 2 --seconds 20'))
    .action(
      action<DemoFlags>(async (ctx, _args, flags) => {
        if (ctx.global.endpointUrl || ctx.global.local) throw new UsageError('demo: always runs on its own embedded server; drop --endpoint-url/--local');
        if (ctx.global.json) throw new UsageError('--json: demo prints a walkthrough for people; run the commands it shows with --json');
        const rps = parseNumberFlag('--rps', flags.rps, { min: 1, max: 1000 });
        const kb = parseKibFlag('--kb', flags.kb, { min: 0.1, max: 64 });
        const produceSeconds = parseNumberFlag('--seconds', flags.seconds, { min: 5, max: 60, integer: true });
        const [{ runDemo }, { demoPrinter }] = await Promise.all([import('../services/demo.js'), import('../render/demo.js')]);
        const show = demoPrinter(ctx.out);
        await runDemo({ stream: 'demo-orders', rps, kb, produceSeconds, color: ctx.out.color.level > 0, env: ctx.env, show }, undefined, ctx.host);
      }),
    );
}
