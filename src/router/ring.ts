// Single-producer / single-consumer byte ring on a SharedArrayBuffer.
// head (bytes ever written) and tail (bytes ever read) are Int32 counters that
// wrap modulo 2^32; the capacity is a power of two so positions map to offsets
// with a mask. The ring carries a byte stream: framing, chunking of messages
// larger than the ring and reassembly live one level up (channels.ts).

const HEAD = 0;
const TAIL = 1;
/** Set by the producer when it has bytes waiting for space; the consumer then rings its doorbell. */
const WANT_SPACE = 2;
const HEADER_BYTES = 16;

export function ringBytes(capacity: number): number {
  return HEADER_BYTES + capacity;
}

/** The rings between `threads` threads: rings[i][j] carries thread i's bytes to thread j (i === j: a placeholder). */
export function ringMatrix(threads: number, capacity: number): SharedArrayBuffer[][] {
  const rings: SharedArrayBuffer[][] = [];
  for (let i = 0; i < threads; i++) {
    rings.push([]);
    for (let j = 0; j < threads; j++) rings[i].push(new SharedArrayBuffer(i === j ? 16 : ringBytes(capacity)));
  }
  return rings;
}

export class Ring {
  private readonly hdr: Int32Array;
  private readonly data: Buffer;
  readonly capacity: number;
  private readonly mask: number;

  constructor(sab: SharedArrayBuffer, offset: number, capacity: number) {
    if ((capacity & (capacity - 1)) !== 0) throw new Error('ring capacity must be a power of two');
    this.hdr = new Int32Array(sab, offset, 4);
    this.data = Buffer.from(sab, offset + HEADER_BYTES, capacity);
    this.capacity = capacity;
    this.mask = capacity - 1;
  }

  /** Producer: copy as much of src[start, end) as fits; returns the number of bytes written (published at once). */
  write(src: Buffer, start: number, end: number): number {
    const head = Atomics.load(this.hdr, HEAD);
    const tail = Atomics.load(this.hdr, TAIL);
    const free = this.capacity - ((head - tail) >>> 0);
    const n = Math.min(free, end - start);
    if (n <= 0) return 0;
    const at = head & this.mask;
    const first = Math.min(n, this.capacity - at);
    src.copy(this.data, at, start, start + first);
    if (first < n) src.copy(this.data, 0, start + first, start + n);
    Atomics.store(this.hdr, HEAD, (head + n) | 0);
    return n;
  }

  /** Consumer: bytes available to read. */
  available(): number {
    return (Atomics.load(this.hdr, HEAD) - Atomics.load(this.hdr, TAIL)) >>> 0;
  }

  /** Consumer: copy up to max available bytes into dst at dstOff; returns the count and frees the space. */
  read(dst: Buffer, dstOff: number, max: number): number {
    const head = Atomics.load(this.hdr, HEAD);
    const tail = Atomics.load(this.hdr, TAIL);
    const n = Math.min((head - tail) >>> 0, max);
    if (n === 0) return 0;
    const at = tail & this.mask;
    const first = Math.min(n, this.capacity - at);
    this.data.copy(dst, dstOff, at, at + first);
    if (first < n) this.data.copy(dst, dstOff + first, 0, n - first);
    Atomics.store(this.hdr, TAIL, (tail + n) | 0);
    return n;
  }

  setWantSpace(v: boolean): void {
    Atomics.store(this.hdr, WANT_SPACE, v ? 1 : 0);
  }

  /** Consumer: true (and clears the flag) when the producer is waiting for space. */
  takeWantSpace(): boolean {
    return Atomics.load(this.hdr, WANT_SPACE) !== 0 && Atomics.exchange(this.hdr, WANT_SPACE, 0) !== 0;
  }
}
