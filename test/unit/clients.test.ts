import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients, resolveEndpoint, resolveRegion, type ServiceKey } from '../../src/aws/clients.js';
import { toCliError } from '../../src/aws/errors.js';
import { EXIT, UsageError } from '../../src/errors.js';
import { testTempDir } from '../helpers/temp-dir.js';

describe('endpoint resolution', () => {
  const cases: [string, ServiceKey, { endpointUrl?: string; env: Record<string, string> }, string | undefined][] = [
    ['no endpoint anywhere → the AWS default', 'kinesis', { env: {} }, undefined],
    ['AWS_ENDPOINT_URL applies to every service', 'dynamodb', { env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' } }, 'http://127.0.0.1:1'],
    ['AWS_ENDPOINT_URL_KINESIS beats AWS_ENDPOINT_URL', 'kinesis', { env: { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_KINESIS: 'http://k' } }, 'http://k'],
    ['a service-specific variable does not leak to another service', 'dynamodb', { env: { AWS_ENDPOINT_URL_KINESIS: 'http://k' } }, undefined],
    ['DMS uses its SDK service id DATABASE_MIGRATION_SERVICE', 'dms', { env: { AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE: 'http://d' } }, 'http://d'],
    ['--endpoint-url beats every variable', 'kinesis', { endpointUrl: 'http://flag', env: { AWS_ENDPOINT_URL_KINESIS: 'http://k', AWS_ENDPOINT_URL: 'http://a' } }, 'http://flag'],
  ];
  it.each(cases)('%s', (_name, service, settings, expected) => {
    expect(resolveEndpoint(service, settings)).toBe(expected);
  });
});

describe('region resolution', () => {
  const cases: [string, { region?: string; env: Record<string, string> }, string | undefined][] = [
    ['--region wins', { region: 'eu-west-1', env: { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' } }, 'eu-west-1'],
    ['then AWS_REGION', { env: { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' } }, 'us-west-2'],
    ['then AWS_DEFAULT_REGION, as the AWS CLI does', { env: { AWS_DEFAULT_REGION: 'ap-south-1' } }, 'ap-south-1'],
    ['else left to the profile (undefined here)', { env: {} }, undefined],
  ];
  it.each(cases)('%s', (_name, settings, expected) => {
    expect(resolveRegion(settings)).toBe(expected);
  });
});

describe('profile resolution', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('--profile takes region and credentials from the shared config files', async () => {
    const dir = testTempDir('profile');
    writeFileSync(join(dir, 'config'), '[default]\nregion = us-east-1\n[profile staging]\nregion = eu-west-1\n');
    writeFileSync(join(dir, 'credentials'), '[staging]\naws_access_key_id = AKIDSTAGING\naws_secret_access_key = staging-secret\n');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    for (const k of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[k];
    const aws = new AwsClients({ profile: 'staging', env: {} });
    const kinesis = await aws.kinesisSdk();
    expect(await kinesis.config.region()).toBe('eu-west-1');
    const creds = await kinesis.config.credentials();
    expect(creds.accessKeyId).toBe('AKIDSTAGING');
    aws.destroy();
  });

  it('a custom endpoint without any region defaults to us-east-1 and uses HTTP/1.1', async () => {
    const aws = new AwsClients({ endpointUrl: 'http://127.0.0.1:4568', env: {} });
    process.env.AWS_CONFIG_FILE = '/nonexistent';
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    const kinesis = await aws.kinesisSdk();
    expect(await kinesis.config.region()).toBe('us-east-1');
    expect(kinesis.config.requestHandler.constructor.name).toBe('NodeHttpHandler');
    aws.destroy();
  });
});

describe('AWS error mapping', () => {
  const err = (name: string, message = `${name} happened`) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
  const cases: [string, unknown, number, RegExp | null][] = [
    ['ResourceNotFoundException → exit 4 with a hint', err('ResourceNotFoundException'), EXIT.notFound, /check the name/],
    ['DMS ResourceNotFoundFault → exit 4', err('ResourceNotFoundFault'), EXIT.notFound, /check the name/],
    ['AccessDeniedException → exit 5', err('AccessDeniedException'), EXIT.auth, /IAM policy/],
    ['ExpiredTokenException → exit 5 saying the token expired', err('ExpiredTokenException'), EXIT.auth, /expired/],
    ['missing credentials → exit 5', err('CredentialsProviderError', 'Could not load credentials from any providers'), EXIT.auth, /credentials/],
    ['UnrecognizedClientException (bad key id) → exit 5', err('UnrecognizedClientException'), EXIT.auth, /credentials/],
    ['a throttling error after retries → exit 1', err('LimitExceededException'), EXIT.failure, null],
    ['connection refused → exit 1 naming the endpoint setting', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), EXIT.failure, /endpoint-url/],
    ['a CliError passes through unchanged', new UsageError('--rps: expected a number'), EXIT.usage, null],
  ];
  it.each(cases)('%s', (_name, input, code, hint) => {
    const mapped = toCliError(input);
    expect(mapped.exitCode).toBe(code);
    if (hint) expect(mapped.hint).toMatch(hint);
  });
});
