// Walks RESP2/RESP3 reply bytes, for coordinators that merge the replies of
// several shards (sum integers, splice array elements in key order).

/** End offset of the RESP value starting at pos. */
export function skipValue(b: Buffer, pos: number): number {
  const t = b[pos];
  const nl = b.indexOf(10, pos);
  const line = nl + 1;
  switch (t) {
    case 43: // +
    case 45: // -
    case 58: // :
    case 95: // _
    case 44: // ,
    case 35: // #
    case 40: // (
      return line;
    case 36: // $
    case 33: // !
    case 61: { // =
      const n = lineInt(b, pos + 1, nl - 1);
      return n < 0 ? line : line + n + 2;
    }
    case 42: // *
    case 126: // ~
    case 62: { // >
      const n = lineInt(b, pos + 1, nl - 1);
      let p = line;
      for (let i = 0; i < n; i++) p = skipValue(b, p);
      return p;
    }
    case 37: // %
    case 124: { // |
      const n = lineInt(b, pos + 1, nl - 1) * 2;
      let p = line;
      for (let i = 0; i < n; i++) p = skipValue(b, p);
      return p;
    }
    default:
      throw new Error('bad reply byte ' + t);
  }
}

/** The integer written in b[from, to) (a length or count of a reply header: an optional '-', then digits). */
export function lineInt(b: Uint8Array, from: number, to: number): number {
  const neg = b[from] === 45;
  let n = 0;
  for (let i = neg ? from + 1 : from; i < to; i++) n = n * 10 + (b[i] - 48);
  return neg ? -n : n;
}

/** The elements of an aggregate reply as byte slices (views). */
export function arrayElements(b: Buffer): Buffer[] {
  const nl = b.indexOf(10);
  const n = Number(b.latin1Slice(1, nl - 1));
  const out: Buffer[] = [];
  let p = nl + 1;
  for (let i = 0; i < n; i++) {
    const e = skipValue(b, p);
    out.push(b.subarray(p, e));
    p = e;
  }
  return out;
}

export function isError(b: Buffer): boolean {
  return isErrorAt(b, 0);
}

/** Is the reply that starts at b[at] an error ('-', or RESP3's '!')? */
export function isErrorAt(b: Uint8Array, at: number): boolean {
  return b[at] === 45 || b[at] === 33;
}

/** The integer of a ':' reply (NaN otherwise). */
export function intValue(b: Buffer): number {
  return intValueAt(b, 0);
}

/** The integer of the ':' reply that starts at b[at] (NaN otherwise). */
export function intValueAt(b: Buffer, at: number): number {
  if (b[at] !== 58) return NaN;
  return lineInt(b, at + 1, b.indexOf(13, at));
}

/** Text of a simple string / bulk string reply. */
export function stringValue(b: Buffer): string | null {
  if (b[0] === 43 || b[0] === 45) return b.latin1Slice(1, b.indexOf(13));
  if (b[0] === 36) {
    const nl = b.indexOf(10);
    const n = Number(b.latin1Slice(1, nl - 1));
    if (n < 0) return null;
    return b.latin1Slice(nl + 1, nl + 1 + n);
  }
  if (b[0] === 95) return null;
  return null;
}
