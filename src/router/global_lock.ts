// The global lock: every shard locked by one transaction, for work that may
// touch any key (scripts that reach keys they did not declare). Taking it
// costs a round trip to every other thread, so the work that asks for it on
// one thread while an acquisition is under way joins it: one acquisition
// runs the whole batch, in arrival order, then releases. Each job runs
// synchronously while every shard is held, so jobs are atomic and ordered
// among themselves; a client's own order is kept by the client (one
// cross-shard command at a time).

import type { ShardThread } from '../shards/shard_thread.ts';

interface Job {
  run: (owner: number) => void;
  fail: (e: unknown) => void;
}

export class GlobalLock {
  private readonly thread: ShardThread;
  /** Jobs waiting for the acquisition under way (null: none under way). */
  private pending: Job[] | null = null;

  constructor(thread: ShardThread) {
    this.thread = thread;
  }

  /** Run fn while this thread's transaction holds every shard; fn gets that transaction's lock owner. */
  run<T>(fn: (owner: number) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        run: (owner) => {
          try {
            resolve(fn(owner));
          } catch (e) {
            reject(e);
          }
        },
        fail: reject,
      };
      if (this.pending !== null) {
        this.pending.push(job);
        return;
      }
      this.pending = [job];
      this.acquire().catch((e: unknown) => {
        const jobs = this.pending ?? [];
        this.pending = null;
        for (const j of jobs) j.fail(e);
      });
    });
  }

  private async acquire(): Promise<void> {
    const t = this.thread.beginTxn(0, 2);
    try {
      for (let s = 0; s < this.thread.threads; s++) await t.step(s, [], 'all');
      const jobs = this.pending!;
      this.pending = null;
      for (const j of jobs) j.run(t.owner);
    } finally {
      t.finish();
    }
  }
}

const locks = new WeakMap<ShardThread, GlobalLock>();

export function globalLockOf(thread: ShardThread): GlobalLock {
  let g = locks.get(thread);
  if (g === undefined) locks.set(thread, (g = new GlobalLock(thread)));
  return g;
}
