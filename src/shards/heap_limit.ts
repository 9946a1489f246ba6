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

/**
 * The young generation of each server thread (V8's nursery: two semi-spaces
 * and the space for new large objects). V8 sizes it from the machine's
 * memory, up to 3 x 64 MB per isolate, and keeps it at its peak: most of
 * it is then resident memory holding nothing (2 x 116 MB of RSS for a
 * 2-thread server after 1M SETs). 64 MB measured as fast as the default
 * under pipelined SET, MSET and EVAL load (bench/RESULTS.md), and a smaller
 * nursery (24 MB) cost 5-10% there.
 */
export const THREAD_YOUNG_GENERATION_MB = 64;
