// SCAN across shards, with Redis's guarantee: a full iteration (cursor 0 to
// cursor 0) returns every key that was present during the whole iteration at
// least once, while keys may be added and deleted concurrently.
//
// Redis walks its hash table with a reverse-binary bucket cursor. Our db dict
// (key_table.ts) has no bucket cursor, but its iteration order is insertion
// order and a live iterator survives mutation: entries deleted before being reached are skipped,
// entries added later are reached at the end, and every entry present all the
// time is reached exactly once. So a scan of one shard is a session that holds
// a live iterator over that shard's db dict, resumed call after call.
//
// The cursor a client sees is sessionId * 128 + shard (shard < 128, the most
// threads the transaction ids allow), always below 2^53 so every client parses
// it as a plain number:
//   - 0: start (shard 0, no session yet), and the final cursor;
//   - shard s with session 0: start shard s (the previous shard is finished);
//   - shard s with session id n > 0: continue session n on shard s.
// A call examines up to COUNT keys (Redis's per-call work hint; MATCH / TYPE /
// expiry filter what was examined) as steps on one shard after another: it
// continues the cursor's shard, and when that shard is exhausted with work
// left it goes on with the next shards, so a small keyspace is scanned in one
// call. The final cursor (after the last shard) is 0. Each step is atomic on
// its shard; no locks are held across steps.
//
// Sessions live on the owning shard, at most MAX_SESSIONS per shard and idle at
// most MAX_IDLE_MS (least recently used dropped first); a finished session is
// dropped at once. A session is bound to the Db object it iterates: after
// FLUSHDB / FLUSHALL / SWAPDB (a new Db object at that index) or a SELECT to
// another db, the shard's scan restarts from the beginning of the current db.
// Known weaknesses, both only costing duplicates, never missed keys:
//   - a cursor whose session was evicted (more than MAX_SESSIONS scans in
//     flight on one shard, or an iteration idle longer than MAX_IDLE_MS)
//     restarts that shard from its beginning, so keys already returned for
//     that shard come again;
//   - a cursor is single use: sending the same cursor twice continues the
//     session from where the previous call stopped instead of repeating the
//     previous reply (Redis's stateless cursor would repeat it).

import type { Db, Keyspace } from './keyspace.ts';
import { typeName } from './keyspace.ts';
import { stringMatch } from '../config/glob.ts';

export const SHARD_SLOTS = 128;
const MAX_SESSIONS = 4096;
const MAX_IDLE_MS = 10 * 60 * 1000;
/** Session ids stay below this so the cursor stays below 2^53. */
const MAX_SESSION_ID = Math.floor(Number.MAX_SAFE_INTEGER / SHARD_SLOTS);

/**
 * SCAN's cursor argument with strtoul's rules as Redis applies them: decimal,
 * optional sign (a negative value wraps modulo 2^64), the empty string is 0,
 * no leading space, no trailing garbage, no overflow. null when invalid.
 */
export function parseScanCursor(s: string): bigint | null {
  const n = s.length;
  if (n === 0) return 0n;
  let i = 0;
  const c0 = s.charCodeAt(0);
  let neg = false;
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    neg = c0 === 45;
    i = 1;
  }
  if (i === n) return null;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s.slice(i));
  if (v > 0xffffffffffffffffn) return null;
  return neg && v !== 0n ? (1n << 64n) - v : v;
}

export interface DecodedCursor {
  shard: number;
  session: number;
}

/** The shard and session a cursor names; null for a cursor this server never hands out past the last shard (treated as finished). */
export function decodeCursor(cursor: bigint, shards: number): DecodedCursor | null {
  if (cursor > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  const c = Number(cursor);
  const shard = c % SHARD_SLOTS;
  if (shard >= shards) return null;
  return { shard, session: Math.floor(c / SHARD_SLOTS) };
}

export function encodeCursor(shard: number, session: number): number {
  return session * SHARD_SLOTS + shard;
}

interface ScanSession {
  id: number;
  db: Db;
  it: Iterator<string>;
  /** A key already taken from the iterator, to be examined by the next call. */
  peeked: string | null;
  lastUsed: number;
}

/** The scan sessions of one shard, in least-recently-used order (Map insertion order). */
class SessionStore {
  private readonly sessions = new Map<number, ScanSession>();
  private nextId = 1;

  open(db: Db, now: number): ScanSession {
    this.expire(now);
    while (this.sessions.size >= MAX_SESSIONS) this.drop(this.sessions.values().next().value!);
    const id = this.nextId;
    this.nextId = id >= MAX_SESSION_ID ? 1 : id + 1;
    const s: ScanSession = { id, db, it: db.dict.keys(), peeked: null, lastUsed: now };
    this.sessions.set(id, s);
    return s;
  }

  /** The live session with this id bound to `db` (moved to the most-recently-used end), else undefined. */
  resume(id: number, db: Db, now: number): ScanSession | undefined {
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    if (s.db !== db || now - s.lastUsed > MAX_IDLE_MS) {
      this.drop(s);
      return undefined;
    }
    this.sessions.delete(id);
    s.lastUsed = now;
    this.sessions.set(id, s);
    return s;
  }

  close(id: number): void {
    const s = this.sessions.get(id);
    if (s !== undefined) this.drop(s);
  }

  /** Forget a session and close its iterator (the table stops moving it along when it compacts). */
  private drop(s: ScanSession): void {
    this.sessions.delete(s.id);
    s.it.return?.();
  }

  private expire(now: number): void {
    for (const s of this.sessions.values()) {
      if (now - s.lastUsed <= MAX_IDLE_MS) break;
      this.drop(s);
    }
  }

  get size(): number {
    return this.sessions.size;
  }
}

const stores = new WeakMap<Keyspace, SessionStore>();

function storeOf(ks: Keyspace): SessionStore {
  let s = stores.get(ks);
  if (s === undefined) stores.set(ks, (s = new SessionStore()));
  return s;
}

/** Number of scan sessions open on this shard (INFO / tests). */
export function openScanSessions(ks: Keyspace): number {
  return storeOf(ks).size;
}

export interface ScanFilter {
  /** Glob for MATCH, or null for every key. */
  pattern: string | null;
  /** TYPE name (compared case-insensitively), or null for every type. */
  type: string | null;
}

export interface ScanStepResult {
  /** Session to continue with, 0 when this shard is finished. */
  next: number;
  /** Keys examined (the COUNT work done). */
  seen: number;
  keys: string[];
}

/**
 * One SCAN call on this shard: continue session `sessionId` (0 or unknown:
 * start over on this db), examine up to `count` keys, return those that pass
 * the filters and are not expired.
 */
export function scanStep(ks: Keyspace, db: number, sessionId: number, count: number, f: ScanFilter): ScanStepResult {
  const store = storeOf(ks);
  const d = ks.dbs[db];
  const now = ks.now;
  let s = sessionId > 0 ? store.resume(sessionId, d, now) : undefined;
  if (s === undefined) {
    if (d.dict.size === 0) return { next: 0, seen: 0, keys: [] };
    s = store.open(d, now);
  }
  const keys: string[] = [];
  const pattern = f.pattern;
  const type = f.type;
  let seen = 0;
  let key: string | null = s.peeked;
  s.peeked = null;
  for (;;) {
    if (key === null) {
      const r = s.it.next();
      if (r.done === true) {
        store.close(s.id);
        return { next: 0, seen, keys };
      }
      key = r.value;
    }
    if (seen === count) {
      // Keep the key for the next call: an exhausted shard is known now, not one call later.
      s.peeked = key;
      return { next: s.id, seen, keys };
    }
    seen++;
    if (pattern === null || stringMatch(pattern, key, false)) {
      const v = type === null ? ks.get(db, key) : ks.read(db, key);
      if (v !== undefined && (type === null || typeName(v).toLowerCase() === type)) keys.push(key);
    }
    key = null;
  }
}
