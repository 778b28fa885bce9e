// ScratchBuffer and LineWriter (src/io): reused memory must never show through in what they hand out, and
// decodeRecord, which the reader feeds from a scratch, must keep nothing of the bytes it was given.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/core/decode.js';
import { seededRandom } from '../../src/core/random.js';
import { LineWriter } from '../../src/io/line-writer.js';
import { ScratchBuffer } from '../../src/io/scratch-buffer.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const META = { shardId: 'shardId-000000000000', sequenceNumber: '4965', partitionKey: 'k', arrivalTime: new Date('2026-11-20T10:16:02.507Z') };

describe('ScratchBuffer', () => {
  it('joins chunks as Buffer.concat does, growing past its first size', () => {
    const scratch = new ScratchBuffer(4);
    const rnd = seededRandom(7);
    for (let round = 0; round < 50; round++) {
      const chunks = Array.from({ length: Math.floor(rnd() * 6) }, () => Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))));
      expect(Buffer.compare(scratch.join(chunks), Buffer.concat(chunks))).toBe(0);
    }
  });

  it('decodes base64 as Buffer.from(text, "base64") does, padded, unpadded, url-safe and invalid', () => {
    const scratch = new ScratchBuffer(1);
    const rnd = seededRandom(11);
    const texts = ['', 'QQ==', 'QQ', 'QUI=', 'QUJD', 'QUJDRA', '-_-_', 'not base64!', '  QUJD  ', 'QU=JD'];
    for (let i = 0; i < 200; i++) texts.push(Buffer.from(Array.from({ length: Math.floor(rnd() * 3000) }, () => Math.floor(rnd() * 256))).toString('base64'));
    for (const text of texts) expect(Buffer.compare(scratch.fromBase64(text), Buffer.from(text, 'base64')), text.slice(0, 20)).toBe(0);
  });
});

describe('decodeRecord keeps nothing of its input (the reader decodes from a reused scratch)', () => {
  const inputs = readdirSync(FIXTURES)
    .filter((f) => !f.endsWith('.md'))
    .map((f) => [f, readFileSync(FIXTURES + f)] as const);
  inputs.push(['binary', Buffer.from([0x00, 0xff, 0x10, 0x80])], ['text', Buffer.from('plain text')]);

  it.each(inputs)('%s: the views are the same after the bytes are overwritten', (_name, bytes) => {
    const copy = Buffer.from(bytes);
    const views = decodeRecord(copy, META);
    const before = JSON.stringify(views);
    copy.fill(0x41);
    expect(JSON.stringify(views)).toBe(before);
  });
});

/** A stream that copies each chunk at once (as a file or pipe does) and records how it was called. */
function copyingSink(): { stream: Writable; text: () => string; writes: () => number } {
  const parts: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, text: () => parts.join(''), writes: () => parts.length };
}

describe('LineWriter', () => {
  const lines = (n: number, rnd = seededRandom(3)) =>
    Array.from({ length: n }, (_, i) => `${i} ${'é€😀x'.repeat(Math.floor(rnd() * 300))} ${String.fromCharCode(0x20 + Math.floor(rnd() * 90))}`);

  it('writes every line once, in order, in pieces, with reuse on, through a stream that copies each write', async () => {
    const sink = copyingSink();
    const writer = new LineWriter(sink.stream, true);
    const all = lines(3000);
    for (const line of all) writer.line(line);
    await writer.flush();
    expect(sink.text()).toBe(`${all.join('\n')}\n`);
    expect(sink.writes()).toBeGreaterThan(3); // 256 KiB pieces, not one write per line
    expect(sink.writes()).toBeLessThan(all.length / 10);
  });

  it('takes a fresh buffer when the stream keeps the bytes (PassThrough hands the Buffer on)', async () => {
    const stream = new PassThrough();
    const got: Buffer[] = [];
    stream.on('data', (b: Buffer) => got.push(b)); // kept as handed over: a reused buffer would show here
    const writer = new LineWriter(stream, false);
    const all = lines(2000, seededRandom(5));
    for (let i = 0; i < all.length; i++) {
      writer.line(all[i]!);
      if (i % 100 === 99) await writer.flush();
    }
    await writer.flush();
    expect(Buffer.concat(got).toString('utf8')).toBe(`${all.join('\n')}\n`);
  });

  it('does not reuse a buffer the stream still queues, and waits for drain', async () => {
    const kept: Buffer[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        kept.push(chunk); // held until the callback, as a pipe holds a write it could not finish
        release = cb;
      },
    });
    const writer = new LineWriter(slow, true);
    const all = lines(1500, seededRandom(9));
    let done = false;
    const run = (async () => {
      for (let i = 0; i < all.length; i++) {
        writer.line(all[i]!);
        if (i % 50 === 49) await writer.flush();
      }
      await writer.flush();
      done = true;
    })();
    while (!done) {
      await new Promise((r) => setImmediate(r));
      const cb = release;
      release = undefined;
      cb?.();
    }
    await run;
    expect(Buffer.concat(kept).toString('utf8')).toBe(`${all.join('\n')}\n`);
  });

  it('takes a line longer than a piece whole', async () => {
    const sink = copyingSink();
    const writer = new LineWriter(sink.stream, true);
    const long = 'z'.repeat(LineWriter.PIECE_BYTES * 2);
    writer.line('a');
    writer.line(long);
    writer.line('b');
    await writer.flush();
    expect(sink.text()).toBe(`a\n${long}\nb\n`);
  });
});
