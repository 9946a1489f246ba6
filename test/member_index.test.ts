// The member index of hashtable-encoded hashes and sets
// (src/shards/types/member_index.ts) against a Map model: random adds and
// swap-removals through growth and shrinking, a weak hash that makes long
// probe runs (backward-shift deletion) and then floods (SipHash takes over),
// and live iterators that must reach every member present throughout.

import { describe, it, expect } from 'vitest';
import { MemberIndex } from '../src/shards/types/member_index.ts';
import { prng } from './helpers/reply_tree.ts';

/** A dense array with its index, removing by moving the last member into the hole (as hash.ts and set.ts do). */
class Dense {
  readonly members: string[] = [];
  readonly index: MemberIndex;
  constructor(hash?: (m: string) => number) {
    this.index = new MemberIndex(this.members, hash);
  }
  add(m: string): boolean {
    if (this.index.has(m)) return false;
    this.members.push(m);
    this.index.add(m, this.members.length - 1);
    return true;
  }
  remove(m: string): boolean {
    const i = this.index.delete(m);
    if (i < 0) return false;
    const last = this.members.length - 1;
    if (i !== last) {
      this.members[i] = this.members[last];
      this.index.move(this.members[i], last, i);
    }
    this.members.pop();
    return true;
  }
}

function check(d: Dense, model: Set<string>): void {
  expect(d.index.size).toBe(model.size);
  expect(d.members.length).toBe(model.size);
  for (let i = 0; i < d.members.length; i++) expect(d.index.get(d.members[i])).toBe(i);
  expect(new Set(d.members)).toEqual(model);
}

describe('MemberIndex', () => {
  for (const [name, hash] of [['the seeded hash', undefined], ['a weak hash (long probe runs)', (m: string) => m.length * 7 + (m.charCodeAt(m.length - 1) & 3)]] as const) {
    it(`agrees with a Set through random adds and removals, growth and shrinking, with ${name}`, () => {
      const rnd = prng(name.length);
      const d = new Dense(hash);
      const model = new Set<string>();
      for (let i = 0; i < 30000; i++) {
        const m = 'm' + Math.floor(rnd() * 3000);
        if (rnd() < 0.55) expect(d.add(m)).toBe(!model.has(m) && model.add(m) !== null);
        else expect(d.remove(m)).toBe(model.delete(m));
        if (i % 10000 === 9999) {
          check(d, model);
          // Empty most of it: the table shrinks.
          for (const x of [...model]) if (rnd() < 0.95) expect(d.remove(x)).toBe(model.delete(x));
        }
      }
      check(d, model);
      expect(d.index.get('absent')).toBe(-1);
    });
  }

  it('resizes incrementally: lookups, removals and moves agree with the model while the old table still holds members', () => {
    const rnd = prng(17);
    const d = new Dense();
    const model = new Set<string>();
    const wrong: string[] = [];
    let sawResizing = 0;
    for (let i = 0; i < 120000; i++) {
      const m = 'r' + i;
      d.add(m);
      model.add(m);
      if (d.index.resizing > 0) {
        sawResizing++;
        const probe = 'r' + Math.floor(rnd() * i);
        if ((d.index.get(probe) >= 0) !== model.has(probe)) wrong.push('get ' + probe);
        // A removal moves the last member into the hole (index.move), in either table.
        if (rnd() < 0.3 && d.remove(probe) !== model.delete(probe)) wrong.push('remove ' + probe);
      }
    }
    expect(wrong).toEqual([]);
    expect(sawResizing).toBeGreaterThan(1000);
    check(d, model);
    // Shrinking is incremental too.
    let sawShrinking = 0;
    for (const m of [...model]) {
      if (rnd() < 0.97) {
        d.remove(m);
        model.delete(m);
        if (d.index.resizing > 0) sawShrinking++;
      }
    }
    expect(sawShrinking).toBeGreaterThan(100);
    check(d, model);
    expect(d.index.get('absent')).toBe(-1);
  });

  it('members chosen to collide switch it to SipHash, and it keeps working', () => {
    const d = new Dense(() => 42);
    const model = new Set<string>();
    for (let i = 0; i < 1200; i++) {
      d.add('c' + i);
      model.add('c' + i);
    }
    expect(d.index.hardened).toBe(true);
    for (let i = 0; i < 1200; i += 3) {
      d.remove('c' + i);
      model.delete('c' + i);
    }
    check(d, model);
  });

  it('a live iterator reaches every member present throughout, while members are removed and added', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rnd = prng(seed);
      const d = new Dense();
      for (let i = 0; i < 2000; i++) d.add('a' + i);
      const kept = new Set(d.members);
      const it = d.index.iterate();
      const seen = new Set<string>();
      let added = 2000;
      for (;;) {
        for (let j = 0; j < 4; j++) {
          const m = d.members[Math.floor(rnd() * d.members.length)];
          if (m === undefined) break;
          d.remove(m);
          kept.delete(m);
        }
        if (rnd() < 0.5) d.add('a' + added++);
        const m = it.next();
        if (m === null) break;
        seen.add(m);
      }
      for (const m of kept) expect(seen.has(m)).toBe(true);
      // The finished iterator has left the index: later moves do not reach it.
      expect(it.next()).toBe(null);
    }
  });
});
