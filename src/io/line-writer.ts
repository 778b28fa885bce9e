/**
 * Writes lines to a stream in pieces of up to PIECE_BYTES, encoded into one byte buffer: a string written
 * to a file stream would become a new Buffer per write, and Buffers bring on full GCs (docs/performance.md,
 * "Tail CPU").
 *
 * With `reuse`, the buffer is used again once the stream has taken its bytes: when write() returns with nothing
 * queued (writableLength 0), as process.stdout does for files (a synchronous write), terminals, and pipes
 * the reader keeps up with. A stream that queues the bytes keeps that buffer, and the writer takes a new
 * one. Only a stream whose write() copies out what it sends may be given `reuse`: a PassThrough, say, hands
 * the very Buffer on to its reader, so it must not be written over.
 */
export class LineWriter {
  static readonly PIECE_BYTES = 256 * 1024;
  private bytes: Buffer;
  private used = 0;
  private wantsDrain = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly reuse: boolean,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(LineWriter.PIECE_BYTES);
  }

  /** Adds `line` and a line feed. */
  line(line: string): void {
    // A UTF-16 code unit never takes more than 3 bytes of UTF-8.
    const most = line.length * 3 + 1;
    if (most > this.bytes.length - this.used) {
      this.writeOut();
      if (most > this.bytes.length) this.bytes = Buffer.allocUnsafeSlow(most);
    }
    this.used += this.bytes.write(line, this.used);
    this.bytes[this.used++] = 0x0a;
  }

  /** Writes what was added; resolves once the stream can take more ('drain', if a write asked to wait). */
  flush(): Promise<void> {
    this.writeOut();
    if (!this.wantsDrain) return Promise.resolve();
    this.wantsDrain = false;
    return new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }

  private writeOut(): void {
    if (this.used === 0) return;
    if (!this.stream.write(this.bytes.subarray(0, this.used))) this.wantsDrain = true;
    this.used = 0;
    const queued = (this.stream as NodeJS.WritableStream & { writableLength?: number }).writableLength ?? 1;
    if (!this.reuse || queued > 0) this.bytes = Buffer.allocUnsafeSlow(this.bytes.length);
  }
}
