// The function libraries of one thread (FUNCTION LOAD / DELETE / FLUSH /
// RESTORE, FCALL). Every change goes through the shared function log: the
// thread making it takes the log's lock, replays what other threads logged
// since it last looked, applies its change (the same validation Redis does)
// and logs it when it succeeded. Every thread replays the log, in order,
// into its own Lua state before it runs a function, so all threads agree on
// the libraries, and a change is visible everywhere once its reply is sent.

import type { LuaAddon } from './engine.ts';
import type { SharedLog } from './shared.ts';
import { splitArgs } from '../config/splitargs.ts';
import { decodeDump } from './dump_format.ts';

export interface FunctionInfo {
  name: string;
  description: string | null;
  flags: number;
  ref: number;
  library: LibraryInfo;
}

export interface LibraryInfo {
  name: string;
  /** The whole code, shebang line included (FUNCTION LIST WITHCODE, DUMP). */
  code: string;
  functions: FunctionInfo[];
}

const OP_LOAD = 76; // 'L' + replace byte + code
const OP_DELETE = 68; // 'D' + name
const OP_FLUSH = 70; // 'F'
const OP_RESTORE = 82; // 'R' + policy byte + payload

export const POLICY_APPEND = 0;
export const POLICY_REPLACE = 1;
export const POLICY_FLUSH = 2;

const BAD_NAME = 'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

function validName(s: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(s);
}

/** A library's name and the code after its shebang line, or an error reply text. */
function metadata(code: string): { name: string; body: string } | string {
  if (!code.startsWith('#!')) return 'ERR Missing library metadata';
  const nl = code.indexOf('\n');
  if (nl < 0) return 'ERR Invalid library metadata';
  const parts = splitArgs(code.slice(0, nl));
  if (parts === null || parts.length === 0) return 'ERR Invalid library metadata';
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    if (p.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return 'ERR Invalid metadata value, name argument was given multiple times';
      name = p.slice(5);
      continue;
    }
    return `ERR Invalid metadata value given: ${p}`;
  }
  if (name === null) return 'ERR Library name was not given';
  if (!validName(name)) return BAD_NAME;
  if (engine.toLowerCase() !== 'lua') return `ERR Engine '${engine}' not found`;
  return { name, body: code.slice(nl) };
}

export class FunctionRegistry {
  private readonly lua: LuaAddon;
  private readonly log: SharedLog;
  /** Libraries by name (case sensitive), in load order. */
  readonly libraries = new Map<string, LibraryInfo>();
  /** Functions by lowercased name (FCALL is case insensitive). */
  private readonly functions = new Map<string, FunctionInfo>();
  private pos = 0;

  constructor(lua: LuaAddon, log: SharedLog) {
    this.lua = lua;
    this.log = log;
  }

  get functionCount(): number {
    return this.functions.size;
  }

  /** Replay what other threads logged since the last look. */
  sync(): void {
    if (this.log.tail() <= this.pos) return;
    this.log.lock();
    try {
      this.syncLocked();
    } finally {
      this.log.unlock();
    }
  }

  private syncLocked(): void {
    const r = this.log.readLocked(this.pos);
    this.pos = r.pos;
    for (const e of r.entries) this.apply(e);
  }

  private apply(e: Buffer): string | null {
    switch (e[0]) {
      case OP_LOAD: {
        const r = this.applyLoad(e.latin1Slice(2, e.length), e[1] === 1);
        return typeof r === 'string' && r.startsWith('ERR') ? r : null;
      }
      case OP_DELETE:
        return this.applyDelete(e.latin1Slice(1, e.length));
      case OP_FLUSH:
        this.applyFlush();
        return null;
      case OP_RESTORE:
        return this.applyRestore(e.subarray(2), e[1]);
    }
    return null;
  }

  /** Apply a change made on this thread and log it for the others when it succeeded. */
  private change(op: Buffer, run: () => string | null): string | null {
    this.log.lock();
    try {
      this.syncLocked();
      const err = run();
      if (err === null) {
        this.log.appendLocked(op);
        this.pos = this.log.tail();
      }
      return err;
    } finally {
      this.log.unlock();
    }
  }

  lookup(name: string): FunctionInfo | undefined {
    this.sync();
    return this.functions.get(name.toLowerCase());
  }

  // ---- FUNCTION LOAD --------------------------------------------------------------------

  /** The library name, or an error reply text. */
  load(code: string, replace: boolean): string {
    const op = Buffer.allocUnsafe(2 + code.length);
    op[0] = OP_LOAD;
    op[1] = replace ? 1 : 0;
    op.latin1Write(code, 2);
    let name = '';
    const err = this.change(op, () => {
      const r = this.applyLoad(code, replace);
      if (r.startsWith('ERR')) return r;
      name = r;
      return null;
    });
    return err ?? name;
  }

  /** Compile a library's functions: the library, or an error text. */
  private compile(code: string): LibraryInfo | string {
    const md = metadata(code);
    if (typeof md === 'string') return md;
    const r = this.lua.funcLoad(md.body);
    if (typeof r === 'string') return r;
    const lib: LibraryInfo = { name: md.name, code, functions: [] };
    for (const [name, description, flags, ref] of r) lib.functions.push({ name, description, flags, ref, library: lib });
    if (lib.functions.length === 0) return 'ERR No functions registered';
    return lib;
  }

  private unref(lib: LibraryInfo): void {
    if (lib.functions.length !== 0) this.lua.funcUnref(lib.functions.map((f) => f.ref));
  }

  private unlink(lib: LibraryInfo): void {
    for (const f of lib.functions) this.functions.delete(f.name.toLowerCase());
    this.libraries.delete(lib.name);
  }

  private link(lib: LibraryInfo): void {
    for (const f of lib.functions) this.functions.set(f.name.toLowerCase(), f);
    this.libraries.set(lib.name, lib);
  }

  /** functionsCreateWithLibraryCtx on the live libraries: the name, or an error text. */
  private applyLoad(code: string, replace: boolean): string {
    const md = metadata(code);
    if (typeof md === 'string') return md;
    const old = this.libraries.get(md.name);
    if (old !== undefined && !replace) return `ERR Library '${md.name}' already exists`;
    if (old !== undefined) this.unlink(old);
    const lib = this.compile(code);
    if (typeof lib === 'string') {
      if (old !== undefined) this.link(old);
      return lib;
    }
    for (const f of lib.functions) {
      if (this.functions.has(f.name.toLowerCase())) {
        this.unref(lib);
        if (old !== undefined) this.link(old);
        return `ERR Function ${f.name} already exists`;
      }
    }
    this.link(lib);
    if (old !== undefined) this.unref(old);
    return lib.name;
  }

  // ---- FUNCTION DELETE / FLUSH ------------------------------------------------------------

  delete(name: string): string | null {
    const op = Buffer.allocUnsafe(1 + name.length);
    op[0] = OP_DELETE;
    op.latin1Write(name, 1);
    return this.change(op, () => this.applyDelete(name));
  }

  private applyDelete(name: string): string | null {
    const lib = this.libraries.get(name);
    if (lib === undefined) return 'ERR Library not found';
    this.unlink(lib);
    this.unref(lib);
    return null;
  }

  flush(): void {
    this.change(Buffer.from([OP_FLUSH]), () => {
      this.applyFlush();
      return null;
    });
  }

  private applyFlush(): void {
    this.libraries.clear();
    this.functions.clear();
    this.lua.reset(1);
  }

  // ---- FUNCTION RESTORE -------------------------------------------------------------------

  restore(payload: Buffer, policy: number): string | null {
    const op = Buffer.allocUnsafe(2 + payload.length);
    op[0] = OP_RESTORE;
    op[1] = policy;
    payload.copy(op, 2);
    return this.change(op, () => this.applyRestore(payload, policy));
  }

  private applyRestore(payload: Buffer, policy: number): string | null {
    const codes = decodeDump(payload);
    if (typeof codes === 'string') return codes;
    // The libraries of the payload, on their own first.
    const incoming: LibraryInfo[] = [];
    const names = new Set<string>();
    const fnames = new Set<string>();
    const fail = (err: string): string => {
      for (const l of incoming) this.unref(l);
      return err;
    };
    for (const code of codes) {
      const md = metadata(code);
      if (typeof md === 'string') return fail(md);
      if (names.has(md.name)) return fail(`ERR Library '${md.name}' already exists`);
      const lib = this.compile(code);
      if (typeof lib === 'string') return fail(lib);
      for (const f of lib.functions) {
        const k = f.name.toLowerCase();
        if (fnames.has(k)) {
          this.unref(lib);
          return fail(`ERR Function ${f.name} already exists`);
        }
        fnames.add(k);
      }
      names.add(lib.name);
      incoming.push(lib);
    }
    if (policy === POLICY_FLUSH) {
      for (const l of this.libraries.values()) this.unref(l);
      this.libraries.clear();
      this.functions.clear();
      for (const l of incoming) this.link(l);
      return null;
    }
    const replaced: LibraryInfo[] = [];
    for (const l of incoming) {
      const old = this.libraries.get(l.name);
      if (old === undefined) continue;
      if (policy !== POLICY_REPLACE) {
        for (const r of replaced) this.link(r);
        return fail(`ERR Library ${l.name} already exists`);
      }
      this.unlink(old);
      replaced.push(old);
    }
    for (const l of incoming) {
      for (const f of l.functions) {
        if (this.functions.has(f.name.toLowerCase())) {
          for (const r of replaced) this.link(r);
          return fail(`ERR Function ${f.name} already exists`);
        }
      }
    }
    for (const l of incoming) this.link(l);
    for (const r of replaced) this.unref(r);
    return null;
  }
}
