/**
 * One reusable byte buffer for bytes that are copied out before it is used again (parsed into a string,
 * decoded into record views): every fresh Buffer's memory counts toward V8's next full GC
 * (docs/performance.md, "Tail CPU").
 *
 * What a method returns is a view of the scratch: valid until the next call on the same scratch.
 */
export class ScratchBuffer {
  private bytes: Buffer;

  /** Nothing is allocated until the first use, by default. */
  constructor(initialBytes = 0) {
    this.bytes = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** The chunks one after another, as Buffer.concat(chunks) would give them. */
  join(chunks: readonly Uint8Array[]): Buffer {
    let size = 0;
    for (const chunk of chunks) size += chunk.byteLength;
    const bytes = this.room(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes.subarray(0, size);
  }

  /** The bytes of a base64 text, decoded as Buffer.from(text, 'base64') decodes it. */
  fromBase64(text: string): Buffer {
    // Every 4 characters (the last group possibly short) decode to at most 3 bytes.
    const bytes = this.room(Math.ceil(text.length / 4) * 3);
    return bytes.subarray(0, bytes.write(text, 0, 'base64'));
  }

  private room(size: number): Buffer {
    if (size > this.bytes.length) this.bytes = Buffer.allocUnsafeSlow(Math.max(size, this.bytes.length * 2));
    return this.bytes;
  }
}
