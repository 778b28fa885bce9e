/** What every command's action receives: the output policy, the global options and lazy AWS clients. */
import type { AwsClients, ServiceKey } from './aws/clients.js';
import type { Output } from './render/output.js';
import { OutputHost } from './render/host.js';
import type { Host } from './services/host.js';

/** How long --local waits for a `cdcpipe local` it knows of, and how long it probes an unknown port. */
const LOCAL_KNOWN_WAIT_MS = 15_000;
const LOCAL_PROBE_TIMEOUT_MS = 3_000;

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
  /** The --local server was started by this command (its streams end with it). */
  private localOwned = false;

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
    // --local finds or starts its server only now, after every flag was checked (a usage error starts nothing).
    if (this.global.local && !this.local) await this.useLocalKinesis();
    if (!this.clients) {
      const { AwsClients, SERVICE_ENV_IDS } = await import('./aws/clients.js');
      this.clients = new AwsClients({
        region: this.global.region ?? this.local?.region,
        profile: this.local ? undefined : this.global.profile,
        endpointUrl: this.global.endpointUrl,
        // --local sends Kinesis calls to the local server; other services have no local server and
        // get only the placeholder credentials, so a real account is never called with them.
        env: this.local ? { ...this.env, AWS_ENDPOINT_URL_KINESIS: this.local.endpoint } : this.env,
        ...(this.local ? { credentials: this.local.credentials, unavailable: this.localUnavailable(SERVICE_ENV_IDS) } : {}),
        log: this.global.debug ? (line) => this.out.debug(line) : undefined,
      });
    }
    return this.clients;
  }

  /**
   * --local: the server of a running `cdcpipe local` on the default port (or CDCPIPE_LOCAL_PORT), waited
   * for when it is busy; else any Kinesis server answering there; else one started on a free port for
   * this command only (stopped by close()). Returns its endpoint.
   */
  async useLocalKinesis(): Promise<string> {
    if (this.local) return this.local.endpoint;
    const [kl, { readLocalRecord }, { AwsCallError }] = await Promise.all([import('./local/kinesis-local.js'), import('./local/local-state.js'), import('./errors.js')]);
    const port = this.env.CDCPIPE_LOCAL_PORT ? Number(this.env.CDCPIPE_LOCAL_PORT) : kl.LOCAL_DEFAULT_PORT;
    let endpoint = `http://127.0.0.1:${port}`;
    const known = readLocalRecord(port, this.env);
    if (known) {
      // A busy server has answered its health check only after 1.3–5 s: give the one we know of time.
      if (!(await kl.waitKinesisLocalUp(endpoint, LOCAL_KNOWN_WAIT_MS))) {
        throw new AwsCallError(
          `the local Kinesis server of \`cdcpipe local\` (pid ${known.pid}, ${endpoint}) does not answer its health check after ${LOCAL_KNOWN_WAIT_MS / 1000} s; not starting another one`,
          'it may be busy or stuck: wait and retry, or stop it (Ctrl-C in its terminal) and start it again',
        );
      }
      this.out.info(`using the local Kinesis server at ${endpoint}`);
    } else if (await kl.isKinesisLocalUp(endpoint, LOCAL_PROBE_TIMEOUT_MS)) {
      this.out.info(`using the local Kinesis server at ${endpoint}`);
    } else {
      const server = await kl.startKinesisLocal();
      this.onClose(() => server.stop());
      endpoint = server.endpoint;
      this.localOwned = true;
      this.out.info(`started a local Kinesis server at ${endpoint} for this command; its streams end with it (run \`cdcpipe local\` to keep one running)`);
    }
    this.local = { endpoint, credentials: { ...kl.LOCAL_DUMMY_CREDENTIALS }, region: kl.LOCAL_REGION };
    return endpoint;
  }

  /** --local: the services the local server does not serve, unless AWS_ENDPOINT_URL_<SERVICE> names a server for one. */
  private localUnavailable(ids: Record<ServiceKey, string>) {
    const services = (Object.keys(ids) as ServiceKey[]).filter((s) => s !== 'kinesis' && !this.env[`AWS_ENDPOINT_URL_${ids[s]}`]);
    return {
      services: new Set(services),
      why: 'not served by the local server (--local serves Kinesis only)',
      hint: 'drop --local to use AWS, or set AWS_ENDPOINT_URL_<SERVICE> to a server that serves it (LocalStack, moto)',
    };
  }

  /** --local: the hint for a stream that is not there, which --region and --profile cannot fix. */
  localNotFoundHint(): string | undefined {
    if (!this.local) return undefined;
    return this.localOwned
      ? `this command started its own empty local server (no \`cdcpipe local\` was running): start one with \`cdcpipe local\` and create the stream there (e.g. \`cdcpipe produce <stream> --local --create-shards 2 …\`)`
      : `the local server at ${this.local.endpoint} has no such stream: create it (e.g. \`cdcpipe produce <stream> --local --create-shards 2 …\` or \`cdcpipe provision --local\`), or list its streams with \`cdcpipe ls --local\``;
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
