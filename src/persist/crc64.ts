// CRC-64/Jones as Redis computes it for DUMP payloads and RDB files: reflected,
// polynomial 0xad93d23594c935a9, initial value 0, no final xor
// (crc64(0, "123456789") = 0xe9c6d914c4b8d9ca).
//
// The 64-bit state is kept as two 32-bit halves and the input is consumed
// eight bytes at a time (slicing-by-8): tables T0..T7 in two Uint32Arrays,
// where Tk[i] is the CRC of byte i followed by k zero bytes.

const POLY_LO = 0xac4bc9b5; // the polynomial, bit-reversed: 0x95ac9329ac4bc9b5
const POLY_HI = 0x95ac9329;

const TL = new Uint32Array(8 * 256);
const TH = new Uint32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const bit = lo & 1;
    lo = (lo >>> 1) | ((hi & 1) << 31);
    hi >>>= 1;
    if (bit) {
      lo ^= POLY_LO;
      hi ^= POLY_HI;
    }
  }
  TL[i] = lo;
  TH[i] = hi;
}
for (let t = 1; t < 8; t++) {
  for (let i = 0; i < 256; i++) {
    const plo = TL[(t - 1) * 256 + i];
    const phi = TH[(t - 1) * 256 + i];
    const j = plo & 0xff;
    TL[t * 256 + i] = TL[j] ^ ((plo >>> 8) | (phi << 24));
    TH[t * 256 + i] = TH[j] ^ (phi >>> 8);
  }
}

/**
 * Advance a CRC kept as [low 32 bits, high 32 bits] in `state` over
 * b[start, end). Start from [0, 0]; feed pieces in order for streaming.
 */
export function crc64Update(state: Uint32Array, b: Uint8Array, start = 0, end = b.length): void {
  let lo = state[0];
  let hi = state[1];
  let i = start;
  const end8 = end - 8;
  while (i <= end8) {
    lo ^= b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    hi ^= b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24);
    const a0 = 1792 + (lo & 0xff);
    const a1 = 1536 + ((lo >>> 8) & 0xff);
    const a2 = 1280 + ((lo >>> 16) & 0xff);
    const a3 = 1024 + (lo >>> 24);
    const a4 = 768 + (hi & 0xff);
    const a5 = 512 + ((hi >>> 8) & 0xff);
    const a6 = 256 + ((hi >>> 16) & 0xff);
    const a7 = hi >>> 24;
    lo = TL[a0] ^ TL[a1] ^ TL[a2] ^ TL[a3] ^ TL[a4] ^ TL[a5] ^ TL[a6] ^ TL[a7];
    hi = TH[a0] ^ TH[a1] ^ TH[a2] ^ TH[a3] ^ TH[a4] ^ TH[a5] ^ TH[a6] ^ TH[a7];
    i += 8;
  }
  for (; i < end; i++) {
    const j = (lo ^ b[i]) & 0xff;
    lo = TL[j] ^ ((lo >>> 8) | (hi << 24));
    hi = TH[j] ^ (hi >>> 8);
  }
  state[0] = lo;
  state[1] = hi;
}

const tmp = new Uint32Array(2);

/** The CRC64 of b[start, end). */
export function crc64(b: Uint8Array, start = 0, end = b.length): bigint {
  tmp[0] = 0;
  tmp[1] = 0;
  crc64Update(tmp, b, start, end);
  return (BigInt(tmp[1]) << 32n) | BigInt(tmp[0]);
}

/** Write the CRC64 of b[start, end) at out[pos, pos + 8), little endian (as Redis stores it). */
export function writeCrc64LE(b: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): void {
  tmp[0] = 0;
  tmp[1] = 0;
  crc64Update(tmp, b, start, end);
  const lo = tmp[0];
  const hi = tmp[1];
  out[pos] = lo;
  out[pos + 1] = lo >>> 8;
  out[pos + 2] = lo >>> 16;
  out[pos + 3] = lo >>> 24;
  out[pos + 4] = hi;
  out[pos + 5] = hi >>> 8;
  out[pos + 6] = hi >>> 16;
  out[pos + 7] = hi >>> 24;
}

/** Whether the 8 bytes at b[pos, pos + 8) (little endian) are the CRC64 of b[start, end). */
export function checkCrc64LE(b: Uint8Array, start: number, end: number, pos: number): boolean {
  tmp[0] = 0;
  tmp[1] = 0;
  crc64Update(tmp, b, start, end);
  const lo = tmp[0];
  const hi = tmp[1];
  return (
    (b[pos] | (b[pos + 1] << 8) | (b[pos + 2] << 16) | (b[pos + 3] << 24)) >>> 0 === lo &&
    (b[pos + 4] | (b[pos + 5] << 8) | (b[pos + 6] << 16) | (b[pos + 7] << 24)) >>> 0 === hi
  );
}
