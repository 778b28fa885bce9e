/**
 * Local AWS servers for integration tests: kinesis-local (a real Kinesis API server) through the same
 * launcher `cdcpipe local` uses, and dynalite (DynamoDB in memory). Both on 127.0.0.1, free ports.
 */
import { freePort, startKinesisLocal as start, type KinesisLocalOptions } from '../../src/local/kinesis-local.js';

export { freePort };

export interface RunningServer {
  endpoint: string;
  stop(): Promise<void>;
}

export function startKinesisLocal(opts: KinesisLocalOptions = {}): Promise<RunningServer> {
  return start(opts);
}

export async function startDynalite(): Promise<RunningServer> {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
