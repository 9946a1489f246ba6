// The replies of a cross-shard transaction's step, as one buffer: what a
// K_STEP_REPLY frame carries and what a step run on the coordinator's own
// thread hands over.
//
// Layout: u32 n; per command u32 end (where its reply ends, counted from the
// start of the reply bytes) and u32 µs (how long it ran: pipeline steps; 0
// otherwise); then the replies' bytes one after another.
//
// A pipeline step (router/pipeline.ts) writes its commands' replies one after
// another into one writer and packs them once; its coordinator keeps the
// packed buffer and copies each reply straight into the client's output. The
// other steps' callers get a Buffer per reply (unpackStepReplies).

import { getU32, putU32 } from '../proto/u32.ts';
import { copyBytes } from '../proto/copy_bytes.ts';

const HEAD = 4;
const PER_REPLY = 8;

/**
 * Pack replies written one after another into src[0, ends[n - 1]), command
 * i's ending at ends[i]; us[i]: how long it ran. `lead`: bytes left free
 * before the packed replies, for the caller's own header (they start at b[lead]).
 */
export function packStepOutput(src: Buffer, n: number, ends: number[], us: number[], lead = 0): Buffer {
  const bytes = n === 0 ? 0 : ends[n - 1];
  const at = lead + HEAD + PER_REPLY * n;
  const b = Buffer.allocUnsafe(at + bytes);
  putU32(b, lead, n);
  for (let i = 0, o = lead + HEAD; i < n; i++, o += PER_REPLY) {
    putU32(b, o, ends[i]);
    const t = Math.round(us[i]);
    putU32(b, o + 4, t < 0xffffffff ? t : 0xffffffff);
  }
  copyBytes(src, 0, bytes, b, at);
  return b;
}

/** Pack separate replies (no per-command times). */
export function packStepReplies(replies: Buffer[]): Buffer {
  const n = replies.length;
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += replies[i].length;
  const at = HEAD + PER_REPLY * n;
  const b = Buffer.allocUnsafe(at + bytes);
  putU32(b, 0, n);
  let end = 0;
  for (let i = 0, o = HEAD; i < n; i++, o += PER_REPLY) {
    replies[i].copy(b, at + end);
    end += replies[i].length;
    putU32(b, o, end);
    putU32(b, o + 4, 0);
  }
  return b;
}

/** How many replies the packed step replies at b[start] hold. */
export function stepReplyCount(b: Uint8Array, start: number): number {
  return getU32(b, start);
}

/** Where the reply bytes of the packed step replies at b[start] begin. */
export function stepBytesAt(b: Uint8Array, start: number): number {
  return start + HEAD + PER_REPLY * getU32(b, start);
}

/** Where reply i ends, counted from stepBytesAt(). */
export function stepReplyEnd(b: Uint8Array, start: number, i: number): number {
  return getU32(b, start + HEAD + PER_REPLY * i);
}

/** How long command i ran (µs). */
export function stepReplyMicros(b: Uint8Array, start: number, i: number): number {
  return getU32(b, start + HEAD + PER_REPLY * i + 4);
}

/** A Buffer (a copy) per reply of the packed step replies in b[start, end). */
export function unpackStepReplies(b: Buffer, start: number, end: number): Buffer[] {
  const n = getU32(b, start);
  const at = start + HEAD + PER_REPLY * n;
  const out: Buffer[] = new Array(n);
  let from = at;
  for (let i = 0; i < n; i++) {
    const to = at + getU32(b, start + HEAD + PER_REPLY * i);
    if (to < from || to > end) throw new Error('malformed step reply');
    out[i] = Buffer.from(b.subarray(from, to));
    from = to;
  }
  return out;
}
