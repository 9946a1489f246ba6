// The list value (src/shards/types/list.ts) against a plain array doing the
// same random operations: pushes and pops at both ends, inserts, removals and
// replacements in the middle, LREM, LTRIM, copies; elements of every length
// from empty to past the JS / C++ copy thresholds, binary bytes included.
// Lists grow well past PACK_ABOVE and shrink back, so both forms (listpack,
// packed), the moves between them, and the packed form's growth, shrinking
// and moving of room between its ends are all exercised.

import { describe, it, expect } from 'vitest';
import { ListValue, PACK_ABOVE } from '../src/shards/types/list.ts';
import { ReplyWriter } from '../src/proto/reply_writer.ts';
import { prng } from './helpers/reply_tree.ts';

function element(rand: () => number): string {
  const r = rand();
  const len = r < 0.1 ? 0 : r < 0.7 ? Math.floor(rand() * 8) : r < 0.95 ? Math.floor(rand() * 40) : Math.floor(rand() * 600);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

function check(l: ListValue, model: string[]): void {
  expect(l.length).toBe(model.length);
  expect(l.toArray()).toEqual(model);
}

describe('ListValue (packed)', () => {
  it('matches an array model under random operations', () => {
    const rand = prng(20261206);
    let packedSeen = 0;
    let listpackSeen = 0;
    let longest = 0;
    for (let round = 0; round < 30; round++) {
      let l = new ListValue();
      let model: string[] = [];
      // Phases bias towards growth or shrinkage so that lists get long and then empty again.
      for (let step = 0; step < 3000; step++) {
        const growing = Math.floor(step / 500) % 2 === 0;
        const r = rand();
        const n = model.length;
        if (n > longest) longest = n;
        if (r < (growing ? 0.35 : 0.12)) {
          const s = element(rand);
          l.pushHead(s);
          model.unshift(s);
        } else if (r < (growing ? 0.6 : 0.2)) {
          const s = element(rand);
          l.pushTail(s);
          model.push(s);
        } else if (r < (growing ? 0.7 : 0.24)) {
          // LPUSH / RPUSH with several elements (the first argument is skipped, as the command name).
          const es = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => element(rand));
          const head = rand() < 0.5;
          l.pushAll(['key', ...es], 1, head);
          for (const e of es) {
            if (head) model.unshift(e);
            else model.push(e);
          }
        } else if (r < 0.45) {
          if (n === 0) continue;
          expect(l.pop(true)).toBe(model.shift());
        } else if (r < 0.6) {
          if (n === 0) continue;
          expect(l.pop(false)).toBe(model.pop());
        } else if (r < 0.68) {
          const i = Math.floor(rand() * (n + 1));
          const s = element(rand);
          l.insertAt(i, s);
          model.splice(i, 0, s);
        } else if (r < 0.76) {
          if (n === 0) continue;
          const i = Math.floor(rand() * n);
          l.removeAt(i);
          model.splice(i, 1);
        } else if (r < 0.84) {
          if (n === 0) continue;
          const i = Math.floor(rand() * n);
          const s = rand() < 0.3 ? model[i].split('').reverse().join('') : element(rand);
          l.setAt(i, s);
          model[i] = s;
        } else if (r < 0.88) {
          if (n === 0) continue;
          const target = model[Math.floor(rand() * n)];
          const count = Math.floor(rand() * 3);
          const fromTail = rand() < 0.5;
          let removed = 0;
          const drop = new Set<number>();
          const order = fromTail ? [...model.keys()].reverse() : [...model.keys()];
          for (const i of order) {
            if (model[i] !== target) continue;
            drop.add(i);
            if (++removed === count) break;
          }
          expect(l.removeMatching(target, count, fromTail)).toBe(removed);
          model = model.filter((_, i) => !drop.has(i));
        } else if (r < 0.9) {
          const k = Math.floor(rand() * 5);
          const head = rand() < 0.5;
          l.removeEnds(head, k);
          if (head) model.splice(0, k);
          else model.splice(Math.max(0, model.length - k), k);
        } else if (r < 0.91) {
          if (growing) continue;
          const a = Math.floor(rand() * (n + 2)) - 1;
          const b = Math.floor(rand() * (n + 2)) - 1;
          l.keepRange(Math.max(0, a), b);
          model = Math.max(0, a) > b ? [] : model.slice(Math.max(0, a), b + 1);
        } else if (r < 0.92) {
          l = l.dup();
        } else if (r < 0.93) {
          l = ListValue.fromArray(l.toArray());
        } else {
          if (n === 0) continue;
          const i = Math.floor(rand() * n);
          expect(l.at(i)).toBe(model[i]);
          expect(l.equalsAt(i, model[i])).toBe(true);
          expect(l.equalsAt(i, model[i] + 'x')).toBe(false);
          expect(l.indexOf(model[i])).toBe(model.indexOf(model[i]));
        }
        if (step % 97 === 0) {
          check(l, model);
          if (l.packed()) packedSeen++;
          else listpackSeen++;
          // Never a listpack past its limits (PACK_ABOVE elements, 8 KB).
          let chars = 0;
          for (const e of model) chars += 2 + e.length;
          if (model.length > PACK_ABOVE || chars > 8192) expect(l.packed()).toBe(true);
        }
      }
      check(l, model);
    }
    expect(longest).toBeGreaterThan(2 * PACK_ABOVE);
    expect(packedSeen).toBeGreaterThan(100);
    expect(listpackSeen).toBeGreaterThan(100);
  });

  it('writes elements as bulk replies, in both forms', () => {
    const filler = Array.from({ length: PACK_ABOVE }, (_, i) => 'f' + i);
    for (const extra of [[], filler]) {
      const l = ListValue.fromArray(['a', '', 'x'.repeat(100), '\u00ff\u0000\r\n', ...extra]);
      expect(l.packed()).toBe(extra.length > 0);
      const out = new ReplyWriter();
      for (let i = 0; i < 4; i++) l.replyAt(out, i);
      l.popTo(out, true);
      for (let i = 0; i < extra.length; i++) l.pop(false);
      l.popTo(out, false);
      expect(out.buf.latin1Slice(0, out.len)).toBe(`$1\r\na\r\n$0\r\n\r\n$100\r\n${'x'.repeat(100)}\r\n$4\r\n\u00ff\u0000\r\n\r\n$1\r\na\r\n$4\r\n\u00ff\u0000\r\n\r\n`);
      expect(l.toArray()).toEqual(['', 'x'.repeat(100)]);
    }
  });

  it('an element longer than a listpack header holds packs the list, and it unpacks once small again', () => {
    const big = 'b'.repeat(70000);
    const l = ListValue.fromArray(['a', 'c']);
    expect(l.packed()).toBe(false);
    l.insertAt(1, big);
    expect(l.packed()).toBe(true);
    expect(l.toArray()).toEqual(['a', big, 'c']);
    l.removeAt(1);
    expect(l.packed()).toBe(false);
    l.setAt(0, big);
    expect(l.packed()).toBe(true);
    expect(l.toArray()).toEqual([big, 'c']);
    expect(ListValue.fromArray([big]).packed()).toBe(true);
    expect(ListValue.fromArray(['x'.repeat(9000)]).packed()).toBe(true);
  });

  it('gives memory back as a long list empties', () => {
    const l = new ListValue();
    for (let i = 0; i < 100000; i++) l.pushHead('element:' + i);
    const full = l.memoryUsage(0);
    for (let i = 0; i < 99990; i++) l.pop(i % 2 === 0);
    expect(l.length).toBe(10);
    expect(l.memoryUsage(0)).toBeLessThan(full / 100);
  });
});
