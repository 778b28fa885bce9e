/**
 * Fault suite (issue 8): invalid invocations of every command, through the real built binary. Each must
 * exit 2 (usage error) and name the flag or argument at fault on stderr. Validation has to happen before
 * any AWS call: every run points AWS_ENDPOINT_URL at a port nothing listens on, so a command that called
 * AWS first would fail with exit 1 (connection refused) instead, and the test would catch it.
 * No server is needed; the file lives in the integration project because it runs dist/.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPortEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const dir = tempDir('faults-cli');
const VALID_PIPELINE = join(dir, 'valid.yaml');
writeFileSync(VALID_PIPELINE, 'stream: {name: orders-cdc, shards: 2}\n');

type Case = [description: string, args: string[], flag: string];

/** [what is wrong, argv, the flag or argument the message must name]. Grouped by command. */
const CASES: Case[] = [
  // global options, validated before any command runs
  ['global: --endpoint-url not a URL', ['lag', 's1', '--endpoint-url', 'notaurl'], '--endpoint-url'],
  ['global: --region not a region name', ['--region', 'Not_A_Region', 'tail', 's1'], '--region'],
  ['tail: --shard not a shard id', ['tail', 's1', '--shard', 'bogus'], '--shard'],
  // plan (no AWS at all)
  ['plan: zero records/s', ['plan', '--rps', '0', '--kb', '4'], '--rps'],
  ['plan: --rps missing', ['plan', '--kb', '4'], '--rps'],
  ['plan: record over 10 MiB', ['plan', '--rps', '100', '--kb', '20000'], '--kb'],
  ['plan: --kb not a number', ['plan', '--rps', '100', '--kb', 'abc'], '--kb'],
  ['plan: peak under 1', ['plan', '--rps', '100', '--kb', '4', '--peak', '0'], '--peak'],
  ['plan: negative consumers', ['plan', '--rps', '100', '--kb', '4', '--consumers', '-1'], '--consumers'],
  ['plan: 21 EFO consumers', ['plan', '--rps', '100', '--kb', '4', '--efo-consumers', '21'], '--efo-consumers'],
  ['plan: utilization over 1', ['plan', '--rps', '100', '--kb', '4', '--utilization', '1.5'], '--utilization'],
  ['plan: retention under 24 h', ['plan', '--rps', '100', '--kb', '4', '--retention-hours', '10'], '--retention-hours'],
  ['plan: skew over 1', ['plan', '--rps', '100', '--kb', '4', '--skew', '2'], '--skew'],
  ['plan: an unknown flag', ['plan', '--rps', '100', '--kb', '4', '--bogus'], '--bogus'],
  // cost
  ['cost: unknown capacity mode', ['cost', '--rps', '100', '--kb', '4', '--mode', 'cheap'], '--mode'],
  ['cost: zero shards', ['cost', '--rps', '100', '--kb', '4', '--shards', '0'], '--shards'],
  ['cost: 500 DCUs', ['cost', '--rps', '100', '--kb', '4', '--dms-serverless-dcu', '500'], '--dms-serverless-dcu'],
  ['cost: 8 shard-level metrics', ['cost', '--rps', '100', '--kb', '4', '--shard-level-metrics', '8'], '--shard-level-metrics'],
  ['cost: negative alarm count', ['cost', '--rps', '100', '--kb', '4', '--alarms', '-2'], '--alarms'],
  ['cost: unknown DMS instance class', ['cost', '--rps', '100', '--kb', '4', '--dms-instance', 'huge'], '--dms-instance'],
  ['cost: missing price file', ['cost', '--rps', '100', '--kb', '4', '--prices', join(dir, 'nope.json')], '--prices'],
  ['cost: DMS storage without an instance', ['cost', '--rps', '100', '--kb', '4', '--dms-storage-gb', '5'], '--dms-storage-gb'],
  // tail
  ['tail: unknown start position', ['tail', 's1', '--from', 'yesterday'], '--from'],
  ['tail: seq: without one --shard', ['tail', 's1', '--from', 'seq:123'], '--from'],
  ['tail: zero records', ['tail', 's1', '--max', '0'], '--max'],
  ['tail: --until not a time', ['tail', 's1', '--until', 'notatime'], '--until'],
  ['tail: unknown operation', ['tail', 's1', '--op', 'upsert'], '--op'],
  ['tail: broken regular expression', ['tail', 's1', '--grep', '('], '--grep'],
  ['tail: unknown output format', ['tail', 's1', '--format', 'xml'], '--format'],
  ['tail: zero concurrency', ['tail', 's1', '--concurrency', '0'], '--concurrency'],
  ['tail: --keep-consumer without --efo', ['tail', 's1', '--keep-consumer'], '--keep-consumer'],
  ['tail: template and --format together', ['tail', 's1', '--template', '%s', '--format', 'raw'], '--template'],
  ['tail: empty --redact list', ['tail', 's1', '--redact', ','], '--redact'],
  ['tail: consumer name with spaces', ['tail', 's1', '--efo', 'my consumer'], '--efo'],
  ['tail: table pattern with spaces', ['tail', 's1', '--table', 'shop orders'], '--table'],
  ['tail: the stream argument missing', ['tail', '--from', 'latest'], 'stream'],
  // lag
  ['lag: window under 1 s', ['lag', 's1', '--window', '0s'], '--window'],
  ['lag: threshold in an unknown unit', ['lag', 's1', '--threshold', '5min'], '--threshold'],
  ['lag: count limit over 10,000', ['lag', 's1', '--count-limit', '20000'], '--count-limit'],
  ['lag: unknown --fail-on level', ['lag', 's1', '--fail-on', 'info'], '--fail-on'],
  ['lag: --sns-topic without --alarm', ['lag', 's1', '--sns-topic', 'arn:x'], '--sns-topic'],
  ['lag: --sns-topic not an SNS ARN', ['lag', 's1', '--alarm', '--sns-topic', 'alerts'], '--sns-topic'],
  ['lag: --observe longer than --window', ['lag', 's1', '--observe', '1h'], '--observe'],
  ['lag: --watch under 1 s', ['lag', 's1', '--watch', '1ms'], '--watch'],
  ['lag: two consumer sources', ['lag', 's1', '--checkpoint', 'a.json', '--app', 'x'], '--checkpoint'],
  ['lag: --dry-run without --alarm', ['lag', 's1', '--dry-run'], '--dry-run'],
  // reshard
  ['reshard: zero shards', ['reshard', 's1', '--to', '0'], '--to'],
  ['reshard: over 10,000 shards', ['reshard', 's1', '--to', '20000'], '--to'],
  ['reshard: budget over 10 calls', ['reshard', 's1', '--to', '4', '--budget-used', '11'], '--budget-used'],
  ['reshard: split of a malformed shard id', ['reshard', 's1', '--split', 'shard-3'], '--split'],
  ['reshard: negative split point', ['reshard', 's1', '--split', 'shardId-000000000001', '--at', '-5'], '--at'],
  ['reshard: merge of one shard', ['reshard', 's1', '--merge', 'shardId-000000000001'], '--merge'],
  ['reshard: zero target utilization', ['reshard', 's1', '--auto', '--target-utilization', '0'], '--target-utilization'],
  ['reshard: sample under 1 s', ['reshard', 's1', '--auto', '--sample', '10ms'], '--sample'],
  ['reshard: --at without --split', ['reshard', 's1', '--to', '4', '--at', '5'], '--at'],
  ['reshard: two modes at once', ['reshard', 's1', '--to', '4', '--rebalance'], '--to'],
  ['reshard: no mode', ['reshard', 's1'], '--to'],
  // produce
  ['produce: zero records/s', ['produce', 's1', '--rps', '0', '--kb', '1', '--count', '10'], '--rps'],
  ['produce: zero KiB', ['produce', 's1', '--rps', '10', '--kb', '0', '--count', '10'], '--kb'],
  ['produce: duration not a duration', ['produce', 's1', '--rps', '10', '--kb', '1', '--duration', 'forever'], '--duration'],
  ['produce: negative count', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '-1'], '--count'],
  ['produce: --count and --duration', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '10', '--duration', '5s'], '--count'],
  ['produce: zero tables', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '10', '--tables', '0'], '--tables'],
  ['produce: operation weight not a number', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '10', '--ops', 'insert=x'], '--ops'],
  ['produce: unknown partition key mode', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '10', '--partition-key', 'random'], '--partition-key'],
  ['produce: unknown record format', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '10', '--format', 'avro'], '--format'],
  ['produce: seed not a number', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '10', '--seed', 'abc'], '--seed'],
  ['produce: zero shards to create', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '10', '--create-shards', '0'], '--create-shards'],
  ['produce: 100 requests in flight', ['produce', 's1', '--rps', '10', '--kb', '1', '--count', '10', '--max-in-flight', '100'], '--max-in-flight'],
  // local
  ['local: port over 65535', ['local', '--port', '70000'], '--port'],
  ['local: port not a number', ['local', '--port', 'abc'], '--port'],
  // provision
  ['provision: a pipeline file that does not exist', ['provision', '--config', join(dir, 'missing.yaml'), '--dry-run'], '--config'],
  ['provision: unknown template format', ['provision', '--config', VALID_PIPELINE, '--emit', 'terraform'], '--emit'],
  // global
  ['an unknown command', ['deploy'], 'deploy'],
];

describe('fault suite: invalid invocations exit 2 and name the flag, before any AWS call', () => {
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await closedPortEndpoint();
  });

  it('covers 40+ invocations across every command', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const commands = new Set(CASES.map(([, args]) => args[0]));
    for (const c of ['plan', 'cost', 'tail', 'lag', 'reshard', 'produce', 'local', 'provision']) expect(commands).toContain(c);
  });

  const rows = CASES.map(([what, args, flag]) => ({ what, args, flag }));
  it.concurrent.each(rows)('$what → exit 2 naming $flag', async ({ args, flag }) => {
    const res = await runCli(args, { endpoint, timeoutMs: 30_000, env: { NO_COLOR: '1' } });
    // exit 1 with ECONNREFUSED would mean an AWS call happened before validation.
    expect({ code: res.code, stderr: res.stderr }).toMatchObject({ code: 2 });
    expect(res.stderr).toContain(flag);
    expect(res.stderr).not.toMatch(/ECONNREFUSED|nothing is listening/);
    expect(res.stdout).toBe('');
  });
});
