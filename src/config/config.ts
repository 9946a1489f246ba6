// The server configuration: loading (loadConfig), CONFIG GET / SET / REWRITE with
// Redis 7.0's semantics and error replies, typed accessors, and snapshots to ship the
// values to worker threads.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { DIRECTIVES, type Directive, type DirectiveRef, allDirectiveRefs, findDirective } from './directives.ts';
import { stringMatch } from './glob.ts';
import { type ConfigExtras, type LoadOptions, defaultValues, emptyExtras, loadConfigSources } from './load.ts';
import { rewriteConfigText } from './rewrite.ts';
import { strerror } from './strerror.ts';
import { numericValue, parseValue } from './values.ts';

import { ConfigFileError } from './errors.ts';

export { ConfigFileError };
export type { LoadOptions } from './load.ts';

/** Options of Config.set() beyond the pairs. */
export interface SetOptions {
  /** The client is local (loopback or unix socket): enable-protected-configs "local". */
  localClient?: boolean;
  /** A dataset is loading: directives flagged denyLoading answer -LOADING. */
  loading?: boolean;
  /**
   * Apply the changed values (canonical name -> new value) to the running server.
   * Returning an error rolls every pair back and CONFIG SET fails with
   * "CONFIG SET failed (possibly related to argument '<name>') - <error>".
   */
  apply?: (changed: Record<string, string>) => { name: string; error: string } | null;
}

/** Keys of snapshot() that carry non-setting directives, JSON-encoded. */
const EXTRA_KEYS = {
  renames: '@rename-command',
  users: '@user',
  modules: '@loadmodule',
  moduleConfigs: '@module-config',
} as const;

/** CONFIG SET's split of a multi-argument value: on single spaces, "" gives nothing. */
function splitOnSpaces(v: string): string[] {
  return v === '' ? [] : v.split(' ');
}

function hasGlob(s: string): boolean {
  return /[[*?]/.test(s);
}

export class Config {
  /** Absolute path of the config file (CONFIG REWRITE target), if any. */
  readonly configFile: string | undefined;
  private readonly values: Map<string, string>;
  private readonly extras: ConfigExtras;
  /**
   * Set by the ACL subsystem once it exists: the `user ...` lines CONFIG REWRITE
   * writes. Until then the default user line is derived from requirepass.
   */
  aclUserLines: (() => string[]) | null = null;

  constructor(values: Map<string, string>, extras: ConfigExtras, configFile?: string) {
    this.values = values;
    this.extras = extras;
    this.configFile = configFile;
  }

  // ---- CONFIG GET ----

  /** Canonical value as CONFIG GET prints it; aliases resolve; undefined if unknown. */
  get(name: string): string | undefined {
    const ref = findDirective(name);
    return ref ? this.values.get(ref.directive.name) : undefined;
  }

  /**
   * CONFIG GET with several patterns: a pattern without glob characters returns that
   * directive (hidden ones too) under the name as given; a glob pattern matches every
   * visible name and alias case-insensitively. Each name appears once.
   */
  getMatching(patterns: string[]): [string, string][] {
    const out: [string, string][] = [];
    const seen = new Set<string>();
    for (const pat of patterns) {
      if (!hasGlob(pat)) {
        const key = pat.toLowerCase();
        if (seen.has(key)) continue;
        const ref = findDirective(pat);
        if (ref) {
          out.push([pat, this.values.get(ref.directive.name)!]);
          seen.add(key);
        }
        continue;
      }
      for (const ref of allDirectiveRefs()) {
        if (ref.directive.hidden || seen.has(ref.name)) continue;
        if (stringMatch(pat, ref.name, true)) {
          out.push([ref.name, this.values.get(ref.directive.name)!]);
          seen.add(ref.name);
        }
      }
    }
    return out;
  }

  // ---- CONFIG SET ----

  /**
   * CONFIG SET: all pairs or none. Returns null on success, else the error reply
   * without its leading '-'.
   */
  set(pairs: [string, string][], opts: SetOptions = {}): string | null {
    const refs: (DirectiveRef | null)[] = [];
    let invalid = false;
    let unknownName: string | null = null;
    let errName = '';
    let errStr: string | null = null;
    let denyLoading = false;

    for (let i = 0; i < pairs.length; i++) {
      refs.push(null);
      const name = pairs[i]![0];
      const ref = findDirective(name);
      if (!ref) {
        if (!invalid) {
          unknownName = name;
          invalid = true;
        }
        continue;
      }
      if (invalid) continue;
      const d = ref.directive;
      if (d.immutable || (d.protected && !this.protectedAllowed(opts.localClient === true))) {
        errStr = d.immutable ? "can't set immutable config" : "can't set protected config";
        errName = name;
        invalid = true;
        continue;
      }
      if (opts.loading && d.denyLoading) {
        denyLoading = true;
        invalid = true;
        continue;
      }
      if (refs.some((r) => r !== null && r.name === ref.name)) {
        errStr = 'duplicate parameter';
        errName = name;
        invalid = true;
      }
      refs[i] = ref;
    }
    if (invalid) {
      if (denyLoading) return 'LOADING Redis is loading the dataset in memory';
      if (unknownName !== null) return `ERR Unknown option or number of arguments for CONFIG SET - '${unknownName}'`;
      return `ERR CONFIG SET failed (possibly related to argument '${errName}') - ${errStr}`;
    }

    const backup = new Map(this.values);
    const ctx = {
      reading: false,
      state: { saveLoaded: false },
      cwd: this.values.get('dir')!,
      configFile: this.configFile,
      lookup: (n: string) => this.values.get(n),
    };
    for (let i = 0; i < pairs.length; i++) {
      const ref = refs[i]!;
      const d = ref.directive;
      const raw = pairs[i]![1];
      const r = parseValue(d, d.multiArg ? splitOnSpaces(raw) : [raw], this.values.get(d.name)!, ctx);
      if (!r.ok) {
        this.restore(backup);
        return `ERR CONFIG SET failed (possibly related to argument '${ref.name}') - ${r.error}`;
      }
      this.values.set(d.name, r.value);
      if (d.name === 'active-replica' && r.value === 'yes') this.values.set('replica-read-only', 'no');
    }

    if (opts.apply) {
      const changed: Record<string, string> = {};
      for (const [k, v] of this.values) if (backup.get(k) !== v) changed[k] = v;
      if (Object.keys(changed).length > 0) {
        const res = opts.apply(changed);
        if (res) {
          this.restore(backup);
          return `ERR CONFIG SET failed (possibly related to argument '${res.name}') - ${res.error}`;
        }
      }
    }
    return null;
  }

  private restore(backup: Map<string, string>): void {
    for (const [k, v] of backup) this.values.set(k, v);
  }

  /** enable-protected-configs: may this client change protected directives (dir, dbfilename)? */
  protectedAllowed(localClient: boolean): boolean {
    const v = this.values.get('enable-protected-configs');
    return v === 'yes' || (v === 'local' && localClient);
  }

  // ---- CONFIG REWRITE ----

  /** CONFIG REWRITE into the loaded file. Returns null on success, else the error reply. */
  rewrite(): string | null {
    if (this.configFile === undefined) return 'ERR The server is running without a config file';
    let old = '';
    try {
      old = fs.readFileSync(this.configFile, 'latin1');
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') return `ERR Rewriting config file: ${strerror(e)}`;
    }
    const text = rewriteConfigText(old, {
      value: (n) => this.values.get(n)!,
      userLines: this.userLinesForRewrite(),
      moduleLines: this.extras.modules.map((m) => 'loadmodule ' + m.join(' ')),
    });
    // Like Redis: write a temporary file, sync it, then rename it over the old one.
    const tmp = `${this.configFile}.${Math.random().toString(36).slice(2, 8)}`;
    let fd: number | undefined;
    try {
      fd = fs.openSync(tmp, 'wx', 0o644);
      fs.writeSync(fd, Buffer.from(text, 'latin1'));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      fs.renameSync(tmp, this.configFile);
    } catch (e) {
      if (fd !== undefined) fs.closeSync(fd);
      try {
        fs.unlinkSync(tmp);
      } catch {
        // nothing to clean up
      }
      return `ERR Rewriting config file: ${strerror(e)}`;
    }
    return null;
  }

  private userLinesForRewrite(): string[] | null {
    if (this.aclUserLines) return this.aclUserLines();
    if (this.values.get('aclfile') !== '') return []; // users live in the ACL file
    if (this.extras.users.length > 0) return null; // no ACL engine yet: keep them as written
    const pass = this.values.get('requirepass')!;
    const auth = pass === '' ? 'nopass' : '#' + createHash('sha256').update(pass, 'latin1').digest('hex');
    return [`user default on ${auth} ~* &* +@all`];
  }

  // ---- worker-thread snapshots ----

  /** Every canonical value, plus the non-setting directives under "@..." keys. */
  snapshot(): Record<string, string> {
    const s: Record<string, string> = Object.fromEntries(this.values);
    for (const [k, key] of Object.entries(EXTRA_KEYS)) {
      s[key] = JSON.stringify(this.extras[k as keyof ConfigExtras]);
    }
    return s;
  }

  static fromSnapshot(s: Record<string, string>, file?: string): Config {
    const values = defaultValues();
    for (const [k, v] of Object.entries(s)) if (values.has(k)) values.set(k, v);
    const extras = emptyExtras();
    for (const [k, key] of Object.entries(EXTRA_KEYS)) {
      if (s[key] !== undefined) (extras as unknown as Record<string, unknown>)[k] = JSON.parse(s[key]);
    }
    return new Config(values, extras, file);
  }

  /** Take values already validated elsewhere (e.g. a CONFIG SET on another thread). */
  applySnapshotValues(changed: Record<string, string>): void {
    for (const [k, v] of Object.entries(changed)) {
      const ref = findDirective(k);
      if (ref) this.values.set(ref.directive.name, v);
    }
  }

  // ---- typed accessors ----

  private must(name: string): { d: Directive; v: string } {
    const ref = findDirective(name);
    if (!ref) throw new Error(`unknown config directive '${name}'`);
    return { d: ref.directive, v: this.values.get(ref.directive.name)! };
  }

  /** Numeric value (memory in bytes, octal decoded); percentages come back negative. */
  num(name: string): number {
    const { d, v } = this.must(name);
    if (d.type === 'numeric') return Number(numericValue(d, v));
    return Number(v);
  }

  bool(name: string): boolean {
    const v = this.must(name).v;
    return v === 'yes' || v === 'true';
  }

  str(name: string): string {
    return this.must(name).v;
  }

  /** Space-separated values as a list (bind addresses, save points, ...). */
  list(name: string): string[] {
    return splitOnSpaces(this.must(name).v).filter((x) => x !== '');
  }

  /** rename-command directives in order: [old, new] ("" removes the command). */
  renamedCommands(): [string, string][] {
    return this.extras.renames.map((r) => [r[0], r[1]]);
  }

  /** Arguments of each `user` directive (for the ACL subsystem). */
  userDirectives(): string[][] {
    return this.extras.users.map((u) => [...u]);
  }

  /** Arguments of each `loadmodule` directive. */
  moduleDirectives(): string[][] {
    return this.extras.modules.map((m) => [...m]);
  }

  /** One line per setting that differs from its default but whose feature is missing. */
  unsupportedWarnings(): string[] {
    const out: string[] = [];
    const warn = (name: string, feature: string) =>
      out.push(`Directive '${name}' is set but ${feature} is not supported yet; ignoring it.`);
    for (const d of DIRECTIVES) {
      if (d.feature === null) continue;
      const v = this.values.get(d.name)!;
      if (v === d.default) continue;
      if (d.name === 'save' && v === '') continue; // no snapshots is what happens anyway
      warn(d.name, d.feature);
    }
    if (this.extras.users.length > 0) warn('user', 'ACL');
    if (this.extras.modules.length > 0) warn('loadmodule', 'modules');
    for (const [name] of this.extras.moduleConfigs) warn(name, 'modules');
    return out;
  }
}

/**
 * Load the configuration like redis-server: `configFile` ("-" for standard input, or
 * undefined for none), then `argv`, the command-line rest after the config file,
 * Redis-style (['--port', '7000', '--save', '', '--bind', '127.0.0.1', '::1']).
 * Command-line directives override the file. Throws ConfigFileError.
 */
export function loadConfig(configFile: string | undefined, argv: string[], opts?: LoadOptions): Config {
  const r = loadConfigSources(configFile, argv, opts);
  if (r.extras.moduleConfigs.length > 0 && r.extras.modules.length === 0) {
    throw new ConfigFileError(
      'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting',
      false,
    );
  }
  return new Config(r.values, r.extras, r.configFile === undefined ? undefined : r.configFile);
}
