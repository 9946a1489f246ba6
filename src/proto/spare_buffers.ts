// Byte buffers a thread keeps for reuse instead of allocating new ones: every
// Buffer above 4 KB is an ArrayBuffer of its own, whose allocation V8's
// collector counts as external memory (and collects more often for). The
// reply writer's output buffers (reply_writer.ts, handed off and given back
// once written) and the request parsers' carry buffers (request_parser.ts)
// each have a pool.

export class SpareBuffers {
  private readonly spares: ArrayBuffer[] = [];
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly maxEach: number;

  /** Keeps at most `maxBytes` in all, none larger than `maxEach`. */
  constructor(maxBytes: number, maxEach: number) {
    this.maxBytes = maxBytes;
    this.maxEach = maxEach;
  }

  /** A buffer of at least `size` bytes: the spare given back last when it is that big, else a new one of `size` bytes. */
  take(size: number): Buffer {
    const last = this.spares.length - 1;
    if (last >= 0 && this.spares[last].byteLength >= size) {
      const ab = this.spares.pop()!;
      this.bytes -= ab.byteLength;
      return Buffer.from(ab);
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** The whole ArrayBuffer under `b` (one from take(), or allocUnsafeSlow) is free again: kept while within the limits. */
  give(b: Buffer): void {
    const ab = b.buffer as ArrayBuffer;
    if (ab.byteLength <= this.maxEach && this.bytes + ab.byteLength <= this.maxBytes) {
      this.spares.push(ab);
      this.bytes += ab.byteLength;
    }
  }

  /** Keep the `n` spares given back last at most. */
  trim(n: number): void {
    while (this.spares.length > n) this.bytes -= this.spares.shift()!.byteLength;
  }
}
