import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { AwsCallError, UsageError } from '../errors.js';
import { parseNumberFlag } from '../core/units.js';

interface LocalFlags {
  port: string;
  dataDir?: string;
}

export function register(program: Command): void {
  program
    .command('local')
    .description('run the embedded Kinesis server (kinesis-local) in the foreground on 127.0.0.1; Ctrl-C stops it')
    .option('--port <n>', 'HTTP port on 127.0.0.1', '4568')
    .option('--data-dir <dir>', 'keep streams and records in this directory across restarts (default: in memory)')
    .addHelpText(
      'after',
      examples(
        'cdcpipe local',
        'cdcpipe local --port 4600 --data-dir ./.kinesis-data',
        'cdcpipe produce p --local --create-shards 2 --rps 200 --kb 2 --duration 10s   # in another terminal',
      ),
    )
    .action(
      action<LocalFlags>(async (ctx, _args, flags) => {
        if (ctx.global.local) throw new UsageError('--local: not valid with `cdcpipe local`, which is the local server');
        const port = parseNumberFlag('--port', flags.port, { min: 1, max: 65535, integer: true });
        const dataDir = flags.dataDir !== undefined ? resolve(flags.dataDir) : undefined;
        if (dataDir !== undefined) {
          try {
            mkdirSync(dataDir, { recursive: true });
          } catch (err) {
            throw new UsageError(`--data-dir ${flags.dataDir}: cannot create the directory (${(err as Error).message})`);
          }
        }
        const kl = await import('../local/kinesis-local.js');
        if (await kl.portInUse(port)) {
          throw new UsageError(`--port ${port}: 127.0.0.1:${port} is already in use`, (await kl.isKinesisLocalUp(`http://127.0.0.1:${port}`)) ? 'a local Kinesis server already answers there: use it, or pick another --port' : 'pick another --port');
        }

        let stopping = false;
        const stopRequested = new Promise<string>((done) => {
          const onSignal = (signal: NodeJS.Signals): void => {
            stopping = true;
            done(signal);
          };
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          ctx.onClose(() => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          });
        });

        const server = await kl.startKinesisLocal({ port, dataDir });
        ctx.onClose(() => server.stop());
        // Where `--local` finds this server, and knows to wait for it when it is busy.
        const state = await import('../local/local-state.js');
        state.writeLocalRecord({ pid: process.pid, port, endpoint: server.endpoint, startedAt: new Date().toISOString(), dataDir: dataDir ?? null });
        ctx.onClose(() => state.removeLocalRecord(port));
        const endpoint = server.endpoint;
        const env = { AWS_ENDPOINT_URL: endpoint, AWS_REGION: kl.LOCAL_REGION, AWS_ACCESS_KEY_ID: kl.LOCAL_DUMMY_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: kl.LOCAL_DUMMY_CREDENTIALS.secretAccessKey };
        if (ctx.global.json) {
          ctx.out.line({ schemaVersion: 1, event: 'listening', endpoint, port, host: '127.0.0.1', dataDir: dataDir ?? null, pid: server.pid ?? null, env });
        } else {
          ctx.out.result(`export AWS_ENDPOINT_URL=${endpoint}`);
          // Placeholders: kinesis-local checks no signatures. Never real credentials.
          ctx.out.result(`export AWS_REGION=${env.AWS_REGION} AWS_ACCESS_KEY_ID=${env.AWS_ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY=${env.AWS_SECRET_ACCESS_KEY}   # placeholders: the local server accepts any`);
          ctx.out.info(`kinesis-local listening on ${endpoint} (127.0.0.1 only)${dataDir ? `, data in ${dataDir}` : ', data in memory'}`);
          ctx.out.info(`run the two export lines above in another shell, or pass --local to any cdcpipe command; Ctrl-C stops the server`);
        }

        const outcome = await Promise.race([stopRequested, server.exited.then(() => 'exited')]);
        // The terminal's Ctrl-C reaches the server's process group too: give our own handler a moment to see it.
        if (outcome === 'exited' && !stopping) await new Promise((r) => setTimeout(r, 200));
        if (outcome === 'exited' && !stopping) throw new AwsCallError(`kinesis-local stopped unexpectedly (${endpoint})`);
        ctx.out.info(`stopping kinesis-local (${outcome})…`);
        // stop() sends SIGTERM (SIGKILL after 3 s) unless the server already exited, and waits for it.
        await server.stop();
        await server.exited;
        if (ctx.global.json) ctx.out.line({ schemaVersion: 1, event: 'stopped', endpoint });
        else ctx.out.info('kinesis-local stopped');
      }),
    );
}
