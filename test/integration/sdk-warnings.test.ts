import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/kinesis.js';

// On Node.js 20 the AWS SDK emits a "NodeVersionSupportWarning" the first time a client is built; it must not
// reach normal output (issue 2), only --debug. runCli starts the binary with a clean environment, so the CLI
// itself has to suppress it. (On Node.js 22+ the SDK emits nothing and only the first test is meaningful.)
describe('AWS SDK warnings', () => {
  it('stay out of stderr and stdout of a command that calls AWS', async () => {
    const res = await runCli(['tail', 'no-such-stream-sdk-warning', '--from', 'trim-horizon', '-e'], { endpoint: inject('kinesisEndpoint') });
    expect(res.code).toBe(4);
    expect(res.stderr + res.stdout).not.toMatch(/NodeVersionSupportWarning|AWS SDK for JavaScript/);
  });

  it('are shown with --debug on a Node.js version the SDK warns about', async () => {
    const res = await runCli(['tail', 'no-such-stream-sdk-warning', '--from', 'trim-horizon', '-e', '--debug'], { endpoint: inject('kinesisEndpoint') });
    expect(res.code).toBe(4);
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 22) expect(res.stderr).toMatch(/NodeVersionSupportWarning/);
    else expect(res.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });
});
