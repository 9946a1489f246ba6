// Active expiry, after Redis's activeExpireCycle: `hz` times a second each
// database's expires table is scanned incrementally (a resumable iterator per
// db, like Redis 7's bucket cursor), 20 keys per round, and rounds repeat while
// more than 10% of the checked keys were expired and the time budget (25% of
// the tick, scaled by active-expire-effort) lasts.

import type { ShardThread } from './shard_thread.ts';
import { activeExpireMembers } from './subkey_expire.ts';
import type { KeyIterator } from './key_table.ts';

const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE = 10; // percent

export function startExpireCycle(thread: ShardThread): void {
  // Per database object: FLUSHDB and SWAPDB put new ones in place, and the old ones' iterators go with them.
  const iters = new WeakMap<object, KeyIterator<number>>();
  let timer: NodeJS.Timeout | null = null;
  const canUseKey = (key: string): boolean => thread.locks.canUseKey(key);

  const tick = (): void => {
    if (!thread.activeExpireEnabled) return;
    const ks = thread.ks;
    const hz = Math.max(1, Math.min(500, thread.config.num('hz')));
    const effort = Math.max(1, Math.min(10, thread.config.num('active-expire-effort'))) - 1;
    const budgetMs = (1000 / hz) * ((25 + 2 * effort) / 100);
    const start = performance.now();
    const perLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort;
    // KeyDB member TTLs (subkey_expire.ts) first, with at most half the budget.
    activeExpireMembers(ks, canUseKey, start + budgetMs / 2);
    for (let dbi = 0; dbi < ks.dbs.length; dbi++) {
      const db = ks.dbs[dbi];
      if (db.expires.size === 0) continue;
      let it = iters.get(db);
      for (;;) {
        ks.now = Date.now();
        let checked = 0;
        let expired = 0;
        let wrapped = false;
        while (checked < perLoop && checked < db.expires.size) {
          if (it === undefined) {
            it = db.expires.keys();
            iters.set(db, it);
          }
          const e = it.nextEntry();
          if (e < 0) {
            // Start over from the beginning (at most once per round); a finished
            // iterator must not stay cached, or this db would never be scanned again.
            it = undefined;
            iters.delete(db);
            if (wrapped) break;
            wrapped = true;
            continue;
          }
          checked++;
          const key = db.expires.keyOf(e);
          if (db.expires.valueAt(e) <= ks.now && thread.locks.canUseKey(key)) {
            ks.expireKey(dbi, db, key);
            expired++;
          }
        }
        if (checked === 0 || (expired * 100) / checked <= ACCEPTABLE_STALE) break;
        if (performance.now() - start > budgetMs) return;
      }
    }
  };

  const schedule = (): void => {
    if (timer !== null) clearInterval(timer);
    const hz = Math.max(1, Math.min(500, thread.config.num('hz')));
    timer = setInterval(tick, Math.floor(1000 / hz));
    timer.unref();
  };
  thread.onHzChange = schedule;
  schedule();
}
