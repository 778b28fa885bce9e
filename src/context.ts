/** What every command's action receives: the output policy, the global options and lazy AWS clients. */
import type { AwsClients } from './aws/clients.js';
import type { Output } from './render/output.js';

export interface GlobalOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json: boolean;
  color: boolean;
  quiet: boolean;
  debug: boolean;
}

export class Context {
  private clients?: AwsClients;
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  constructor(
    readonly out: Output,
    readonly global: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** AWS clients, built on first use; importing this module is what loads the SDK. */
  async aws(): Promise<AwsClients> {
    if (!this.clients) {
      const { AwsClients } = await import('./aws/clients.js');
      this.clients = new AwsClients({
        region: this.global.region,
        profile: this.global.profile,
        endpointUrl: this.global.endpointUrl,
        env: this.env,
        log: this.global.debug ? (line) => this.out.debug(line) : undefined,
      });
    }
    return this.clients;
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
