// Test helpers for replies whose element order Redis leaves unspecified
// (hashtable sets and hashes): parse a RESP reply into a tree, serialize it
// back, sort aggregates; plus a small seeded PRNG for randomized sequences.

/** A parsed RESP reply: type char, scalar text, children. */
export interface Node {
  t: string;
  v: string;
  c: Node[];
}

export function parse(s: string, pos = 0): [Node, number] {
  const t = s[pos];
  const nl = s.indexOf('\r\n', pos);
  const head = s.slice(pos + 1, nl);
  let p = nl + 2;
  if (t === '$' || t === '=' || t === '!') {
    const n = Number(head);
    if (n < 0) return [{ t: 'nil' + t, v: head, c: [] }, p];
    return [{ t, v: s.slice(p, p + n), c: [] }, p + n + 2];
  }
  if (t === '*' || t === '~' || t === '%' || t === '>') {
    const n = Number(head) * (t === '%' ? 2 : 1);
    const c: Node[] = [];
    for (let i = 0; i < n; i++) {
      const [x, q] = parse(s, p);
      c.push(x);
      p = q;
    }
    return [{ t, v: head, c }, p];
  }
  return [{ t, v: head, c: [] }, p];
}

export function ser(n: Node): string {
  if (n.t.startsWith('nil')) return `${n.t.slice(3)}${n.v}\r\n`;
  if (n.t === '$' || n.t === '=' || n.t === '!') return `${n.t}${n.v.length}\r\n${n.v}\r\n`;
  if (n.t === '*' || n.t === '~' || n.t === '%' || n.t === '>') return `${n.t}${n.v}\r\n` + n.c.map(ser).join('');
  return `${n.t}${n.v}\r\n`;
}

/** Aggregate reply with its elements sorted (order-free comparison). */
export function sortTop(r: string): string {
  if (!'*~'.includes(r[0]) || r.startsWith('*-1')) return r;
  const [n] = parse(r);
  n.c.sort((a, b) => (ser(a) < ser(b) ? -1 : ser(a) > ser(b) ? 1 : 0));
  return ser(n);
}

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One RESP2 reply (text) as a JS value: strings, numbers, arrays, null; an error reply throws. */
export function replyValue(s: string, pos = 0): [unknown, number] {
  const nl = s.indexOf('\r\n', pos);
  const t = s[pos];
  const head = s.slice(pos + 1, nl);
  if (t === '*') {
    const n = Number(head);
    if (n < 0) return [null, nl + 2];
    const arr: unknown[] = [];
    let p = nl + 2;
    for (let i = 0; i < n; i++) {
      const [v, np] = replyValue(s, p);
      arr.push(v);
      p = np;
    }
    return [arr, p];
  }
  if (t === '$') {
    const n = Number(head);
    if (n < 0) return [null, nl + 2];
    return [s.slice(nl + 2, nl + 2 + n), nl + 2 + n + 2];
  }
  if (t === ':') return [Number(head), nl + 2];
  if (t === '-') throw new Error(head);
  return [head, nl + 2];
}
