/** The one Host: confirmation refuses without a terminal (naming --yes), --yes answers at once, messages go to stderr. */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AbortError, UsageError } from '../../src/errors.js';
import { OutputHost } from '../../src/render/host.js';
import { Output } from '../../src/render/output.js';

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  w.isTTY = isTTY;
  w.text = () => chunks.join('');
  return w;
}

const outputOf = (stderr: Writable, stdout = sink(false)) => new Output({ json: false, color: false, quiet: false, debug: false, stdout, stderr: stderr as never, env: {} });

describe('OutputHost.confirm', () => {
  it('--yes answers yes without asking', async () => {
    const stderr = sink(false);
    expect(await new OutputHost(outputOf(stderr)).confirm('Apply 2 changes?', { yesFlag: true })).toBe(true);
    expect(stderr.text()).toBe('');
  });

  it('without a terminal it refuses with a usage error naming --yes', async () => {
    const err = await new OutputHost(outputOf(sink(false))).confirm('Apply 2 changes?', { yesFlag: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/Apply 2 changes: .*no terminal.*--yes/);
  });

  it.each([
    ['y', true],
    ['yes', true],
    ['n', false],
    ['', false],
  ])('on a terminal, the answer %j is %s', async (answer, expected) => {
    const stderr = sink(true);
    const out = outputOf(stderr);
    Object.defineProperty(out, 'canPrompt', { value: true });
    const stdin = new PassThrough();
    const asked = new OutputHost(out, stdin).confirm('Apply 2 changes?', { yesFlag: false });
    stdin.write(`${answer}\n`);
    expect(await asked).toBe(expected);
    expect(stderr.text()).toContain('Apply 2 changes? [y/N] ');
  });

  it('Ctrl-C at the prompt is an abort (nothing was changed), not an error', async () => {
    const stderr = Object.assign(sink(true), { columns: 80 });
    const out = outputOf(stderr);
    Object.defineProperty(out, 'canPrompt', { value: true });
    const stdin = new PassThrough();
    const asked = new OutputHost(out, stdin).confirm('Apply?', { yesFlag: false }).catch((e: unknown) => e);
    stdin.write('\u0003'); // what a terminal in raw mode sends for Ctrl-C
    expect(await asked).toBeInstanceOf(AbortError);
  });
});

describe('OutputHost messages', () => {
  it('info and warn go to stderr; progress without a terminal is plain lines', async () => {
    const stderr = sink(false);
    const host = new OutputHost(outputOf(stderr));
    host.info('hello');
    host.warn('careful');
    const p = await host.progress('working');
    p.succeed('done');
    expect(stderr.text()).toBe('hello\nwarning: careful\n✔ done\n');
  });
});
