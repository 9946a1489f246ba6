// KeyDB's subkey-expire commands (KeyDB expire.cpp / db.cpp): EXPIREMEMBER,
// EXPIREMEMBERAT, PEXPIREMEMBERAT, KEYDB.MEXISTS, and the member forms of
// TTL / PTTL / PERSIST (registered by keyspace_family.ts, which calls
// memberTtl / memberPersist here when a member argument is given).
// The mechanism (where the times live, lazy and active removal) is
// src/shards/subkey_expire.ts.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { Client } from '../shards/client.ts';
import { parseI64 } from '../proto/number_format.ts';
import { crossArrayByKey } from '../router/cross.ts';
import { isMemberHost, liveValue, memberExpireOf, persistMember, setMemberExpire, MEMBER_EXPIRE_TYPES } from '../shards/subkey_expire.ts';

const NOT_INT = 'ERR value is not an integer or out of range';
const INVALID_ARGS = 'ERR Invalid arguments';

/**
 * expireMemberCore: `when` (ms, or seconds when `seconds`) plus `base` (now
 * for the relative form, 0 for the absolute ones), in C's 64-bit arithmetic.
 */
function expireMemberCore(c: ExecContext, key: string, member: string, base: number, when: number | bigint, seconds: boolean): void {
  let w: number;
  const t = typeof when === 'number' ? (seconds ? when * 1000 : when) + base : 0;
  if (typeof when === 'number' && Number.isSafeInteger(t)) w = t;
  else w = Number(BigInt.asIntN(64, BigInt.asIntN(64, BigInt(when) * (seconds ? 1000n : 1n)) + BigInt(base)));
  const v = liveValue(c.ks, c.db, key, false);
  if (v === undefined) {
    c.out.int(0);
    return;
  }
  if (typeof v !== 'object' || !MEMBER_EXPIRE_TYPES.has(v.type) || !isMemberHost(v)) {
    c.out.error('ERR object type is unsupported');
    return;
  }
  if (!v.hasMember(member)) {
    c.out.int(0);
    return;
  }
  setMemberExpire(c.ks, c.db, key, v, member, w);
  c.out.int(1);
}

/** EXPIREMEMBER key member delay [s|ms] (KeyDB: seconds by default). */
function expiremember(c: ExecContext, argv: string[]): void {
  const when = parseI64(argv[3]);
  if (when === null) {
    c.out.error(NOT_INT);
    return;
  }
  if (argv.length > 5) {
    c.out.error('ERR Invalid number of arguments');
    return;
  }
  let seconds = true;
  if (argv.length === 5) {
    const u = argv[4].toLowerCase();
    if (u === 'ms') seconds = false;
    else if (u !== 's') {
      c.out.error('ERR Invalid unit arg');
      return;
    }
  }
  expireMemberCore(c, argv[1], argv[2], c.ks.now, when, seconds);
}

function expirememberAt(c: ExecContext, argv: string[], seconds: boolean): void {
  const when = parseI64(argv[3]);
  if (when === null) {
    c.out.error(NOT_INT);
    return;
  }
  expireMemberCore(c, argv[1], argv[2], 0, when, seconds);
}

/** TTL / PTTL key member: -2 no key, -1 no TTL on the member (or no such member). */
export function memberTtl(c: ExecContext, argv: string[], ms: boolean): void {
  const v = liveValue(c.ks, c.db, argv[1], true);
  if (v === undefined) {
    c.out.int(-2);
    return;
  }
  if (argv.length !== 3) {
    c.out.error(INVALID_ARGS);
    return;
  }
  const e = isMemberHost(v) ? memberExpireOf(v, argv[2]) : undefined;
  if (e === undefined) {
    c.out.int(-1);
    return;
  }
  let ttl = e - c.ks.now;
  if (ttl < 0) ttl = 0;
  c.out.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

/** PERSIST key member: 1 when the member's TTL was removed. */
export function memberPersist(c: ExecContext, argv: string[]): void {
  const v = liveValue(c.ks, c.db, argv[1], false);
  if (v === undefined) {
    c.out.int(0);
    return;
  }
  if (argv.length !== 3) {
    c.out.error(INVALID_ARGS);
    return;
  }
  const removed = isMemberHost(v) && persistMember(v, argv[2]);
  if (removed) c.ks.update(c.db, argv[1], v);
  c.out.int(removed ? 1 : 0);
}

/** KEYDB.MEXISTS key [key ...]: an array of booleans, one per key. */
function mexists(c: ExecContext, argv: string[]): void {
  c.out.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) c.out.bool(liveValue(c.ks, c.db, argv[i], true) !== undefined);
}

async function mexistsCross(client: Client, argv: string[]): Promise<void> {
  const positions: number[] = [];
  for (let i = 1; i < argv.length; i++) positions.push(i);
  await crossArrayByKey(client, argv, positions);
}

const KS_W = ['@keyspace', '@write', '@fast'];

export const subkeyExpireCommands: CommandSpec[] = [
  def('expiremember', { arity: -4, flags: ['write', 'fast'], keys: [1, 1, 1], acl: KS_W, group: 'generic', summary: 'Set the time to live of a member of a set, hash or sorted set (KeyDB)', since: '6.0.0', complexity: 'O(log N)', handler: expiremember }),
  def('expirememberat', { arity: 4, flags: ['write', 'fast'], keys: [1, 1, 1], acl: KS_W, group: 'generic', summary: 'Set the expiration of a member as a UNIX timestamp (KeyDB)', since: '6.0.0', complexity: 'O(log N)', handler: (c, argv) => expirememberAt(c, argv, true) }),
  def('pexpirememberat', { arity: 4, flags: ['write', 'fast'], keys: [1, 1, 1], acl: KS_W, group: 'generic', summary: 'Set the expiration of a member as a UNIX timestamp in milliseconds (KeyDB)', since: '6.0.0', complexity: 'O(log N)', handler: (c, argv) => expirememberAt(c, argv, false) }),
  def('keydb.mexists', { arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], acl: ['@keyspace', '@read', '@fast'], group: 'generic', summary: 'Determine which of the given keys exist (KeyDB)', since: '6.0.0', complexity: 'O(N) where N is the number of keys to check.', handler: mexists, cross: mexistsCross }),
];
