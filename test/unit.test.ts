// Unit tests of the core pieces: request parser, slot function, rings and
// channels, double formatting, reply reader.

import { describe, it, expect } from 'vitest';
import { RequestParser, splitArgs } from '../src/proto/request_parser.ts';
import { prng } from './helpers/reply_tree.ts';
import { keyHashSlot, keyShard } from '../src/router/slot.ts';
import { Ring, ringBytes } from '../src/router/ring.ts';
import { Channels, controlBytes } from '../src/router/channels.ts';
import { nativeBells } from '../src/router/doorbell.ts';
import { readArgv, readTaggedArgvs } from '../src/proto/argv_codec.ts';
import { formatDouble } from '../src/proto/number_format.ts';
import { LockTable } from '../src/shards/locks.ts';
import { packStepOutput, packStepReplies, stepBytesAt, stepReplyCount, stepReplyEnd, stepReplyMicros, unpackStepReplies } from '../src/router/step_replies.ts';
import { ReplyWriter, releaseOutput, trimOutputSpares, HANDOFF_BYTES } from '../src/proto/reply_writer.ts';
import { arrayElements, intValue, skipValue } from '../src/proto/reply_reader.ts';

function parseAll(p: RequestParser): string[][] {
  const out: string[][] = [];
  for (let a = p.next(); a !== null; a = p.next()) out.push(a);
  return out;
}

describe('RequestParser', () => {
  it('parses pipelined multibulk commands', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$0\r\n\r\n'));
    expect(parseAll(p)).toEqual([['GET', 'a'], ['SET', 'b', '']]);
    expect(p.error).toBeNull();
  });

  it('parses a command split at every byte boundary', () => {
    const wire = Buffer.from('*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$5\r\nworld\r\nPING\r\n');
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new RequestParser();
      const got: string[][] = [];
      p.feed(wire.subarray(0, cut));
      got.push(...parseAll(p));
      p.feed(wire.subarray(cut));
      got.push(...parseAll(p));
      expect(got).toEqual([['SET', 'hello', 'world'], ['PING']]);
    }
  });

  it('assembles a large bulk arriving in many chunks', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const wire = Buffer.concat([Buffer.from(`*2\r\n$4\r\nECHO\r\n$${big.length}\r\n`), big, Buffer.from('\r\n')]);
    const p = new RequestParser();
    const got: string[][] = [];
    for (let i = 0; i < wire.length; i += 65536) {
      p.feed(wire.subarray(i, Math.min(wire.length, i + 65536)));
      got.push(...parseAll(p));
    }
    expect(got.length).toBe(1);
    expect(got[0][1].length).toBe(big.length);
  });

  it('parses a stream read into one reused buffer, commands cut anywhere, big and small (carry buffers)', () => {
    // As a server thread reads: every read lands in the same buffer, which the next read
    // overwrites, so the parser keeps (keep()) what it has not consumed. Values from a few bytes
    // to past the 32 KB held-bulk size, and a stream that stops between commands now and then
    // (the carry goes back to the spares and is taken again), or idles (trim()).
    const rnd = prng(41);
    const cmds: string[][] = [];
    const ends: number[] = [];
    let wire = '';
    for (let i = 0; i < 400; i++) {
      const size = [1, 100, 3000, 16384, 40000, 70000][Math.floor(rnd() * 6)];
      let v = '';
      while (v.length < size) v += String.fromCharCode(33 + Math.floor(rnd() * 200)).repeat(1 + Math.floor(rnd() * 50));
      v = v.slice(0, size);
      const c = ['SET', 'k' + i, v];
      cmds.push(c);
      wire += `*3\r\n$3\r\nSET\r\n$${c[1].length}\r\n${c[1]}\r\n$${v.length}\r\n${v}\r\n`;
      ends.push(wire.length);
    }
    const bytes = Buffer.from(wire, 'latin1');
    // Three connections of one thread, served in turn: their carry buffers come from the same spares.
    const conns = [1, 2, 3].map((seed) => ({ cut: prng(seed), p: new RequestParser(), at: 0, got: [] as string[][] }));
    const readBuf = Buffer.alloc(64 * 1024);
    while (conns.some((c) => c.at < bytes.length)) {
      for (const c of conns) {
        if (c.at >= bytes.length) continue;
        // Reads of 1 byte to 64 KB; now and then one that ends exactly where a command ends.
        let n = Math.min(bytes.length - c.at, 1 + Math.floor(c.cut() * (c.cut() < 0.3 ? 100 : 65536)));
        if (c.cut() < 0.2) {
          const end = ends.find((e) => e > c.at)!;
          if (end - c.at <= 65536) n = end - c.at;
        }
        bytes.copy(readBuf, 0, c.at, c.at + n);
        c.at += n;
        c.p.feedTransient(readBuf.subarray(0, n));
        c.got.push(...parseAll(c.p));
        c.p.keep();
        // Now and then the connection idles: its partial command leaves the carry (clientsCron).
        if (c.cut() < 0.1) c.p.trim();
        readBuf.fill(0x7e); // the next read overwrites the buffer
      }
    }
    for (const c of conns) {
      expect(c.p.error).toBeNull();
      expect(c.got.length).toBe(cmds.length);
      const wrong = c.got.map((x, i) => (x.join('\0') === cmds[i].join('\0') ? -1 : i)).filter((i) => i >= 0);
      expect(wrong).toEqual([]);
    }
  });

  it('keeps binary bytes as latin1', () => {
    const p = new RequestParser();
    const bytes = Buffer.from([0, 1, 255, 128, 13, 10]);
    p.feed(Buffer.concat([Buffer.from('*1\r\n$6\r\n'), bytes, Buffer.from('\r\n')]));
    const [a] = parseAll(p);
    expect(Buffer.from(a[0], 'latin1')).toEqual(bytes);
  });

  it('reports Redis protocol errors', () => {
    const cases: [string, string][] = [
      ['*x\r\n', 'ERR Protocol error: invalid multibulk length'],
      ['*1\r\n$-5\r\n', 'ERR Protocol error: invalid bulk length'],
      ['*1\r\n+foo\r\n', "ERR Protocol error: expected '$', got '+'"],
      ['SET "a b\r\n', 'ERR Protocol error: unbalanced quotes in request'],
      ['*3000000000\r\n', 'ERR Protocol error: invalid multibulk length'],
    ];
    for (const [wire, err] of cases) {
      const p = new RequestParser();
      p.feed(Buffer.from(wire));
      expect(parseAll(p)).toEqual([]);
      expect(p.error).toBe(err);
    }
    const p = new RequestParser();
    p.feed(Buffer.alloc(70 * 1024, 0x61));
    parseAll(p);
    expect(p.error).toBe('ERR Protocol error: too big inline request');
  });

  it('enforces proto-max-bulk-len', () => {
    const p = new RequestParser();
    p.maxBulkLen = 10;
    p.feed(Buffer.from('*1\r\n$11\r\n'));
    parseAll(p);
    expect(p.error).toBe('ERR Protocol error: invalid bulk length');
  });

  it('skips empty inline lines and empty multibulk', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('\r\n\n*0\r\n*-1\r\nPING\r\n'));
    expect(parseAll(p)).toEqual([['PING']]);
  });

  it('splits inline arguments like sdssplitargs', () => {
    expect(splitArgs('set "a\\x41\\n" \'it\\\'s\'')).toEqual(['set', 'aA\n', "it's"]);
    expect(splitArgs('  a   b  ')).toEqual(['a', 'b']);
    expect(splitArgs('"a"b')).toBeNull();
    expect(splitArgs("'abc")).toBeNull();
  });
});

describe('slots', () => {
  it('matches Redis Cluster key slots', () => {
    expect(keyHashSlot('foo')).toBe(12182);
    expect(keyHashSlot('bar')).toBe(5061);
    expect(keyHashSlot('{user1000}.following')).toBe(keyHashSlot('user1000'));
    expect(keyHashSlot('foo{}{bar}')).toBe(keyHashSlot('foo{}{bar}'));
    expect(keyHashSlot('{}x')).not.toBe(keyHashSlot('x'));
    expect(keyHashSlot('123456789')).toBe(0x31c3 & 16383);
  });
  it('agrees with a bit-by-bit CRC16 and the hash tag rule on random keys (odd and even lengths, tags anywhere)', () => {
    const crc16 = (s: string): number => {
      let crc = 0;
      for (let i = 0; i < s.length; i++) {
        crc ^= s.charCodeAt(i) << 8;
        for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
      return crc;
    };
    const slot = (key: string): number => {
      const s = key.indexOf('{');
      if (s >= 0) {
        const e = key.indexOf('}', s + 1);
        if (e > s + 1) return crc16(key.slice(s + 1, e)) & 16383;
      }
      return crc16(key) & 16383;
    };
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = 'ab{}z\xff\x00:9';
    for (let t = 0; t < 3000; t++) {
      let key = '';
      for (let n = rnd(24); n > 0; n--) key += rnd(4) === 0 ? alphabet[rnd(alphabet.length)] : String.fromCharCode(rnd(256));
      expect(keyHashSlot(key)).toBe(slot(key));
    }
  });
  it('maps slots onto shards', () => {
    expect(keyShard('anything', 1)).toBe(0);
    expect(keyShard('foo', 4)).toBe(12182 % 4);
  });
});

describe('Ring', () => {
  it('streams bytes through wrap-around and back-pressure', () => {
    const cap = 64;
    const sab = new SharedArrayBuffer(ringBytes(cap));
    const w = new Ring(sab, 0, cap);
    const r = new Ring(sab, 0, cap);
    const src = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 255));
    const dst = Buffer.alloc(1000);
    let written = 0;
    let read = 0;
    while (read < src.length) {
      written += w.write(src, written, Math.min(src.length, written + 37));
      expect(r.available()).toBeLessThanOrEqual(cap);
      read += r.read(dst, read, 23);
    }
    expect(dst).toEqual(src);
  });
});

/** The channels of two threads over rings of `cap` bytes each way. */
function channelPair(cap: number): [Channels, Channels] {
  const rings = [
    [new SharedArrayBuffer(16), new SharedArrayBuffer(ringBytes(cap))],
    [new SharedArrayBuffer(ringBytes(cap)), new SharedArrayBuffer(16)],
  ];
  const control = new SharedArrayBuffer(controlBytes(2));
  return [new Channels(0, 2, rings, cap, control), new Channels(1, 2, rings, cap, control)];
}

describe('Channels', () => {
  it('delivers framed messages larger than the ring, in order', () => {
    const cap = 1024;
    const [a, b] = channelPair(cap);
    const got: string[][] = [];
    b.onFrame = (from, kind, resp, db, id, aux, payload, start, end) => {
      expect([from, kind, resp, db, id, aux, payload.readUInt32LE(start)]).toEqual([0, 1, 3, 5, 42 + got.length, 1, 7]);
      got.push(readArgv(payload, start + 4, end));
    };
    const big = 'x'.repeat(10000);
    for (let i = 0; i < 20; i++) a.sendBatched(1, 1, 3, 5, 42 + i, 7, ['SET', 'k' + i, i === 10 ? big : 'v' + i], Buffer.alloc(0), 0, 0);
    for (let guard = 0; guard < 1000 && got.length < 20; guard++) {
      a.pump();
      b.pump();
    }
    expect(got.length).toBe(20);
    expect(got[10][2]).toBe(big);
    expect(got.map((g) => g[1])).toEqual(Array.from({ length: 20 }, (_, i) => 'k' + i));
  });
});

describe('Channels wake-ups', () => {
  // Both threads of the pair live on this thread's event loop here; each sleeps on its doorbell
  // once idle, and a frame from the other must wake it (no pump() by hand).
  for (const mode of ['native bell', 'Atomics.waitAsync'] as const) {
    it(`a sleeping thread is woken by its peer's frames (${mode})`, async () => {
      const bells = mode === 'native bell' ? nativeBells() : null;
      if (mode === 'native bell') expect(bells).not.toBeNull();
      const cap = 4096;
      const rings = [
        [new SharedArrayBuffer(16), new SharedArrayBuffer(ringBytes(cap))],
        [new SharedArrayBuffer(ringBytes(cap)), new SharedArrayBuffer(16)],
      ];
      const control = new SharedArrayBuffer(controlBytes(2));
      const a = new Channels(0, 2, rings, cap, control, bells);
      const b = new Channels(1, 2, rings, cap, control, bells);
      const got: number[] = [];
      let wake = (): void => {};
      b.onFrame = (_from, _kind, _resp, _db, id) => {
        got.push(id);
        wake();
      };
      a.start();
      b.start();
      try {
        for (let round = 0; round < 20; round++) {
          // Long enough for b to have gone to sleep (two idle turns).
          await new Promise((r) => setTimeout(r, 2));
          const arrived = new Promise<void>((r) => (wake = r));
          a.sendBytes(1, 6, 0, 0, round, 0, Buffer.alloc(0), 0, 0);
          a.kick();
          await arrived;
        }
      } finally {
        a.stop();
        b.stop();
      }
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });
  }
});

describe('Channels batches', () => {
  it('joins consecutive messages of one kind and id into one frame until another frame or a flush', () => {
    const cap = 1 << 18; // room for everything: each flush empties the outbox
    const [a, b] = channelPair(cap);
    const frames: { kind: number; id: number; db: number; aux: number; msgs: string[] }[] = [];
    b.onFrame = (_from, kind, _resp, db, id, aux, payload, start, end) => {
      const msgs: string[] = [];
      if (kind === 1) {
        const tags: number[] = [];
        const argvs: string[][] = [];
        readTaggedArgvs(payload, start, end, aux, tags, argvs);
        for (let i = 0; i < aux; i++) msgs.push(tags[i] + ':' + argvs[i].join(' '));
      } else msgs.push(payload.latin1Slice(start, end));
      frames.push({ kind, id, db, aux, msgs });
    };
    const none = Buffer.alloc(0);
    const big = 'v'.repeat(100000); // past the outbox's first size: the batch's frame moves
    a.sendBatched(1, 1, 2, 0, 7, 11, ['SET', 'a', '1'], none, 0, 0);
    a.sendBatched(1, 1, 2, 0, 7, 12, ['SET', 'b', big], none, 0, 0);
    a.sendBatched(1, 1, 2, 0, 7, 13, ['GET', 'a'], none, 0, 0);
    a.sendBatched(1, 1, 2, 0, 8, 14, ['GET', 'c'], none, 0, 0); // another client
    a.sendBatched(1, 1, 2, 3, 8, 15, ['GET', 'd'], none, 0, 0); // another db
    a.sendBatched(1, 2, 0, 0, 8, 0, null, Buffer.from('+OK\r\n'), 0, 5);
    a.sendBatched(1, 2, 0, 0, 8, 0, null, Buffer.from(':1\r\n'), 0, 4);
    a.sendBytes(1, 6, 0, 0, 8, 0, none, 0, 0); // another kind ends the batch
    a.sendBatched(1, 2, 0, 0, 8, 0, null, Buffer.from('$-1\r\n'), 0, 5);
    a.flush();
    a.sendBatched(1, 2, 0, 0, 8, 0, null, Buffer.from(':2\r\n'), 0, 4); // a flushed frame is not extended
    for (let guard = 0; guard < 100 && frames.length < 7; guard++) {
      a.pump();
      b.pump();
    }
    expect(frames.map((f) => [f.kind, f.id, f.db, f.aux])).toEqual([
      [1, 7, 0, 3],
      [1, 8, 0, 1],
      [1, 8, 3, 1],
      [2, 8, 0, 2],
      [6, 8, 0, 0],
      [2, 8, 0, 1],
      [2, 8, 0, 1],
    ]);
    expect(frames[0].msgs).toEqual(['11:SET a 1', `12:SET b ${big}`, '13:GET a']);
    expect(frames[3].msgs).toEqual(['+OK\r\n:1\r\n']);
    expect(frames[5].msgs).toEqual(['$-1\r\n']);
    expect(frames[6].msgs).toEqual([':2\r\n']);
  });
});

describe('Channels within a turn', () => {
  /** Two threads' channels without native bells (a sleeping one waits in Atomics.waitAsync). */
  function pair(): [Channels, Channels] {
    const cap = 4096;
    const rings = [
      [new SharedArrayBuffer(16), new SharedArrayBuffer(ringBytes(cap))],
      [new SharedArrayBuffer(ringBytes(cap)), new SharedArrayBuffer(16)],
    ];
    const control = new SharedArrayBuffer(controlBytes(2));
    return [new Channels(0, 2, rings, cap, control, null), new Channels(1, 2, rings, cap, control, null)];
  }
  const none = Buffer.alloc(0);

  it('frames for a peer that is awake go out at once; for a sleeping one they wait for the flush that wakes it', () => {
    const [a, b] = pair();
    a.sendBytes(1, 6, 0, 0, 1, 0, none, 0, 0);
    a.flushAwake(); // b polls (its sleeping flag is down): no doorbell needed
    expect(b.hasInbound()).toBe(true);
    b.pump();
    b.start(); // nothing to do: b goes to sleep
    try {
      a.sendBytes(1, 6, 0, 0, 2, 0, none, 0, 0);
      a.flushAwake();
      expect(b.hasInbound()).toBe(false);
      a.flush(); // the turn's flush: into the ring, and b's doorbell rung
      expect(b.hasInbound()).toBe(true);
    } finally {
      b.stop();
    }
  });

  it('exchange() takes in what arrived, but not from inside a frame being handled', () => {
    const [a, b] = pair();
    const got: number[] = [];
    let seenInside: number[] = [];
    b.onFrame = (_from, _kind, _resp, _db, id) => {
      got.push(id);
      if (id !== 1) return;
      // More frames arrive while this one is being handled: they wait until it is done.
      for (let more = 2; more <= 3; more++) a.sendBytes(1, 6, 0, 0, more, 0, none, 0, 0);
      a.flush();
      b.exchange();
      seenInside = got.slice();
    };
    a.sendBytes(1, 6, 0, 0, 1, 0, none, 0, 0);
    a.flush();
    b.exchange();
    expect(seenInside).toEqual([1]);
    b.exchange();
    expect(got).toEqual([1, 2, 3]);
  });
});

describe('Channels batches under back-pressure', () => {
  it('a frame partly in the ring is not extended; every message arrives once, in order', () => {
    const cap = 1024;
    const [a, b] = channelPair(cap);
    const got: string[] = [];
    let frames = 0;
    b.onFrame = (_from, _kind, _resp, _db, _id, aux, payload, start, end) => {
      frames++;
      const argvs: string[][] = [];
      readTaggedArgvs(payload, start, end, aux, [], argvs);
      for (const argv of argvs) got.push(argv[1]);
    };
    const none = Buffer.alloc(0);
    const v = 'x'.repeat(700);
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      sent.push('k' + i);
      a.sendBatched(1, 1, 2, 0, 9, 1, ['SET', 'k' + i, v], none, 0, 0);
      if (i % 3 === 2) a.flush(); // the ring takes part of the frame; later messages start a new one
    }
    for (let guard = 0; guard < 1000 && got.length < 30; guard++) {
      a.pump();
      b.pump();
    }
    expect(got).toEqual(sent);
    expect(frames).toBeGreaterThan(1);
  });
});

describe('LockTable', () => {
  it('conflictAt says where another owner holds a key, looking at the hint first, and agrees with canUse', () => {
    const t = new LockTable();
    expect(t.conflictAt(2, ['a'], false, 0)).toBe(-1);
    t.lock(1, ['a', 'b'], false);
    expect(t.conflictAt(2, ['x', 'b', 'a'], false, 3)).toBe(1);
    expect(t.conflictAt(2, ['x', 'b', 'a'], false, 2)).toBe(2);
    expect(t.conflictAt(2, ['x', 'b', 'a'], false, 0)).toBe(1);
    expect(t.conflictAt(1, ['x', 'b', 'a'], false, 1)).toBe(-1);
    expect(t.canUse(2, ['x', 'b'], false)).toBe(false);
    expect(t.canUse(2, ['x', 'y'], false)).toBe(true);
    // The whole shard: taken by another owner, or wanted while another holds keys.
    expect(t.conflictAt(2, [], true, 0)).toBe(0);
    t.unlock(1);
    t.lock(3, [], true);
    expect(t.conflictAt(2, ['zz'], false, 0)).toBe(0);
    expect(t.conflictAt(3, ['zz'], false, 0)).toBe(-1);
    t.unlock(3);
    expect(t.conflictAt(2, ['a', 'b'], false, 1)).toBe(-1);
  });

  it('agrees with a model through growth, unlocks that shift entries back, and trim', () => {
    const t = new LockTable();
    const model = new Map<string, number>();
    const held = new Map<number, string[]>();
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const ownerOf = (i: number): number => (i + 1) * 128 + (i % 3);
    for (let round = 0; round < 4000; round++) {
      const o = ownerOf(rnd(300));
      if (held.has(o) && rnd(3) === 0) {
        expect(t.unlock(o)).toBe(true);
        for (const k of held.get(o)!) model.delete(k);
        held.delete(o);
      } else {
        // Few distinct keys, so that owners collide and probe runs are long.
        const keys: string[] = [];
        for (let n = 1 + rnd(8); n > 0; n--) keys.push('k' + rnd(400));
        const free = keys.every((k) => !model.has(k) || model.get(k) === o);
        const c = t.conflictAt(o, keys, false, keys.length);
        expect(c < 0).toBe(free);
        if (c >= 0) expect(model.get(keys[c])).not.toBe(o);
        if (free) {
          t.lock(o, keys, false);
          const mine = held.get(o) ?? [];
          for (const k of keys) {
            if (!model.has(k)) mine.push(k);
            model.set(k, o);
          }
          held.set(o, mine);
        }
      }
      expect(t.active).toBe(held.size);
      const probe = 'k' + rnd(400);
      expect(t.canUseKey(probe)).toBe(!model.has(probe));
    }
    expect(t.heldFromElsewhere(0)).toBe([...held.keys()].some((o) => o % 128 !== 0));
    for (const o of [...held.keys()]) t.unlock(o);
    expect(t.active).toBe(0);
    expect(t.unlock(ownerOf(1))).toBe(false);
    t.trim();
    t.lock(5 * 128, ['a'], false);
    expect(t.canUseKey('a')).toBe(false);
    expect(t.holds(5 * 128)).toBe(true);
  });
});

describe('step replies', () => {
  it('a pipeline step packs its replies once; the coordinator reads each in place', () => {
    const out = new ReplyWriter();
    const ends: number[] = [];
    out.ok();
    ends.push(out.len);
    out.bulk('v'.repeat(300));
    ends.push(out.len);
    out.error('ERR wrong');
    ends.push(out.len);
    out.int(7);
    ends.push(out.len);
    const packed = packStepOutput(out.buf, 4, ends, [1.4, 250, 0, 5e12]);
    // Behind a frame header in a bigger buffer, as the coordinator may see it.
    const frame = Buffer.concat([Buffer.from('junk'), packed, Buffer.from('tail')]);
    expect(stepReplyCount(frame, 4)).toBe(4);
    const at = stepBytesAt(frame, 4);
    const got: string[] = [];
    for (let i = 0, from = at; i < 4; i++) {
      const to = at + stepReplyEnd(frame, 4, i);
      got.push(frame.latin1Slice(from, to));
      from = to;
    }
    expect(got).toEqual(['+OK\r\n', '$300\r\n' + 'v'.repeat(300) + '\r\n', '-ERR wrong\r\n', ':7\r\n']);
    expect([0, 1, 2, 3].map((i) => stepReplyMicros(frame, 4, i))).toEqual([1, 250, 0, 0xffffffff]);
    // The other steps' callers get a Buffer per reply, the same bytes.
    expect(unpackStepReplies(frame, 4, 4 + packed.length).map((b) => b.latin1Slice(0, b.length))).toEqual(got);
  });

  it('separate replies pack and unpack to the same bytes; an empty step too', () => {
    const replies = [Buffer.from('+OK\r\n'), Buffer.alloc(0), Buffer.from('*-1\r\n')];
    const packed = packStepReplies(replies);
    expect(unpackStepReplies(packed, 0, packed.length)).toEqual(replies);
    expect(stepReplyMicros(packed, 0, 2)).toBe(0);
    const none = packStepReplies([]);
    expect(unpackStepReplies(none, 0, none.length)).toEqual([]);
    expect(() => unpackStepReplies(packed, 0, packed.length - 1)).toThrow('malformed step reply');
  });
});

describe('formatDouble (%.17g)', () => {
  it('formats like C printf', () => {
    expect(formatDouble(1.1)).toBe('1.1000000000000001');
    expect(formatDouble(3)).toBe('3');
    expect(formatDouble(-2.5)).toBe('-2.5');
    expect(formatDouble(1e20)).toBe('1e+20');
    expect(formatDouble(1.5e-7)).toBe('1.4999999999999999e-07');
    expect(formatDouble(0.0001)).toBe('0.0001');
    expect(formatDouble(Infinity)).toBe('inf');
    expect(formatDouble(-Infinity)).toBe('-inf');
    expect(formatDouble(123456789012345680)).toBe('1.2345678901234568e+17');
  });
});

describe('reply writer and reader', () => {
  it('round-trips aggregate replies', () => {
    const w = new ReplyWriter();
    w.array(3);
    w.bulk('a');
    w.nullBulk();
    w.int(7);
    const b = w.take();
    expect(b.toString()).toBe('*3\r\n$1\r\na\r\n$-1\r\n:7\r\n');
    expect(skipValue(b, 0)).toBe(b.length);
    const e = arrayElements(b);
    expect(e.length).toBe(3);
    expect(intValue(e[2])).toBe(7);
  });
  it('writes RESP3 types', () => {
    const w = new ReplyWriter();
    w.resp = 3;
    w.map(1);
    w.bulk('k');
    w.double(1.5);
    w.nullBulk();
    w.bool(true);
    expect(w.take().toString()).toBe('%1\r\n$1\r\nk\r\n,1.5\r\n_\r\n#t\r\n');
  });
  it('hands its buffer off whole; a released buffer comes back once, an unreleased one never', () => {
    const w = new ReplyWriter();
    const big = 'x'.repeat(HANDOFF_BYTES);
    w.bulk(big);
    const a = w.handOff();
    expect(a.toString('latin1')).toBe(`$${big.length}\r\n${big}\r\n`);
    // Writing goes on elsewhere: the handed-off bytes stay as they were.
    w.bulk('y'.repeat(HANDOFF_BYTES));
    const b = w.handOff();
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.toString('latin1')).toBe(`$${big.length}\r\n${big}\r\n`);
    /** Hand off one simple reply per text; each in a buffer of its own, each still intact after all. */
    const handOffsAreDistinct = (wr: ReplyWriter, texts: string[]): void => {
      const outs = texts.map((t) => {
        wr.simple(t);
        return wr.handOff();
      });
      expect(new Set(outs.map((o) => o.buffer)).size).toBe(texts.length);
      expect(outs.map((o) => o.toString())).toEqual(texts.map((t) => `+${t}\r\n`));
    };
    // a released twice is one spare: the next hand-offs do not share a buffer.
    releaseOutput(a);
    releaseOutput(a);
    handOffsAreDistinct(w, ['one', 'two', 'three']);
    // A writer that grew for big batches goes on at that size (no growing again, copying, per batch).
    const g = new ReplyWriter();
    g.bulk('z'.repeat(200 * 1024));
    const grown = g.buf.length;
    releaseOutput(g.handOff());
    expect(g.buf.length).toBeGreaterThanOrEqual(grown);
    // Trimming keeps the last two spares: handed off again, they are distinct buffers.
    const t1 = new ReplyWriter();
    const four = [0, 1, 2, 3].map((i) => {
      t1.simple('s' + i);
      return t1.handOff();
    });
    for (const h of four) releaseOutput(h);
    trimOutputSpares();
    handOffsAreDistinct(t1, ['a', 'b', 'c', 'd']);
    // Buffers that were never handed off are not taken as spares.
    releaseOutput(Buffer.alloc(64 * 1024));
    expect(b.toString('latin1').startsWith(`$${HANDOFF_BYTES}\r\nyyy`)).toBe(true);
  });
});
  it('writes integers as String(n) would, at every digit count and sign', () => {
    const w = new ReplyWriter();
    const values = [0, 9, 10, 99, 100, 101, 999, 1000, 12345, 99999, 100000, 1234567, 9999999, 10000000, 123456789, 999999999, 1000000000, 2147483647, 2147483648, 4294967296, Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5, -0.5];
    for (let d = 1; d <= 16; d++) values.push(10 ** d - 1, 10 ** d, 10 ** d + 1, 3 * 10 ** (d - 1) + 7);
    for (const v of [...values]) values.push(-v);
    for (const v of values) {
      w.int(v);
      expect(w.take().toString()).toBe(`:${String(v)}\r\n`);
    }
    w.array(1234);
    expect(w.take().toString()).toBe('*1234\r\n');
  });

describe('handler failures', () => {
  it('a throwing handler leaves the thread alive and answers an error instead of a partial reply', async () => {
    const { loadConfig } = await import('../src/config/config.ts');
    const { ShardThread } = await import('../src/shards/shard_thread.ts');
    const { def } = await import('../src/commands/define.ts');
    const config = loadConfig(undefined, ['--server-threads', '1']);
    const channels = new Channels(0, 1, [[new SharedArrayBuffer(16)]], 64, new SharedArrayBuffer(controlBytes(1)));
    const thread = new ShardThread(0, 1, config, channels);
    const spec = def('boom', {
      arity: 1, group: 'server', summary: 'test', since: '0',
      handler(c) {
        c.out.array(2);
        c.out.bulk('half');
        throw new Error('bug');
      },
    });
    spec.id = 0;
    const ctx = thread.localCtx;
    ctx.out = new ReplyWriter();
    thread.call(spec, ['boom'], ctx);
    expect(ctx.out.take().toString()).toBe("-ERR internal error in 'boom' command\r\n");
  });
});

describe('request parser: the one-pass path and the general path agree', () => {
  it('random requests (0..70 arguments, empty, short, binary and >64 KB values) fed in random chunks come out intact', () => {
    const rnd = prng(11);
    const reqs: string[][] = [];
    for (let i = 0; i < 3000; i++) {
      const n = 1 + Math.floor(rnd() * (rnd() < 0.05 ? 70 : 5));
      const args: string[] = [];
      for (let j = 0; j < n; j++) {
        const r = rnd();
        const len = r < 0.1 ? 0 : r < 0.7 ? Math.floor(rnd() * 20) : r < 0.98 ? Math.floor(rnd() * 300) : 65530 + Math.floor(rnd() * 20);
        let s = '';
        for (let k = 0; k < len; k++) s += String.fromCharCode(Math.floor(rnd() * 256));
        args.push(s);
      }
      reqs.push(args);
    }
    const wire = Buffer.concat(reqs.map((a) => Buffer.from(`*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join(''), 'latin1')));
    for (const maxChunk of [7, 100, 4096, wire.length]) {
      const p = new RequestParser();
      const out: string[][] = [];
      for (let o = 0; o < wire.length; ) {
        const n = 1 + Math.floor(rnd() * maxChunk);
        p.feed(Buffer.from(wire.subarray(o, o + n)));
        o += n;
        for (let a = p.next(); a !== null; a = p.next()) out.push(a);
      }
      expect(p.error).toBe(null);
      expect(out.length).toBe(reqs.length);
      for (let i = 0; i < reqs.length; i++) if (out[i].join('\u0001') !== reqs[i].join('\u0001')) expect(out[i]).toEqual(reqs[i]);
    }
  });
});
