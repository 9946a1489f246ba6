// A server thread's doorbell: how a peer that wrote to the thread's rings
// wakes it when it sleeps (Channels: the wake-up loop).
//
// Natively (native/src/doorbell.c) the bell is a libuv async handle on the
// thread's own event loop: ringing it from another thread marks it pending
// and writes the loop's eventfd unless it was pending already, and the loop
// calls the thread back. Without the addon a thread sleeps in
// Atomics.waitAsync and is woken with Atomics.notify, which costs a promise
// and a waiter record per sleep, V8's futex-emulation lock and a task posted
// through Node's platform queue per wake-up (two threads under pipelined
// load: ~3.5% of their CPU in that machinery, bench/RESULTS.md).

import { nativeAddon } from '../native_addons.ts';

export interface BellAddon {
  /** A bell on this thread's event loop that calls `onRing` when rung; its process-wide id. */
  open(onRing: () => void): number;
  /** Ring bell `id` from any thread (a closed one is ignored). */
  ring(id: number): void;
  /** Close bell `id`, on the thread that opened it. */
  close(id: number): void;
}

/** The native bells (loaded once per thread); null when the addon is not built. */
export function nativeBells(): BellAddon | null {
  return nativeAddon<BellAddon>('keydb_bell');
}
