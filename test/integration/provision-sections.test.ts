/**
 * `provision --only`, --local with a full pipeline file, and services that cannot be reached or do not
 * answer like AWS (issue 20, item 8). Kinesis is the shared kinesis-local; CloudWatch is moto.
 */
import { copyFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { motoTestsEnabled, startMoto, type Moto } from '../helpers/moto.js';
import { freePort } from '../helpers/servers.js';
import { runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

const kinesis = inject('kinesisEndpoint');
const dir = tempDir('provision-sections');
const FULL = join(dir, 'full.yaml');
copyFileSync(fileURLToPath(new URL('../../examples/cdcpipe.full.yaml', import.meta.url)), FULL);
const kinesisCalls = (stderr: string) => [...stderr.matchAll(/\[debug\] (\w+) (\w+)/g)].map((m) => `${m[1]} ${m[2]}`);

describe.runIf(motoTestsEnabled())('provision --only (CloudWatch on moto)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  it('plans only the named sections; the others are not read', async () => {
    const res = await runCli(['provision', '--config', FULL, '--dry-run', '--json', '--only', 'stream,alarms', '--debug'], { env: { AWS_ENDPOINT_URL: moto.endpoint, AWS_ENDPOINT_URL_KINESIS: kinesis } });
    expect(res.code, res.stderr).toBe(0);
    const resources = JSON.parse(res.stdout).actions.map((a: { resource: string }) => a.resource);
    expect(new Set(resources)).toEqual(new Set(['kinesis-stream', 'cloudwatch-alarm']));
    // The DMS latency alarm's instance dimension is the one DMS read the alarms need.
    expect(kinesisCalls(res.stderr).filter((c) => /^(dms|firehose|iam) /.test(c))).toEqual(['dms DescribeReplicationInstances']);
  });

});

describe('provision --only', () => {
  it('an unknown section is a usage error naming --only', async () => {
    const res = await runCli(['provision', '--config', FULL, '--dry-run', '--only', 'stream,kafka']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--only: expected stream \| dms \| firehose \| alarms, got 'kafka'/);
  });
});

describe('--local with a full pipeline file', () => {
  const local = { CDCPIPE_LOCAL_PORT: new URL(kinesis).port, CDCPIPE_STATE_DIR: dir, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined };

  it('provision --dry-run skips what the local server cannot serve, with a note, and exits 0', async () => {
    const res = await runCli(['provision', '--config', FULL, '--dry-run', '--local', '--json'], { env: local });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('--local: the local server serves Kinesis only; skipping dms, firehose, alarms');
    expect(JSON.parse(res.stdout).actions.map((a: { resource: string }) => a.resource)).toEqual(['kinesis-stream']);
  });

  it('lag without a consumer source says CloudWatch is not served locally (not ENOTFOUND), exit 1', async () => {
    const stream = uniqueStreamName('local-lag');
    expect((await runCli(['produce', stream, '--local', '--create-shards', '1', '--rps', '100', '--kb', '1', '--count', '1'], { env: local })).code).toBe(0);
    const res = await runCli(['lag', stream, '--local'], { env: local });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/CloudWatch: not served by the local server \(--local serves Kinesis only\)/);
    expect(res.stderr).not.toMatch(/ENOTFOUND|SyntaxError/);
  });

  it('a generic AWS_ENDPOINT_URL does not get the calls of services the local server does not serve', async () => {
    const stream = uniqueStreamName('local-generic');
    expect((await runCli(['produce', stream, '--local', '--create-shards', '1', '--rps', '100', '--kb', '1', '--count', '1'], { env: local })).code).toBe(0);
    // Without the rule, CloudWatch would go to AWS_ENDPOINT_URL and fail with ECONNREFUSED there.
    const res = await runCli(['lag', stream, '--local'], { env: { ...local, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/CloudWatch: not served by the local server/);
    expect(res.stderr).not.toMatch(/Unexpected token|ECONNREFUSED/);
  });
});

describe('a service that cannot be reached, or answers like no AWS service', () => {
  const withDms = (url: string) => ({ AWS_ENDPOINT_URL_KINESIS: kinesis, AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE: url });

  it('nothing listening: names DMS and the endpoint, exit 1', async () => {
    const port = await freePort();
    const res = await runCli(['provision', '--config', FULL, '--dry-run', '--only', 'dms'], { env: withDms(`http://127.0.0.1:${port}`) });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`error: DMS at http://127.0.0.1:${port} is not reachable (ECONNREFUSED`);
  });

  it('an HTML page instead of AWS JSON: names DMS and the endpoint, exit 1', async () => {
    const port = await freePort();
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>login</body></html>');
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const res = await runCli(['provision', '--config', FULL, '--dry-run', '--only', 'dms'], { env: withDms(`http://127.0.0.1:${port}`) });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`error: DMS at http://127.0.0.1:${port} answered with something that is not an AWS answer (HTTP 200`);
      expect(res.stderr).not.toMatch(/^error: SyntaxError/m);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
