// Copies of a few bytes between buffers. Replies and ring frames are mostly a
// handful of bytes (+OK, :1, $-1): a JS loop copies those faster than
// Buffer#copy, whose call into C++ costs more than the copy (one-trip
// batches at pipeline 16: ~0.3 µs a batch in keepLocal alone).

/** Bytes up to which copyBytes copies in JS. */
const JS_COPY_MAX = 64;

/** src[start, end) to dst[at..] (room ensured by the caller). */
export function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
  if (end - start > JS_COPY_MAX) dst.set(src.subarray(start, end), at);
  else for (let i = start; i < end; i++) dst[at++] = src[i];
}
