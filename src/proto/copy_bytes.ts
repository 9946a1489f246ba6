// Copies of a few bytes between buffers. Replies and ring frames are mostly a
// handful of bytes (+OK, :1, $-1): a JS loop copies those faster than
// Buffer#copy, whose call into C++ costs ~35 ns whatever the length; from
// about 32 bytes on the call wins (a 64-byte copy: 41 ns against 55 in JS;
// TypedArray#set of a subarray is slower than either at every length).

/** Bytes up to which copyBytes copies in JS. */
const JS_COPY_MAX = 32;

/** src[start, end) to dst[at..] (room ensured by the caller). */
export function copyBytes(src: Buffer, start: number, end: number, dst: Buffer, at: number): void {
  if (end - start > JS_COPY_MAX) src.copy(dst, at, start, end);
  else for (let i = start; i < end; i++) dst[at++] = src[i];
}
