/** What every command's action receives: the output policy, the global options and lazy AWS clients. */
import type { AwsClients } from './aws/clients.js';
import type { Output } from './render/output.js';
import { OutputHost } from './render/host.js';
import type { Host } from './services/host.js';

export interface GlobalOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** --local: Kinesis calls go to the embedded server (a running `cdcpipe local`, or one started for this command). */
  local?: boolean;
  json: boolean;
  color: boolean;
  quiet: boolean;
  debug: boolean;
}

export class Context {
  private clients?: AwsClients;
  private readonly cleanups: (() => void | Promise<void>)[] = [];
  /** Set by useLocalKinesis(): the local endpoint, and placeholder credentials that never leave this machine. */
  private local?: { endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string }; region: string };

  /** What services may ask of the outside world (messages, progress, confirmation), over `out`. */
  readonly host: Host;

  constructor(
    readonly out: Output,
    readonly global: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.host = new OutputHost(out);
  }

  /** AWS clients, built on first use; importing this module is what loads the SDK. */
  async aws(): Promise<AwsClients> {
    if (!this.clients) {
      const { AwsClients } = await import('./aws/clients.js');
      this.clients = new AwsClients({
        region: this.global.region ?? this.local?.region,
        profile: this.local ? undefined : this.global.profile,
        endpointUrl: this.global.endpointUrl,
        // --local sends Kinesis calls to the local server; other services have no local server and
        // get only the placeholder credentials, so a real account is never called with them.
        env: this.local ? { ...this.env, AWS_ENDPOINT_URL_KINESIS: this.local.endpoint } : this.env,
        ...(this.local ? { credentials: this.local.credentials } : {}),
        log: this.global.debug ? (line) => this.out.debug(line) : undefined,
      });
    }
    return this.clients;
  }

  /**
   * --local: use the server at the default port (or CDCPIPE_LOCAL_PORT) when its /healthcheck answers,
   * else start one on a free port for this command only (stopped by close()). Returns its endpoint.
   */
  async useLocalKinesis(): Promise<string> {
    if (this.local) return this.local.endpoint;
    const { UsageError } = await import('./errors.js');
    if (this.global.endpointUrl) throw new UsageError('--local and --endpoint-url: pass one of them, not both');
    const kl = await import('./local/kinesis-local.js');
    const port = this.env.CDCPIPE_LOCAL_PORT ? Number(this.env.CDCPIPE_LOCAL_PORT) : kl.LOCAL_DEFAULT_PORT;
    let endpoint = `http://127.0.0.1:${port}`;
    if (await kl.isKinesisLocalUp(endpoint)) {
      this.out.info(`using the local Kinesis server at ${endpoint}`);
    } else {
      const server = await kl.startKinesisLocal();
      this.onClose(() => server.stop());
      endpoint = server.endpoint;
      this.out.info(`started a local Kinesis server at ${endpoint} for this command; its streams end with it (run \`cdcpipe local\` to keep one running)`);
    }
    this.local = { endpoint, credentials: { ...kl.LOCAL_DUMMY_CREDENTIALS }, region: kl.LOCAL_REGION };
    return endpoint;
  }

  /** Work to run when the command ends, whatever the outcome (stop a local server, restore the terminal). */
  onClose(fn: () => void | Promise<void>): void {
    this.cleanups.push(fn);
  }

  async close(): Promise<void> {
    this.clients?.destroy();
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // best effort: a failed cleanup must not hide the command's own result
      }
    }
  }
}
