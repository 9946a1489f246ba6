// The EVAL script cache of one thread. Script bodies known to the server
// (made known by EVAL or SCRIPT LOAD on any thread) live in the shared
// script log; each thread compiles a script into its own Lua state the first
// time it runs it. SCRIPT FLUSH empties the log and bumps its generation,
// which every thread notices before it looks a script up.

import type { LuaAddon } from './engine.ts';
import type { SharedLog } from './shared.ts';
import { splitArgs } from '../config/splitargs.ts';

/** Script flags (the order of Redis's scripts_flags_def: FUNCTION LIST prints them in it). */
export const FLAG_NAMES = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'];
export const F_NO_WRITES = 1;
export const F_ALLOW_OOM = 2;
/** The script has a shebang line: its flags apply (no EVAL compatibility mode). */
export const F_SHEBANG = 1 << 8;

/** Flags of an EVAL script's `#!lua flags=...` line; 0 without a shebang; an error reply text. */
export function parseShebang(body: string): number | string {
  if (body.charCodeAt(0) !== 35 /* # */ || body.charCodeAt(1) !== 33 /* ! */) return 0;
  const nl = body.indexOf('\n');
  if (nl < 0) return 'ERR Invalid script shebang';
  const parts = splitArgs(body.slice(0, nl));
  if (parts === null || parts.length === 0) return 'ERR Invalid engine in script shebang';
  if (parts[0] !== '#!lua') return `ERR Unexpected engine in script shebang: ${parts[0]}`;
  let flags = F_SHEBANG;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    if (!p.startsWith('flags=')) return `ERR Unknown lua shebang option: ${p}`;
    const list = p.slice(6);
    if (list === '') continue;
    for (const f of list.split(',')) {
      const bit = FLAG_NAMES.indexOf(f);
      if (bit < 0) return `ERR Unexpected flag in script shebang: ${f}`;
      flags |= 1 << bit;
    }
  }
  return flags;
}

export class ScriptCache {
  private readonly lua: LuaAddon;
  private readonly log: SharedLog;
  /** sha -> body of every script known server-wide (as far as this thread has read the log). */
  private readonly bodies = new Map<string, string>();
  /** sha -> flags of the scripts compiled in this thread's Lua state. */
  private readonly compiled = new Map<string, number>();
  /** body -> sha, so a repeated EVAL does not hash its body again. */
  private readonly shaByBody = new Map<string, string>();
  /** The body fromBody resolved last and its answer: a repeated EVAL compares the body instead of hashing it. */
  private lastBody = '';
  private lastFound: { sha: string; flags: number } | null = null;
  private gen: number;
  private pos = 0;

  constructor(lua: LuaAddon, log: SharedLog) {
    this.lua = lua;
    this.log = log;
    this.gen = log.generation();
  }

  /** Forget everything when a SCRIPT FLUSH happened anywhere since the last look. */
  private checkGeneration(): void {
    const g = this.log.generation();
    if (g !== this.gen) this.dropLocal(g);
  }

  private dropLocal(gen: number): void {
    this.gen = gen;
    this.pos = 0;
    this.bodies.clear();
    this.shaByBody.clear();
    this.lastBody = '';
    this.lastFound = null;
    if (this.compiled.size !== 0) {
      this.compiled.clear();
      this.lua.reset(0);
    }
  }

  /** Read the scripts other threads published since the last read. */
  private readNew(): void {
    this.log.lock();
    let entries: Buffer[];
    try {
      const g = this.log.generation();
      if (g !== this.gen) this.dropLocal(g);
      const r = this.log.readLocked(this.pos);
      entries = r.entries;
      this.pos = r.pos;
    } finally {
      this.log.unlock();
    }
    for (const e of entries) this.bodies.set(e.latin1Slice(0, 40), e.latin1Slice(40, e.length));
  }

  private publish(sha: string, body: string): void {
    this.bodies.set(sha, body);
    const b = Buffer.allocUnsafe(40 + body.length);
    b.latin1Write(sha, 0);
    b.latin1Write(body, 40);
    this.log.lock();
    try {
      if (this.log.generation() === this.gen) this.log.appendLocked(b);
    } finally {
      this.log.unlock();
    }
  }

  private compile(sha: string, body: string): number | string {
    const flags = parseShebang(body);
    if (typeof flags === 'string') return flags;
    const err = this.lua.evalCompile(sha, body);
    if (err !== null) return err;
    this.compiled.set(sha, flags);
    return flags;
  }

  /** EVAL / SCRIPT LOAD: the script's sha and flags, compiled here; or the error reply text. */
  fromBody(body: string): { sha: string; flags: number } | string {
    this.checkGeneration();
    if (this.lastFound !== null && body === this.lastBody) return this.lastFound;
    let sha = this.shaByBody.get(body);
    if (sha !== undefined) {
      const f = this.compiled.get(sha);
      if (f !== undefined) return this.found(body, sha, f);
    } else sha = this.lua.sha1hex(body);
    let flags = this.compiled.get(sha);
    if (flags === undefined) {
      const r = this.compile(sha, body);
      if (typeof r === 'string') return r;
      flags = r;
    }
    if (this.shaByBody.size > 100000) this.shaByBody.clear();
    this.shaByBody.set(body, sha);
    if (!this.bodies.has(sha)) this.publish(sha, body);
    return this.found(body, sha, flags);
  }

  private found(body: string, sha: string, flags: number): { sha: string; flags: number } {
    const r = { sha, flags };
    this.lastBody = body;
    this.lastFound = r;
    return r;
  }

  /** The SHA1 of a body this thread has run before, without hashing it (undefined when new here). */
  knownSha(body: string): string | undefined {
    return this.shaByBody.get(body);
  }

  /** EVALSHA: the flags of a known script (compiled here if needed), null when unknown, or an error text. */
  fromSha(sha: string): number | null | string {
    this.checkGeneration();
    const f = this.compiled.get(sha);
    if (f !== undefined) return f;
    let body = this.bodies.get(sha);
    if (body === undefined) {
      this.readNew();
      body = this.bodies.get(sha);
      if (body === undefined) return null;
    }
    return this.compile(sha, body);
  }

  /** SCRIPT EXISTS. */
  exists(sha: string): boolean {
    this.checkGeneration();
    if (this.compiled.has(sha) || this.bodies.has(sha)) return true;
    this.readNew();
    return this.bodies.has(sha);
  }

  /** SCRIPT FLUSH: empty the cache everywhere. */
  flush(): void {
    this.log.lock();
    try {
      this.log.resetLocked();
      this.dropLocal(this.log.generation());
    } finally {
      this.log.unlock();
    }
  }
}
