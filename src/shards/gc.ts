// A server thread's garbage collections on demand (V8's gc function, exposed
// once per thread): MEMORY PURGE's full collection, and the nudge that lets
// V8 give memory back soon after a burst of work.
//
// After a load (DEBUG POPULATE of 1M keys, a bulk import) the threads keep
// their young generation at its peak and the pages the collector freed in
// V8's pool: resident memory holding nothing. V8's memory reducer would give
// it back with an incremental memory-reducing collection, but it judges the
// allocation rate only at garbage collections: a thread that goes idle right
// after the load shows the load's rate at every check and the reducer waits
// for its watchdog, ~100 s after the last full collection. So a thread that
// goes idle (IDLE_SECONDS without a command, a byte read or a frame from
// another thread) after some work
// runs one young-generation collection (a few ms, once per idle spell): the
// reducer's next check (8 s after the load's last collection) then sees a
// low rate and starts. 1M keys on two threads: RSS 373 MB for as long as
// measured (40 s) without it, 382 → 252 MB within 15 s with it (MEMORY PURGE:
// 244 MB).

import v8 from 'node:v8';
import vm from 'node:vm';
import type { ShardThread } from './shard_thread.ts';

type GcFunction = (options: { type: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;
let gcFn: GcFunction | null = null;

function gc(): GcFunction {
  if (gcFn === null) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as GcFunction;
  }
  return gcFn;
}

/**
 * A full, memory-reducing garbage collection of this thread's heap: V8's
 * "last resort" flavour also shrinks the young generation to its minimum and
 * releases the pages it frees, what jemalloc's purge of dirty pages is to
 * Redis (MEMORY PURGE).
 */
export function fullGc(): void {
  gc()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** Seconds without a command or a byte read after which a thread that worked collects its young generation once. */
const IDLE_SECONDS = 2;

/** Everything that means work on this thread: its commands, bytes its clients sent, frames from other threads. */
function work(thread: ShardThread): number {
  const s = thread.stats;
  return s.commands + s.netInput + s.framesIn;
}

/** Watch `thread` once a second (see above); the timer does not keep the thread alive. */
export function startIdleGc(thread: ShardThread): void {
  let seen = work(thread);
  let idle = 0;
  let collected = true;
  setInterval(() => {
    const now = work(thread);
    if (now !== seen) {
      seen = now;
      idle = 0;
      collected = false;
      return;
    }
    if (collected || ++idle < IDLE_SECONDS) return;
    collected = true;
    gc()({ type: 'minor' });
  }, 1000).unref();
}
