// Reading the configuration: the config file (with `include`s), standard input when
// asked, and the command-line options, which Redis turns into extra config lines
// appended after the file. Line handling, argument counts and error reports follow
// Redis 7.0's loadServerConfigFromString().
//
// Strings hold one byte per character (latin1), like the rest of the server: file
// contents are read as latin1 and paths are converted back to bytes for the file system.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEPRECATED_DIRECTIVES, DIRECTIVES, findDirective } from './directives.ts';
import { ConfigFileError } from './errors.ts';
import { fromFsPath, toFsPath } from './fspath.ts';
import { stringMatch } from './glob.ts';
import { repr, splitArgs } from './splitargs.ts';
import { strerror } from './strerror.ts';
import { type ParseContext, parseValue } from './values.ts';

/** Directives that are not settings but are remembered for other subsystems. */
export interface ConfigExtras {
  /** rename-command pairs in file order; an empty new name removes the command. */
  renames: [string, string][];
  /** Arguments of each `user` line (ACL rules), without the word "user". */
  users: string[][];
  /** Arguments of each `loadmodule` line: path then module arguments. */
  modules: string[][];
  /** Module configuration lines (`module.name value`). */
  moduleConfigs: [string, string][];
}

export interface LoadOptions {
  /**
   * Whether a command exists, for validating rename-command like Redis does. Without
   * it every rename-command is accepted.
   */
  commandExists?: (name: string) => boolean;
  /** Standard input contents, for "-" (defaults to reading file descriptor 0). */
  readStdin?: () => string;
}

export interface LoadResult {
  values: Map<string, string>;
  extras: ConfigExtras;
  /** Absolute path of the config file, when one was given. */
  configFile: string | undefined;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** Default values of every directive; `dir` is the current working directory. */
export function defaultValues(): Map<string, string> {
  const m = new Map<string, string>();
  for (const d of DIRECTIVES) m.set(d.name, d.default);
  let cwd = process.cwd();
  try {
    cwd = fs.realpathSync(cwd);
  } catch {
    // keep process.cwd()
  }
  m.set('dir', fromFsPath(cwd));
  return m;
}

export function emptyExtras(): ConfigExtras {
  return { renames: [], users: [], modules: [], moduleConfigs: [] };
}

/**
 * Turn command-line options into config text the way redis-server's main() does:
 * "--name" starts a new line, other arguments are quoted and appended to it.
 * Returns the text and whether "-" asked for standard input.
 */
export function optionsToConfigText(argv: string[], firstIsStdinCandidate: boolean): { text: string; stdin: boolean } {
  let options = '';
  let handledLastArg = true;
  let stdin = false;
  const last = argv.length - 1;
  for (let j = 0; j < argv.length; j++) {
    const a = argv[j]!;
    if (a === '-' && ((j === 0 && firstIsStdinCandidate) || j === last)) {
      stdin = true;
    } else if (handledLastArg && a.startsWith('--')) {
      if (options.length > 0) options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(a);
      if (parts !== null && parts.length === 1) {
        // Only the option name: its value is in the following arguments.
        handledLastArg = false;
        const isSave = a.toLowerCase() === '--save';
        const isSentinel = a.toLowerCase() === '--sentinel';
        const nextIsOption = j !== last && argv[j + 1]!.startsWith('--');
        if (isSave && nextIsOption) {
          options += '""'; // `--save --port 1` means `save ""`
          handledLastArg = true;
        } else if (isSave && j === last) {
          options += '""';
        } else if (isSentinel && nextIsOption) {
          handledLastArg = true;
        }
      } else {
        handledLastArg = true; // "--port 6380" in a single argument
      }
    } else {
      options += repr(a) + ' ';
      handledLastArg = true;
    }
  }
  return { text: options, stdin };
}

/** Expand a glob(3)-style include pattern into sorted existing file names. */
export function expandIncludeGlob(pattern: string): string[] {
  const abs = pattern.startsWith('/');
  const segs = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let bases = [abs ? '/' : ''];
  for (let i = abs ? 1 : 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const next: string[] = [];
    const isLast = i === segs.length - 1;
    for (const b of bases) {
      if (!/[*?[]/.test(seg)) {
        next.push(b === '' ? seg : path.join(b, seg));
        continue;
      }
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(b === '' ? '.' : b, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
        if (!stringMatch(seg, e.name, false)) continue;
        if (!isLast && !e.isDirectory() && !e.isSymbolicLink()) continue;
        next.push(b === '' ? e.name : path.join(b, e.name));
      }
    }
    bases = next;
  }
  return bases.filter((p) => fs.existsSync(p)).sort();
}

interface LoadState {
  values: Map<string, string>;
  extras: ConfigExtras;
  parse: ParseContext;
  opts: LoadOptions;
  /** Commands renamed away / added by rename-command so far. */
  removedCommands: Set<string>;
  addedCommands: Set<string>;
}

function readConfigFile(file: string, shownAs: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw new ConfigFileError(`Fatal error, can't open config file '${shownAs}': ${strerror(e)}`, false);
  }
}

/** Does the command exist after the renames so far? `unknown` answers when no table was given. */
function commandExists(st: LoadState, name: string, unknown: boolean): boolean {
  const n = name.toLowerCase();
  if (st.addedCommands.has(n)) return true;
  if (st.removedCommands.has(n)) return false;
  return st.opts.commandExists ? st.opts.commandExists(n) : unknown;
}

function includeFile(st: LoadState, arg: string): void {
  const fsArg = toFsPath(arg);
  const resolved = path.resolve(toFsPath(st.parse.cwd), fsArg);
  if (/[*?[]/.test(arg)) {
    // With wildcards, no match is fine (e.g. an empty conf.d directory).
    const pattern = path.isAbsolute(fsArg) ? fsArg : resolved;
    let text = '';
    for (const f of expandIncludeGlob(pattern)) text += readConfigFile(f, fromFsPath(f));
    loadFromText(st, text);
  } else {
    loadFromText(st, readConfigFile(resolved, arg));
  }
}

/** Redis loadServerConfigFromString(): apply every line of `text`. */
function loadFromText(st: LoadState, text: string): void {
  st.parse.reading = true;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '' || line[0] === '#') continue;
    const at = { line: i + 1, text: line };
    const argv = splitArgs(line);
    if (argv === null) throw ConfigFileError.fatal('Unbalanced quotes in configuration line', at);
    if (argv.length === 0) continue;
    const name = asciiLower(argv[0]!);
    const argc = argv.length;

    const ref = findDirective(name);
    if (ref) {
      const d = ref.directive;
      if (!d.multiArg && argc !== 2) throw ConfigFileError.fatal('wrong number of arguments', at);
      const r = parseValue(d, argv.slice(1), st.values.get(d.name)!, st.parse);
      if (!r.ok) throw ConfigFileError.fatal(r.error, at);
      st.values.set(d.name, r.value);
      if (d.name === 'dir') st.parse.cwd = r.value;
      // KeyDB: an active replica is never read-only.
      if (d.name === 'active-replica' && r.value === 'yes') st.values.set('replica-read-only', 'no');
      continue;
    }

    const dep = DEPRECATED_DIRECTIVES[name];
    if (dep && argc >= dep[0] && argc <= dep[1]) continue;

    if (name === 'include' && argc === 2) {
      includeFile(st, argv[1]!);
    } else if (name === 'rename-command' && argc === 3) {
      const [, from, to] = argv as [string, string, string];
      if (!commandExists(st, from, true)) throw ConfigFileError.fatal('No such command in rename-command', at);
      st.removedCommands.add(from.toLowerCase());
      st.addedCommands.delete(from.toLowerCase());
      if (to !== '') {
        if (commandExists(st, to, false)) throw ConfigFileError.fatal('Target command name already exists', at);
        st.addedCommands.add(to.toLowerCase());
        st.removedCommands.delete(to.toLowerCase());
      }
      st.extras.renames.push([from, to]);
    } else if (name === 'user' && argc >= 2) {
      st.extras.users.push(argv.slice(1));
    } else if (name === 'loadmodule' && argc >= 2) {
      st.extras.modules.push(argv.slice(1));
    } else if (name.includes('.')) {
      if (argc !== 2) throw ConfigFileError.fatal('Module config specified without value', at);
      const k = st.extras.moduleConfigs.findIndex((e) => e[0] === name);
      if (k >= 0) st.extras.moduleConfigs[k] = [name, argv[1]!];
      else st.extras.moduleConfigs.push([name, argv[1]!]);
    } else if (name === 'sentinel') {
      if (argc !== 1) throw ConfigFileError.fatal('sentinel directive while not in sentinel mode', at);
    } else {
      throw ConfigFileError.fatal('Bad directive or wrong number of arguments', at);
    }
  }

  // Checks Redis makes once the text is applied (no line is shown for these).
  const logfile = st.values.get('logfile')!;
  if (logfile !== '') {
    try {
      fs.closeSync(fs.openSync(path.resolve(toFsPath(st.parse.cwd), toFsPath(logfile)), 'a'));
    } catch (e) {
      throw ConfigFileError.fatal(`Can't open the log file: ${strerror(e)}`);
    }
  }
  if (st.values.get('cluster-enabled') === 'yes' && st.values.get('replicaof') !== '') {
    throw ConfigFileError.fatal('replicaof directive not allowed in cluster mode');
  }
  st.parse.reading = false;
}

/**
 * Load the configuration: `configFile` (or none), then the command-line options in
 * `argv` (the arguments after the config file, as in process.argv).
 */
export function loadConfigSources(configFile: string | undefined, argv: string[], opts: LoadOptions = {}): LoadResult {
  const values = defaultValues();
  const st: LoadState = {
    values,
    extras: emptyExtras(),
    parse: { reading: true, state: { saveLoaded: false }, cwd: values.get('dir')!, lookup: (n) => values.get(n) },
    opts,
    removedCommands: new Set(),
    addedCommands: new Set(),
  };

  const fromStdin = configFile === '-';
  const file = configFile === undefined || fromStdin ? undefined : path.resolve(configFile);
  st.parse.configFile = file === undefined ? undefined : fromFsPath(file);

  const byteArgv = argv.map(fromFsPath);
  const { text: options, stdin } = optionsToConfigText(byteArgv, file === undefined && !fromStdin);

  let text = '';
  if (file !== undefined) text = readConfigFile(file, fromFsPath(file));
  if (stdin || fromStdin) {
    const read = opts.readStdin ?? (() => fs.readFileSync(0, 'latin1'));
    text += read();
  }
  text += '\n' + options;
  loadFromText(st, text);

  return { values, extras: st.extras, configFile: file };
}
