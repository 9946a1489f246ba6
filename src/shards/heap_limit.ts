// How large each server thread's V8 heap may grow. V8's default limit (about
// 4 GB per isolate) would end a server thread, and so the server, long
// before the machine's memory is used, where Redis keeps going. A thread may
// grow to its share of maxmemory with room for V8's collector (which needs
// headroom or it collects constantly near the limit), or, without maxmemory,
// to the machine's memory; never below V8's default (maxmemory is not
// enforced yet, so a small maxmemory must not make the limit tighter).

import { totalmem } from 'node:os';

const MB = 1024 * 1024;
/** V8's own limit for a 64-bit isolate (what a worker gets without resourceLimits). */
const V8_DEFAULT_MB = 4096;

export function threadHeapLimitMb(maxmemory: number, threads: number): number {
  if (maxmemory > 0) return Math.max(V8_DEFAULT_MB, Math.ceil((2 * maxmemory) / threads / MB) + 256);
  return Math.max(V8_DEFAULT_MB, Math.floor(totalmem() / MB));
}
