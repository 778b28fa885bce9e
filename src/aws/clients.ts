/**
 * The only place AWS SDK clients are created (STYLE.md 2). Region, profile, endpoint, retries, user agent
 * and the --debug call log are resolved once here; SDK modules are imported lazily so `plan`, `cost`
 * and `--help` never load them.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { IAMClient } from '@aws-sdk/client-iam';
import { VERSION } from '../version.js';

export interface AwsSettings {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  env?: NodeJS.ProcessEnv;
  /** --debug: one line per AWS call. Never receives credentials, tokens or signatures. */
  log?: (line: string) => void;
  maxAttempts?: number;
  /** Static credentials instead of the SDK's default chain (--local's placeholders for a local server). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Service ids as used by AWS_ENDPOINT_URL_<SERVICE> (the SDK's serviceId, upper-cased, spaces → _). */
export const SERVICE_ENV_IDS = {
  kinesis: 'KINESIS',
  dms: 'DATABASE_MIGRATION_SERVICE',
  firehose: 'FIREHOSE',
  cloudwatch: 'CLOUDWATCH',
  dynamodb: 'DYNAMODB',
  pricing: 'PRICING',
  iam: 'IAM',
} as const;

export type ServiceKey = keyof typeof SERVICE_ENV_IDS;

/** --endpoint-url wins, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL; undefined = the AWS default. */
export function resolveEndpoint(service: ServiceKey, settings: AwsSettings): string | undefined {
  const env = settings.env ?? process.env;
  return settings.endpointUrl || env[`AWS_ENDPOINT_URL_${SERVICE_ENV_IDS[service]}`] || env.AWS_ENDPOINT_URL || undefined;
}

/** --region, then AWS_REGION, then AWS_DEFAULT_REGION (as the AWS CLI does); else the profile's region via the SDK. */
export function resolveRegion(settings: AwsSettings): string | undefined {
  const env = settings.env ?? process.env;
  return settings.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

type AnyClient = { middlewareStack: { add: (mw: never, opts: never) => void }; destroy(): void };

export class AwsClients {
  private readonly cache = new Map<string, Promise<AnyClient>>();

  constructor(readonly settings: AwsSettings) {}

  kinesis(): Promise<KinesisClient> {
    return this.get('kinesis', async (cfg) => new (await import('@aws-sdk/client-kinesis')).KinesisClient(cfg));
  }
  dms(): Promise<DatabaseMigrationServiceClient> {
    return this.get('dms', async (cfg) => new (await import('@aws-sdk/client-database-migration-service')).DatabaseMigrationServiceClient(cfg));
  }
  firehose(): Promise<FirehoseClient> {
    return this.get('firehose', async (cfg) => new (await import('@aws-sdk/client-firehose')).FirehoseClient(cfg));
  }
  cloudwatch(): Promise<CloudWatchClient> {
    return this.get('cloudwatch', async (cfg) => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient(cfg));
  }
  dynamodb(): Promise<DynamoDBClient> {
    return this.get('dynamodb', async (cfg) => new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(cfg));
  }
  /** The Price List API answers only in us-east-1, eu-central-1 and ap-south-1 (FACTS.md). */
  pricing(region = 'us-east-1'): Promise<PricingClient> {
    return this.get('pricing', async (cfg) => new (await import('@aws-sdk/client-pricing')).PricingClient({ ...cfg, region }), region);
  }
  iam(): Promise<IAMClient> {
    return this.get('iam', async (cfg) => new (await import('@aws-sdk/client-iam')).IAMClient(cfg));
  }

  /** The resolved region (for ARNs and pricing); 'us-east-1' against a local endpoint without one. */
  async region(): Promise<string> {
    const client = await this.kinesis();
    return client.config.region();
  }

  destroy(): void {
    for (const p of this.cache.values()) void p.then((c) => c.destroy(), () => undefined);
    this.cache.clear();
  }

  private get<T>(service: ServiceKey, make: (cfg: Record<string, unknown>) => Promise<T>, cacheSuffix = ''): Promise<T> {
    const key = service + cacheSuffix;
    let client = this.cache.get(key);
    if (!client) {
      client = this.build(service, make as (cfg: Record<string, unknown>) => Promise<AnyClient>);
      this.cache.set(key, client);
    }
    return client as Promise<T>;
  }

  private async build(service: ServiceKey, make: (cfg: Record<string, unknown>) => Promise<AnyClient>): Promise<AnyClient> {
    const endpoint = resolveEndpoint(service, this.settings);
    const region = resolveRegion(this.settings) ?? (endpoint ? 'us-east-1' : undefined);
    const cfg: Record<string, unknown> = {
      retryMode: 'adaptive',
      maxAttempts: this.settings.maxAttempts ?? 5,
      customUserAgent: `cdcpipe/${VERSION}`,
    };
    if (region) cfg.region = region;
    if (this.settings.profile) cfg.profile = this.settings.profile;
    if (this.settings.credentials) cfg.credentials = this.settings.credentials;
    if (endpoint) {
      cfg.endpoint = endpoint;
      // Local servers (kinesis-local, LocalStack) break the SDK's default HTTP/2 handler on large
      // responses and on SubscribeToShard; HTTP/1.1 works for every call there.
      const { NodeHttpHandler } = await import('@smithy/node-http-handler');
      cfg.requestHandler = new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 0 });
    }
    const client = await make(cfg);
    const log = this.settings.log;
    if (log) addCallLog(client, service, log);
    return client;
  }
}

/**
 * Logs service, operation, duration, HTTP status and attempts of every call. It sees only the
 * command's name and response metadata: never the request, its headers, credentials or signature.
 */
function addCallLog(client: AnyClient, service: ServiceKey, log: (line: string) => void): void {
  const mw =
    (next: (args: unknown) => Promise<{ output?: { $metadata?: { httpStatusCode?: number; attempts?: number; totalRetryDelay?: number } } }>, context: { commandName?: string }) =>
    async (args: unknown) => {
      const started = performance.now();
      const op = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      try {
        const result = await next(args);
        const meta = result.output?.$metadata ?? {};
        log(`${service} ${op} ${meta.httpStatusCode ?? '-'} ${Math.round(performance.now() - started)}ms retries=${Math.max(0, (meta.attempts ?? 1) - 1)}`);
        return result;
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
        log(`${service} ${op} ${e.$metadata?.httpStatusCode ?? '-'} ${Math.round(performance.now() - started)}ms retries=${Math.max(0, (e.$metadata?.attempts ?? 1) - 1)} error=${e.name ?? 'Error'}`);
        throw err;
      }
    };
  client.middlewareStack.add(mw as never, { step: 'initialize', name: 'cdcpipeCallLog', priority: 'high' } as never);
}
