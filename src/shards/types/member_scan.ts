// Cursors for HSCAN / SSCAN (and ZSCAN) over a hashtable-encoded collection,
// with SCAN's guarantee: a full iteration returns every element present during
// the whole iteration at least once, while elements come and go in between.
//
// Same technique as the keyspace SCAN (scan_cursor.ts): a session holds a live
// iterator over the collection's member index (member_index.ts: members
// removed before being reached are skipped, members added later are reached
// at the end, members present all the time are reached at least once). The
// cursor a client sees is the session id; 0 starts a new iteration and is the
// final cursor. A session is bound to the index it walks:
// a cursor presented for another collection (or after the key was deleted and
// recreated) starts over from the beginning, as does a cursor whose session
// was evicted (at most MAX_SESSIONS per shard, idle at most MAX_IDLE_MS):
// both only cost duplicates, never missed elements.
//
// Small encodings (listpack, intset) are not walked here: Redis returns all of
// their elements in one call with cursor 0, and so do the families.

import type { Keyspace } from '../keyspace.ts';
import type { MemberIndex, MemberIterator } from './member_index.ts';

const MAX_SESSIONS = 4096;
const MAX_IDLE_MS = 10 * 60 * 1000;
/** Session ids stay below 2^53 so every client parses the cursor as a plain number. */
const MAX_SESSION_ID = Number.MAX_SAFE_INTEGER;

interface Session {
  id: number;
  source: MemberIndex;
  it: MemberIterator;
  peeked: string | null;
  lastUsed: number;
}

class Sessions {
  private readonly byId = new Map<number, Session>();
  private nextId = 1;

  take(cursor: bigint, source: MemberIndex, now: number): Session {
    if (cursor !== 0n && cursor <= BigInt(MAX_SESSION_ID)) {
      const id = Number(cursor);
      const s = this.byId.get(id);
      if (s !== undefined) {
        this.byId.delete(id);
        if (s.source === source && now - s.lastUsed <= MAX_IDLE_MS) {
          s.lastUsed = now;
          this.byId.set(id, s);
          return s;
        }
        s.it.close();
      }
    }
    for (const s of this.byId.values()) {
      if (now - s.lastUsed <= MAX_IDLE_MS && this.byId.size < MAX_SESSIONS) break;
      this.byId.delete(s.id);
      s.it.close();
    }
    const id = this.nextId;
    this.nextId = id >= MAX_SESSION_ID ? 1 : id + 1;
    const s: Session = { id, source, it: source.iterate(), peeked: null, lastUsed: now };
    this.byId.set(id, s);
    return s;
  }

  close(id: number): void {
    const s = this.byId.get(id);
    if (s === undefined) return;
    this.byId.delete(id);
    s.it.close();
  }
}

const stores = new WeakMap<Keyspace, Sessions>();

/**
 * One scan call over `source` (the collection's member index): examine up to
 * `count` elements from where `cursor` left off, hand each to `visit`, and
 * return the next cursor (0 when the iteration is complete).
 */
export function scanMembers(ks: Keyspace, source: MemberIndex, cursor: bigint, count: number, visit: (member: string) => void): number {
  let store = stores.get(ks);
  if (store === undefined) stores.set(ks, (store = new Sessions()));
  const s = store.take(cursor, source, ks.now);
  let seen = 0;
  let m = s.peeked;
  s.peeked = null;
  for (;;) {
    if (m === null) {
      m = s.it.next();
      if (m === null) {
        store.close(s.id);
        return 0;
      }
    }
    if (seen >= count) {
      s.peeked = m;
      return s.id;
    }
    seen++;
    // An element peeked at the end of the previous call may have gone since.
    if (source.has(m)) visit(m);
    m = null;
  }
}
