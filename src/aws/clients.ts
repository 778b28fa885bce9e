/**
 * The only place AWS SDK clients are created. Region, profile, endpoint, retries, user agent
 * and the --debug call log are resolved once here; SDK modules are imported lazily so `plan`, `cost`
 * and `--help` never load them. Services get the narrow interfaces of src/aws/api/ (only the calls
 * they make); the stream reader, which adds per-call middleware, gets the Kinesis SDK client.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { VERSION } from '../version.js';
import type { KinesisApi } from './api/kinesis.js';
import type { DmsApi } from './api/dms.js';
import type { FirehoseApi } from './api/firehose.js';
import type { CloudWatchApi } from './api/cloudwatch.js';
import type { DynamoDbApi } from './api/dynamodb.js';
import type { IamApi } from './api/iam.js';
import type { S3Api } from './api/s3.js';
import type { RdsApi } from './api/rds.js';
import type { LambdaApi } from './api/lambda.js';

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
  /** Services with no server to talk to (--local serves Kinesis only): asking for one is a clear error. */
  unavailable?: { services: ReadonlySet<ServiceKey>; why: string; hint: string };
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
  s3: 'S3',
  rds: 'RDS',
  lambda: 'LAMBDA',
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
type MakeClient = (cfg: Record<string, unknown>) => Promise<AnyClient>;

/** Each service's SDK client, its module imported only when first asked for. */
const SDK_CLIENTS: Record<Exclude<ServiceKey, 'pricing'>, MakeClient> = {
  kinesis: async (cfg) => new (await import('@aws-sdk/client-kinesis')).KinesisClient(cfg),
  dms: async (cfg) => new (await import('@aws-sdk/client-database-migration-service')).DatabaseMigrationServiceClient(cfg),
  firehose: async (cfg) => new (await import('@aws-sdk/client-firehose')).FirehoseClient(cfg),
  cloudwatch: async (cfg) => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient(cfg),
  dynamodb: async (cfg) => new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(cfg),
  iam: async (cfg) => new (await import('@aws-sdk/client-iam')).IAMClient(cfg),
  // Path-style addressing: local S3 servers (moto, s3rver) answer on one host, not <bucket>.host.
  s3: async (cfg) => new (await import('@aws-sdk/client-s3')).S3Client({ ...cfg, forcePathStyle: cfg.endpoint !== undefined }),
  rds: async (cfg) => new (await import('@aws-sdk/client-rds')).RDSClient(cfg),
  lambda: async (cfg) => new (await import('@aws-sdk/client-lambda')).LambdaClient(cfg),
};

export class AwsClients {
  private readonly cache = new Map<string, Promise<AnyClient>>();
  private readonly apis = new Map<string, Promise<unknown>>();

  constructor(readonly settings: AwsSettings) {}

  /** The Kinesis SDK client itself: for the stream reader (per-call middleware, abort signals). */
  kinesisSdk(): Promise<KinesisClient> {
    return this.get('kinesis', SDK_CLIENTS.kinesis) as Promise<KinesisClient>;
  }
  /** The CloudWatch SDK client itself: for benchmarks that compare with a plain SDK loop. */
  cloudwatchSdk(): Promise<CloudWatchClient> {
    return this.get('cloudwatch', SDK_CLIENTS.cloudwatch) as Promise<CloudWatchClient>;
  }
  // The narrow interfaces services use (src/aws/api/), each over its SDK client, built on first use.
  kinesisApi = (): Promise<KinesisApi> => this.api('kinesis', async (c) => (await import('./api/kinesis.js')).kinesisApi(c as KinesisClient));
  dmsApi = (): Promise<DmsApi> => this.api('dms', async (c) => (await import('./api/dms.js')).dmsApi(c as DatabaseMigrationServiceClient));
  firehoseApi = (): Promise<FirehoseApi> => this.api('firehose', async (c) => (await import('./api/firehose.js')).firehoseApi(c as FirehoseClient));
  cloudwatchApi = (): Promise<CloudWatchApi> => this.api('cloudwatch', async (c) => (await import('./api/cloudwatch.js')).cloudWatchApi(c as CloudWatchClient));
  dynamodbApi = (): Promise<DynamoDbApi> => this.api('dynamodb', async (c) => (await import('./api/dynamodb.js')).dynamoDbApi(c as DynamoDBClient));
  iamApi = (): Promise<IamApi> => this.api('iam', async (c) => (await import('./api/iam.js')).iamApi(c as IAMClient));
  s3Api = (): Promise<S3Api> => this.api('s3', async (c) => (await import('./api/s3.js')).s3Api(c as S3Client));
  rdsApi = (): Promise<RdsApi> => this.api('rds', async (c) => (await import('./api/rds.js')).rdsApi(c as RDSClient));
  lambdaApi = (): Promise<LambdaApi> => this.api('lambda', async (c) => (await import('./api/lambda.js')).lambdaApi(c as LambdaClient));
  /** The Price List API answers only in us-east-1, eu-central-1 and ap-south-1 (Price List API endpoints). */
  pricing(region = 'us-east-1'): Promise<PricingClient> {
    return this.get('pricing', async (cfg) => new (await import('@aws-sdk/client-pricing')).PricingClient({ ...cfg, region }), region);
  }

  /** The resolved region (for ARNs and pricing); 'us-east-1' against a local endpoint without one. */
  async region(): Promise<string> {
    const client = await this.kinesisSdk();
    return client.config.region();
  }

  destroy(): void {
    for (const p of this.cache.values()) void p.then((c) => c.destroy(), () => undefined);
    this.cache.clear();
    this.apis.clear();
  }

  private api<T>(service: Exclude<ServiceKey, 'pricing'>, wrap: (client: AnyClient) => Promise<T>): Promise<T> {
    let api = this.apis.get(service);
    if (!api) {
      api = this.get(service, SDK_CLIENTS[service]).then(wrap);
      this.apis.set(service, api);
    }
    return api as Promise<T>;
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
    const off = this.settings.unavailable;
    if (off?.services.has(service)) {
      const { AwsCallError } = await import('../errors.js');
      throw new AwsCallError(`${SERVICE_LABELS[service]}: ${off.why}`, off.hint.replace('<SERVICE>', SERVICE_ENV_IDS[service]));
    }
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
    addErrorContext(client, service);
    const log = this.settings.log;
    if (log) addCallLog(client, service, log);
    return client;
  }
}

/** How the services are named in messages. */
export const SERVICE_LABELS: Record<ServiceKey, string> = {
  kinesis: 'Kinesis',
  dms: 'DMS',
  firehose: 'Firehose',
  cloudwatch: 'CloudWatch',
  dynamodb: 'DynamoDB',
  pricing: 'the AWS Price List API',
  iam: 'IAM',
  s3: 'S3',
  rds: 'RDS',
  lambda: 'Lambda',
};

/**
 * Puts the service and the endpoint a failed call went to on its error (`$cdcpipe`), so an unreachable
 * endpoint, or one that answers with something other than AWS JSON, is reported by name (src/aws/errors.ts).
 * Only the scheme, host and port of the URL are kept: never a path, query or header.
 */
function addErrorContext(client: AnyClient, service: ServiceKey): void {
  const where = (next: (args: unknown) => Promise<unknown>, context: Record<string, unknown>) => async (args: unknown) => {
    const req = (args as { request?: { protocol?: string; hostname?: string; port?: number } }).request;
    if (req?.hostname) context.cdcpipeEndpoint = `${req.protocol ?? 'https:'}//${req.hostname}${req.port ? `:${req.port}` : ''}`;
    return next(args);
  };
  const annotate = (next: (args: unknown) => Promise<unknown>, context: Record<string, unknown>) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (err) {
      if (err && typeof err === 'object') Object.assign(err, { $cdcpipe: { service: SERVICE_LABELS[service], endpoint: context.cdcpipeEndpoint } });
      throw err;
    }
  };
  client.middlewareStack.add(where as never, { step: 'finalizeRequest', name: 'cdcpipeEndpointOfCall', priority: 'low' } as never);
  client.middlewareStack.add(annotate as never, { step: 'initialize', name: 'cdcpipeErrorContext', priority: 'high' } as never);
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
