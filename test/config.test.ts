// Configuration subsystem: glob matching, config-line tokenising, loading files and
// command lines, CONFIG GET / SET / REWRITE semantics and error texts. Expected values
// were taken from redis-server 7.0.15; the last suites compare against it directly
// when it is installed.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memtoull, string2ll, formatMemory } from '../src/config/cnum.ts';
import { Config, ConfigFileError, loadConfig } from '../src/config/config.ts';
import { DIRECTIVES, findDirective, isSensitive } from '../src/config/directives.ts';
import { stringMatch } from '../src/config/glob.ts';
import { optionsToConfigText } from '../src/config/load.ts';
import { RawClient } from './helpers/resp.ts';
import { repr, splitArgs } from '../src/config/splitargs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keydb-config-test-'));
let fileNo = 0;

function writeConf(text: string, name = `c${++fileNo}.conf`): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text, 'latin1');
  return f;
}

function loadText(text: string, argv: string[] = []): Config {
  return loadConfig(writeConf(text), argv);
}

/** The error text of a failing load. */
function loadError(text: string | null, argv: string[] = []): string {
  try {
    loadConfig(text === null ? undefined : writeConf(text), argv);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigFileError);
    return (e as ConfigFileError).message;
  }
  return 'OK';
}

function fatal(line: number, text: string, err: string): string {
  return `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ${line}\n>>> '${text}'\n${err}\n`;
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('glob matching (stringMatch)', () => {
  const cases: [string, string, boolean, boolean?][] = [
    ['*', '', false], // Redis: the empty string matches no pattern (KEYS/SCAN special-case "*")
    ['**', '', false],
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'hllo', true],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true], // reversed range
    ['h[a-b]llo', 'hcllo', false],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['[\\]]', ']', true],
    ['[abc', 'a', true], // unterminated class: the class ends with the pattern
    ['[abc', 'ab', false],
    ['[^', 'x', true],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['**', 'x', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['PORT', 'port', false],
    ['PORT', 'port', true, true],
    ['[A-Z]ort', 'port', true, true],
    ['[p]ORT', 'Port', true, true],
    ['\\', '\\', true],
    ['abc\\', 'abc\\', true],
    ['', '', true],
    ['', 'a', false],
    ['a', '', false],
  ];
  for (const [pat, str, want, nocase] of cases) {
    it(`${JSON.stringify(pat)} ~ ${JSON.stringify(str)}${nocase ? ' (nocase)' : ''} -> ${want}`, () => {
      expect(stringMatch(pat, str, nocase === true)).toBe(want);
    });
  }
  it('stays fast on pathological patterns', () => {
    const t = Date.now();
    expect(stringMatch('a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(60))).toBe(false);
    expect(Date.now() - t).toBeLessThan(500);
  });
});

describe('config line tokenising', () => {
  it('splits like sdssplitargs', () => {
    expect(splitArgs('set  a   b')).toEqual(['set', 'a', 'b']);
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('"a b" \'c d\'')).toEqual(['a b', 'c d']);
    expect(splitArgs('"\\x41\\n\\t\\r\\b\\a\\"\\\\z"')).toEqual(['A\n\t\r\b\x07"\\z']);
    expect(splitArgs("'it\\'s'")).toEqual(["it's"]);
    expect(splitArgs("'a\\nb'")).toEqual(['a\\nb']);
    expect(splitArgs('foo"bar"')).toEqual(['foobar']);
    expect(splitArgs('""')).toEqual(['']);
    expect(splitArgs('"\\x4"')).toEqual(['x4']);
  });
  it('rejects unbalanced or glued quotes', () => {
    expect(splitArgs('"abc')).toBeNull();
    expect(splitArgs("'abc")).toBeNull();
    expect(splitArgs('"a"b')).toBeNull();
    expect(splitArgs("'a'b")).toBeNull();
  });
  it('quotes like sdscatrepr', () => {
    expect(repr('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(repr('\n\r\t\x07\b\x01\xff~')).toBe('"\\n\\r\\t\\a\\b\\x01\\xff~"');
  });
  it('turns command-line options into config lines like redis-server', () => {
    expect(optionsToConfigText(['--port', '7000', '--save', '', '--bind', '127.0.0.1', '::1'], true).text).toBe(
      'port "7000" \nsave "" \nbind "127.0.0.1" "::1" ',
    );
    expect(optionsToConfigText(['--save', '--port', '1'], true).text).toBe('save ""\nport "1" ');
    expect(optionsToConfigText(['--save'], true).text).toBe('save ""');
    expect(optionsToConfigText(['--maxmemory', '--foo'], true).text).toBe('maxmemory "--foo" ');
    expect(optionsToConfigText(['--port 7000'], true).text).toBe('port 7000 ');
    expect(optionsToConfigText(['-', '--port', '1'], true).stdin).toBe(true);
    expect(optionsToConfigText(['--port', '1', '-'], false).stdin).toBe(true);
  });
});

describe('numbers', () => {
  it('parses memory units like memtoull', () => {
    const m = (s: string) => memtoull(s)?.toString() ?? null;
    expect(m('1k')).toBe('1000');
    expect(m('1K')).toBe('1000');
    expect(m('1kb')).toBe('1024');
    expect(m('1Kb')).toBe('1024');
    expect(m('1b')).toBe('1');
    expect(m('1m')).toBe('1000000');
    expect(m('1mb')).toBe('1048576');
    expect(m('1g')).toBe('1000000000');
    expect(m('1GB')).toBe('1073741824');
    expect(m('')).toBe('0');
    expect(m('kb')).toBe('0');
    expect(m('010')).toBe('10');
    expect(m('1t')).toBeNull();
    expect(m(' 1')).toBeNull();
    expect(m('+1')).toBeNull();
    expect(m('-0')).toBeNull();
    expect(m('1.5mb')).toBeNull();
    expect(m('0x10')).toBeNull();
    expect(m('18446744073709551616')).toBe('18446744073709551615');
    expect(m('18446744073709551615kb')).toBe('18446744073709550592');
    expect(m('17179869184gb')).toBe('0');
  });
  it('parses integers like string2ll', () => {
    expect(string2ll('0')).toBe(0n);
    expect(string2ll('-1')).toBe(-1n);
    expect(string2ll('9223372036854775807')).toBe(9223372036854775807n);
    expect(string2ll('-9223372036854775808')).toBe(-9223372036854775808n);
    for (const bad of ['', '01', '-0', '+1', ' 1', '1 ', '1k', '1.0', '9223372036854775808', '-']) {
      expect(string2ll(bad)).toBeNull();
    }
  });
  it('formats memory for rewrite', () => {
    expect(formatMemory(0n)).toBe('0');
    expect(formatMemory(1024n)).toBe('1kb');
    expect(formatMemory(3n * 1024n * 1024n * 1024n)).toBe('3gb');
    expect(formatMemory(1049600n)).toBe('1025kb');
    expect(formatMemory(3000000n)).toBe('3000000');
  });
});

describe('directive table', () => {
  it('has unique names and aliases', () => {
    const names = DIRECTIVES.flatMap((d) => [d.name, ...(d.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
  });
  it('lists the KeyDB directives and our own', () => {
    for (const n of ['server-threads', 'server-thread-affinity', 'active-replica', 'multi-master', 'replica-weighting-factor', 'storage-provider', 'db-s3-object', 'log-format', 'migrate-connections']) {
      expect(findDirective(n), n).toBeDefined();
    }
  });
  it('resolves aliases case-insensitively', () => {
    expect(findDirective('SLAVEOF')!.directive.name).toBe('replicaof');
    expect(findDirective('lua-time-limit')!.directive.name).toBe('busy-reply-threshold');
    expect(findDirective('hash-max-ziplist-entries')!.directive.name).toBe('hash-max-listpack-entries');
  });
  it('marks implemented features and sensitive values', () => {
    for (const n of ['port', 'bind', 'server-threads', 'maxmemory', 'requirepass', 'dir', 'hash-max-listpack-entries', 'lazyfree-lazy-expire', 'io-threads']) {
      expect(findDirective(n)!.directive.feature, n).toBeNull();
    }
    expect(findDirective('appendonly')!.directive.feature).toBe('AOF persistence');
    expect(findDirective('save')!.directive.feature).toBe('persistence (RDB)');
    expect(findDirective('daemonize')!.directive.feature).toBe('daemonize');
    expect(isSensitive('requirepass')).toBe(true);
    expect(isSensitive('masterauth')).toBe(true);
    expect(isSensitive('port')).toBe(false);
  });
  it('has defaults that parse as valid values', () => {
    const c = loadConfig(undefined, []);
    for (const d of DIRECTIVES) {
      if (d.immutable || d.protected) continue;
      expect(c.set([[d.name, c.get(d.name)!]]), d.name).toBeNull();
    }
  });
});

describe('loading', () => {
  it('uses Redis defaults without a file', () => {
    const c = loadConfig(undefined, []);
    expect(c.configFile).toBeUndefined();
    expect(c.get('port')).toBe('6379');
    expect(c.get('bind')).toBe('* -::*');
    expect(c.get('save')).toBe('3600 1 300 100 60 10000');
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(c.get('dir')).toBe(fs.realpathSync(process.cwd()));
    expect(c.get('server-threads')).toBe('1');
    expect(c.get('log-format')).toBe('redis');
    expect(c.get('max-rand-count')).toBe('4611686018427387903');
  });

  it('reads a file and lets the command line override it', () => {
    const f = writeConf('port 7000\n# comment\n\n  timeout 5  \r\nsave 900 1\nsave 300 10\n');
    const c = loadConfig(f, ['--port', '7001', '--bind', '127.0.0.1', '::1', '--save', '60', '10000']);
    expect(c.configFile).toBe(f);
    expect(c.get('port')).toBe('7001');
    expect(c.get('timeout')).toBe('5');
    expect(c.get('bind')).toBe('127.0.0.1 ::1');
    expect(c.list('bind')).toEqual(['127.0.0.1', '::1']);
    expect(c.get('save')).toBe('900 1 300 10 60 10000');
  });

  it('handles the save directive like Redis', () => {
    expect(loadText('').get('save')).toBe('3600 1 300 100 60 10000');
    expect(loadText('save 100 1\nsave "" \nsave 200 2\n').get('save')).toBe('200 2');
    expect(loadText('save 100 1 200 2\nsave 300 3\n').get('save')).toBe('100 1 200 2 300 3');
    expect(loadConfig(undefined, ['--save', '']).get('save')).toBe('');
    expect(loadConfig(undefined, ['--save', '--port', '1']).get('save')).toBe('');
    // After an include, each save line replaces the previous ones (a Redis quirk).
    const inc = writeConf('');
    expect(loadText(`include ${inc}\nsave 100 1\nsave 200 2\n`).get('save')).toBe('200 2');
    expect(loadText(`save 100 1\ninclude ${inc}\nsave 200 2\n`).get('save')).toBe('200 2');
  });

  it('parses quoting, memory units, enums, booleans and aliases', () => {
    const c = loadText(
      [
        'requirepass "p a\\x41ss\\n"',
        "masterauth 'it\\'s'",
        'maxmemory 1GB',
        'proto-max-bulk-len 1mb',
        'maxmemory-clients 10%',
        'LOGLEVEL WARNING',
        'protected-mode NO',
        'slaveof 127.0.0.1 6380',
        'lua-time-limit 100',
        'hash-max-ziplist-entries 100',
        'list-max-ziplist-size 5',
        'unixsocketperm 0755',
        'notify-keyspace-events KEA',
        'oom-score-adj relative',
        'shutdown-on-sigint nosave now',
        'hz 1000',
        'latency-tracking-info-percentiles 50.5 1e1 0',
        'client-output-buffer-limit replica 1mb 2mb 3 pubsub 0 0 0',
      ].join('\n'),
    );
    expect(c.get('requirepass')).toBe('p aAss\n');
    expect(c.get('masterauth')).toBe("it's");
    expect(c.get('maxmemory')).toBe('1073741824');
    expect(c.num('maxmemory')).toBe(1073741824);
    expect(c.get('proto-max-bulk-len')).toBe('1048576');
    expect(c.get('maxmemory-clients')).toBe('10%');
    expect(c.num('maxmemory-clients')).toBe(-10);
    expect(c.get('loglevel')).toBe('warning');
    expect(c.get('protected-mode')).toBe('no');
    expect(c.bool('protected-mode')).toBe(false);
    expect(c.get('replicaof')).toBe('127.0.0.1 6380');
    expect(c.get('slaveof')).toBe('127.0.0.1 6380');
    expect(c.get('busy-reply-threshold')).toBe('100');
    expect(c.get('hash-max-listpack-entries')).toBe('100');
    expect(c.get('list-max-listpack-size')).toBe('5');
    expect(c.get('unixsocketperm')).toBe('755');
    expect(c.num('unixsocketperm')).toBe(0o755);
    expect(c.get('notify-keyspace-events')).toBe('AKE');
    expect(c.get('oom-score-adj')).toBe('yes');
    expect(c.get('shutdown-on-sigint')).toBe('nosave now');
    expect(c.get('hz')).toBe('500');
    expect(c.get('latency-tracking-info-percentiles')).toBe('50.5 10 0');
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 1048576 2097152 3 pubsub 0 0 0');
  });

  it('accepts file-only and deprecated directives', () => {
    const c = loadText(
      'list-max-ziplist-entries 5\nlua-replicate-commands yes\nrename-command CONFIG ""\nrename-command DEBUG mydebug\nuser alice on >pw ~* +get\nloadmodule /x.so a b\nsentinel\n',
    );
    expect(c.renamedCommands()).toEqual([
      ['CONFIG', ''],
      ['DEBUG', 'mydebug'],
    ]);
    expect(c.userDirectives()).toEqual([['alice', 'on', '>pw', '~*', '+get']]);
    expect(c.moduleDirectives()).toEqual([['/x.so', 'a', 'b']]);
    expect(c.get('list-max-ziplist-entries')).toBeUndefined();
  });

  it('validates rename-command against the command table when given one', () => {
    const known = new Set(['get', 'set', 'debug']);
    const opts = { commandExists: (n: string) => known.has(n) };
    const load = (t: string) => {
      try {
        loadConfig(writeConf(t), [], opts);
        return 'OK';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(load('rename-command FOO BAR\n')).toBe(fatal(1, 'rename-command FOO BAR', 'No such command in rename-command'));
    expect(load('rename-command get set\n')).toBe(fatal(1, 'rename-command get set', 'Target command name already exists'));
    expect(load('rename-command get g2\nrename-command g2 g3\nrename-command set get\n')).toBe('OK');
  });

  it('follows includes, relative to dir, with wildcards', () => {
    const sub = fs.mkdtempSync(path.join(tmp, 'inc-'));
    fs.writeFileSync(path.join(sub, 'b.conf'), 'timeout 2\n');
    fs.writeFileSync(path.join(sub, 'a.conf'), 'timeout 1\nhz 20\n');
    fs.writeFileSync(path.join(sub, '.hidden.conf'), 'hz 30\n');
    const c = loadText(`include ${sub}/*.conf\n`);
    expect(c.get('timeout')).toBe('2');
    expect(c.get('hz')).toBe('20');
    expect(loadText(`include ${sub}/nomatch*.conf\ntimeout 9\n`).get('timeout')).toBe('9');
    expect(loadText(`dir ${sub}\ninclude a.conf\n`).get('hz')).toBe('20');
    expect(loadText(`dir ${sub}\n`).get('dir')).toBe(fs.realpathSync(sub));
  });

  it('reports errors exactly like redis-server', () => {
    const cases: [string, string][] = [
      ['port 1\nport "abc"\n', fatal(2, 'port "abc"', "argument couldn't be parsed into an integer")],
      ['port 1 2\n', fatal(1, 'port 1 2', 'wrong number of arguments')],
      ['port\n', fatal(1, 'port', 'wrong number of arguments')],
      ['foo bar\n', fatal(1, 'foo bar', 'Bad directive or wrong number of arguments')],
      ['port "abc\n', fatal(1, 'port "abc', 'Unbalanced quotes in configuration line')],
      ['port "1"x\n', fatal(1, 'port "1"x', 'Unbalanced quotes in configuration line')],
      ['  # c\n\t port   abc  \r\n', fatal(2, 'port   abc', "argument couldn't be parsed into an integer")],
      ['PORT abc\n', fatal(1, 'PORT abc', "argument couldn't be parsed into an integer")],
      ['port 65536\n', fatal(1, 'port 65536', 'argument must be between 0 and 65535 inclusive')],
      ['maxmemory 1x\n', fatal(1, 'maxmemory 1x', 'argument must be a memory value')],
      ['maxmemory-clients 200%\n', fatal(1, 'maxmemory-clients 200%', 'percentage argument must be less or equal to 100')],
      ['maxmemory-clients -5\n', fatal(1, 'maxmemory-clients -5', 'argument must be a memory or percent value')],
      ['unixsocketperm 999\n', fatal(1, 'unixsocketperm 999', "argument couldn't be parsed as an octal number")],
      ['unixsocketperm 1000\n', fatal(1, 'unixsocketperm 1000', 'argument must be between 0 and 777 inclusive')],
      ['loglevel foo\n', fatal(1, 'loglevel foo', 'argument(s) must be one of the following: debug, verbose, notice, warning')],
      ['loglevel notice warning\n', fatal(1, 'loglevel notice warning', 'wrong number of arguments')],
      ['shutdown-on-sigint save nosave\n', fatal(1, 'shutdown-on-sigint save nosave', "shutdown options SAVE and NOSAVE can't be used simultaneously")],
      ['daemonize maybe\n', fatal(1, 'daemonize maybe', "argument must be 'yes' or 'no'")],
      ['save 1\n', fatal(1, 'save 1', 'Invalid save parameters')],
      ['save 0 1\n', fatal(1, 'save 0 1', 'Invalid save parameters')],
      ['replicaof a\n', fatal(1, 'replicaof a', 'wrong number of arguments')],
      ['replicaof a 99999\n', fatal(1, 'replicaof a 99999', 'Invalid master port')],
      ['client-output-buffer-limit normal 1 2\n', fatal(1, 'client-output-buffer-limit normal 1 2', 'Wrong number of arguments in buffer limit configuration.')],
      ['client-output-buffer-limit master 1 2 3\n', fatal(1, 'client-output-buffer-limit master 1 2 3', 'Invalid client class specified in buffer limit configuration.')],
      ['client-output-buffer-limit normal 1 2 -1\n', fatal(1, 'client-output-buffer-limit normal 1 2 -1', 'Error in hard, soft or soft_seconds setting in buffer limit configuration.')],
      ['notify-keyspace-events a b\n', fatal(1, 'notify-keyspace-events a b', 'wrong number of arguments')],
      ['notify-keyspace-events Q\n', fatal(1, 'notify-keyspace-events Q', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")],
      ['oom-score-adj-values 1 2\n', fatal(1, 'oom-score-adj-values 1 2', 'wrong number of arguments')],
      ['oom-score-adj-values 1 2 3000\n', fatal(1, 'oom-score-adj-values 1 2 3000', 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.')],
      ['dir /nonexistent-dir\n', fatal(1, 'dir /nonexistent-dir', 'No such file or directory')],
      ['dir /etc/passwd\n', fatal(1, 'dir /etc/passwd', 'Not a directory')],
      ['dir a b\n', fatal(1, 'dir a b', 'wrong number of arguments')],
      ['bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n', fatal(1, 'bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17', 'Too many bind addresses specified.')],
      ['dbfilename a/b\n', fatal(1, 'dbfilename a/b', "dbfilename can't be a path, just a filename")],
      ['appendfilename ""\n', fatal(1, 'appendfilename ""', "appendfilename can't be empty")],
      ['proc-title-template "{foo}"\n', fatal(1, 'proc-title-template "{foo}"', 'template format is invalid or contains unknown variables')],
      ['latency-tracking-info-percentiles 50 x\n', fatal(1, 'latency-tracking-info-percentiles 50 x', 'Invalid latency-tracking-info-percentiles parameters')],
      ['latency-tracking-info-percentiles 101\n', fatal(1, 'latency-tracking-info-percentiles 101', 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]')],
      ['activedefrag yes\n', fatal(1, 'activedefrag yes', 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution')],
      ['user\n', fatal(1, 'user', 'Bad directive or wrong number of arguments')],
      ['include\n', fatal(1, 'include', 'Bad directive or wrong number of arguments')],
      ['sentinel monitor x\n', fatal(1, 'sentinel monitor x', 'sentinel directive while not in sentinel mode')],
      ['list-max-ziplist-value 5 6\n', fatal(1, 'list-max-ziplist-value 5 6', 'Bad directive or wrong number of arguments')],
      ['foo.bar\n', fatal(1, 'foo.bar', 'Module config specified without value')],
      ['server-threads 0\n', fatal(1, 'server-threads 0', 'Invalid number of threads specified')],
      ['server-threads 17\n', fatal(1, 'server-threads 17', 'Invalid number of threads specified')],
      ['server-thread-affinity maybe\n', fatal(1, 'server-thread-affinity maybe', 'Unknown argument: server-thread-affinity expects either true or false')],
      ['active-replica maybe\n', fatal(1, 'active-replica maybe', "argument must be 'yes' or 'no'")],
      ['log-format xml\n', fatal(1, 'log-format xml', 'argument(s) must be one of the following: redis, json')],
      [
        'slaveof 127.0.0.1 6379\ncluster-enabled yes\n',
        '\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode\n',
      ],
      ['logfile /nonexistent-dir/x.log\n', "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n"],
    ];
    for (const [text, want] of cases) expect(loadError(text), text).toBe(want);
  });

  it('numbers command-line lines after the file, like redis-server', () => {
    expect(loadError(null, ['--port', 'abc'])).toBe(fatal(2, 'port "abc"', "argument couldn't be parsed into an integer"));
    expect(loadError(null, ['--port', '0', '--loglevel'])).toBe(fatal(3, 'loglevel', 'wrong number of arguments'));
    expect(loadError(null, ['--maxmemory', '--foo'])).toBe(fatal(2, 'maxmemory "--foo"', 'argument must be a memory value'));
    expect(loadError(null, ['--bind', '1.2.3.4', '--save', '--maxmemory', 'x'])).toBe(fatal(4, 'maxmemory "x"', 'argument must be a memory value'));
    expect(loadError('port 0\n', ['--maxmemory', 'x'])).toBe(fatal(3, 'maxmemory "x"', 'argument must be a memory value'));
    expect(loadError('port 0', ['--maxmemory', 'x'])).toBe(fatal(2, 'maxmemory "x"', 'argument must be a memory value'));
    expect(loadError(null, ['--maxmemory 1x'])).toBe(fatal(2, 'maxmemory 1x', 'argument must be a memory value'));
    expect(loadError(null, ['--port', '1', '2'])).toBe(fatal(2, 'port "1" "2"', 'wrong number of arguments'));
  });

  it('reports unreadable config files', () => {
    const missing = path.join(tmp, 'missing.conf');
    let err: ConfigFileError | null = null;
    try {
      loadConfig(missing, []);
    } catch (e) {
      err = e as ConfigFileError;
    }
    expect(err?.message).toBe(`Fatal error, can't open config file '${missing}': No such file or directory`);
    expect(err?.banner).toBe(false);
    expect(loadError('include nonexist-include.conf\n')).toBe("Fatal error, can't open config file 'nonexist-include.conf': No such file or directory");
    expect(loadError('foo.bar 1\n')).toBe('Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting');
  });

  it('reads the config from standard input with "-"', () => {
    const c = loadConfig('-', ['--hz', '20'], { readStdin: () => 'timeout 7\n' });
    expect(c.get('timeout')).toBe('7');
    expect(c.get('hz')).toBe('20');
    expect(c.configFile).toBeUndefined();
  });

  it('applies KeyDB directives', () => {
    const c = loadText('server-threads 4\nserver-thread-affinity TRUE\nactive-replica true\nmulti-master yes\nstorage-provider flash /tmp/flash\n');
    expect(c.num('server-threads')).toBe(4);
    expect(c.get('server-thread-affinity')).toBe('true');
    expect(c.get('active-replica')).toBe('yes');
    expect(c.get('replica-read-only')).toBe('no'); // implied by active-replica
    expect(c.get('multi-master')).toBe('yes');
    expect(c.get('storage-provider')).toBe('flash /tmp/flash');
    expect(loadText('server-thread-affinity 3\n').get('server-thread-affinity')).toBe('3');
  });
});

describe('CONFIG GET', () => {
  const c = loadConfig(undefined, []);
  const names = (pats: string[]) => c.getMatching(pats).map((p) => p[0]);
  it('matches globs case-insensitively and lists aliases', () => {
    expect(names(['hash-max-*']).sort()).toEqual(['hash-max-listpack-entries', 'hash-max-listpack-value', 'hash-max-ziplist-entries', 'hash-max-ziplist-value']);
    expect(names(['PO*'])).toEqual(['port']);
    expect(names(['[pq]ort', 'p?rt'])).toEqual(['port']);
    expect(names(['slave*']).sort()).toEqual([
      'slave-announce-ip',
      'slave-announce-port',
      'slave-ignore-maxmemory',
      'slave-lazy-flush',
      'slave-priority',
      'slave-read-only',
      'slave-serve-stale-data',
      'slaveof',
    ]);
  });
  it('returns exact names as given, once', () => {
    expect(c.getMatching(['PORT'])).toEqual([['PORT', '6379']]);
    expect(c.getMatching(['port', 'Port'])).toEqual([['port', '6379']]);
    expect(c.getMatching(['PORT', 'p*']).map((p) => p[0])).not.toContain('port');
    expect(c.getMatching(['slaveof', 'replicaof'])).toEqual([
      ['slaveof', ''],
      ['replicaof', ''],
    ]);
    expect(c.getMatching(['nonexistent'])).toEqual([]);
  });
  it('shows hidden directives only by exact name', () => {
    expect(names(['*exit*'])).toEqual([]);
    expect(c.getMatching(['use-exit-on-panic'])).toEqual([['use-exit-on-panic', 'no']]);
  });
  it('lists every visible name once for *', () => {
    const all = names(['*']);
    expect(new Set(all).size).toBe(all.length);
    const visible = DIRECTIVES.filter((d) => !d.hidden).flatMap((d) => [d.name, ...(d.aliases ?? [])]);
    expect(all.length).toBe(visible.length);
  });
});

describe('CONFIG SET', () => {
  const err = (name: string, msg: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${msg}`;

  it('validates like Redis', () => {
    const c = loadConfig(undefined, []);
    const cases: [[string, string][], string | null][] = [
      [[['maxclients', 'abc']], err('maxclients', "argument couldn't be parsed into an integer")],
      [[['MAXCLIENTS', 'abc']], err('maxclients', "argument couldn't be parsed into an integer")],
      [[['SLAVE-PRIORITY', 'abc']], err('slave-priority', "argument couldn't be parsed into an integer")],
      [[['foo', 'bar']], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"],
      [[['list-max-ziplist-entries', '5']], "ERR Unknown option or number of arguments for CONFIG SET - 'list-max-ziplist-entries'"],
      [[['daemonize', 'yes']], err('daemonize', "can't set immutable config")],
      [[['DAEMONIZE', 'yes']], err('DAEMONIZE', "can't set immutable config")],
      [[['slaveof', '127.0.0.1 1']], err('slaveof', "can't set immutable config")],
      [[['dir', '/tmp']], err('dir', "can't set protected config")],
      [[['dbfilename', 'x']], err('dbfilename', "can't set protected config")],
      [[['port', '1'], ['port', '2']], err('port', 'duplicate parameter')],
      [[['port', '1'], ['PORT', '2']], err('PORT', 'duplicate parameter')],
      [[['port', 'abc'], ['foo', 'bar']], "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"],
      [[['daemonize', 'yes'], ['foo', 'bar']], err('daemonize', "can't set immutable config")],
      [[['maxclients', '10'], ['daemonize', 'yes'], ['maxclients', '5']], err('daemonize', "can't set immutable config")],
      [[['loglevel', 'foo']], err('loglevel', 'argument(s) must be one of the following: debug, verbose, notice, warning')],
      [[['loglevel', 'notice warning']], err('loglevel', 'argument(s) must be one of the following: debug, verbose, notice, warning')],
      [[['maxmemory', '1x']], err('maxmemory', 'argument must be a memory value')],
      [[['maxmemory', '-1']], err('maxmemory', 'argument must be a memory value')],
      [[['maxmemory-clients', '200%']], err('maxmemory-clients', 'percentage argument must be less or equal to 100')],
      [[['timeout', '-1']], err('timeout', 'argument must be between 0 and 2147483647 inclusive')],
      [[['timeout', '9223372036854775808']], err('timeout', "argument couldn't be parsed into an integer")],
      [[['maxclients', '0']], err('maxclients', 'argument must be between 1 and 4294967295 inclusive')],
      [[['proto-max-bulk-len', '10']], err('proto-max-bulk-len', 'argument must be between 1048576 and 9223372036854775807 inclusive')],
      [[['hash-max-listpack-entries', '-1']], err('hash-max-listpack-entries', 'argument must be between 0 and 9223372036854775807 inclusive')],
      [[['protected-mode', 'true']], err('protected-mode', "argument must be 'yes' or 'no'")],
      [[['save', '1']], err('save', 'Invalid save parameters')],
      [[['save', '100  1']], err('save', 'Invalid save parameters')],
      [[['client-output-buffer-limit', 'foo 1 2 3']], err('client-output-buffer-limit', 'Invalid client class specified in buffer limit configuration.')],
      [[['client-output-buffer-limit', 'normal 1 2']], err('client-output-buffer-limit', 'Wrong number of arguments in buffer limit configuration.')],
      [[['notify-keyspace-events', 'K E']], err('notify-keyspace-events', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")],
      [[['oom-score-adj-values', '0  200 800']], err('oom-score-adj-values', 'wrong number of arguments')],
      [[['cluster-announce-hostname', 'a b']], err('cluster-announce-hostname', 'Hostnames may only contain alphanumeric characters, hyphens or dots')],
      [[['proc-title-template', '{title}']], err('proc-title-template', 'template format is invalid or contains unknown variables')],
      [[['shutdown-on-sigterm', 'save nosave']], err('shutdown-on-sigterm', "shutdown options SAVE and NOSAVE can't be used simultaneously")],
      [[['server-threads', '4']], err('server-threads', "can't set immutable config")],
      [[['maxmemory', '1GB']], null],
    ];
    for (const [pairs, want] of cases) expect(c.set(pairs), JSON.stringify(pairs)).toBe(want);
  });

  it('stores canonical values', () => {
    const c = loadConfig(undefined, []);
    const after = (name: string, v: string) => {
      expect(c.set([[name, v]])).toBeNull();
      return c.get(name);
    };
    expect(after('loglevel', 'WARNING')).toBe('warning');
    expect(after('maxmemory', '1gb')).toBe('1073741824');
    expect(after('maxmemory', '18446744073709551615kb')).toBe('18446744073709550592');
    expect(after('maxmemory-clients', '10%')).toBe('10%');
    expect(after('notify-keyspace-events', 'dn$gt')).toBe('g$tdn');
    expect(after('notify-keyspace-events', '$lshzxetdg')).toBe('A');
    expect(after('notify-keyspace-events', 'mKE')).toBe('KEm');
    expect(after('hz', '1000')).toBe('500');
    expect(after('hz', '0')).toBe('1');
    expect(after('repl-backlog-size', '1')).toBe('16384');
    expect(after('save', '')).toBe('');
    expect(after('save', '3600 1 300 100')).toBe('3600 1 300 100');
    expect(after('client-output-buffer-limit', 'replica 1mb 2mb 3')).toBe('normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60');
    expect(after('client-output-buffer-limit', 'pubsub 1 1 99999999999')).toBe('normal 0 0 0 slave 1048576 2097152 3 pubsub 1 1 1215752191');
    expect(after('latency-tracking-info-percentiles', '1e1 0.0000001 33.3333333')).toBe('10 0 33.333333');
    expect(after('latency-tracking-info-percentiles', '')).toBe('');
    expect(after('shutdown-on-sigint', 'default save')).toBe('save');
    expect(after('bind', '127.0.0.1 -::1')).toBe('127.0.0.1 -::1');
    expect(after('oom-score-adj', 'relative')).toBe('yes');
    // Alias and canonical name are separate entries: no duplicate error, the last wins.
    expect(c.set([['hash-max-ziplist-entries', '1'], ['hash-max-listpack-entries', '2']])).toBeNull();
    expect(c.get('hash-max-ziplist-entries')).toBe('2');
  });

  it('is atomic: one bad pair leaves everything unchanged', () => {
    const c = loadConfig(undefined, []);
    const before = c.snapshot();
    expect(c.set([['timeout', '5'], ['maxmemory', '1mb'], ['maxclients', 'abc']])).toBe(err('maxclients', "argument couldn't be parsed into an integer"));
    expect(c.snapshot()).toEqual(before);
    expect(c.set([['timeout', '5'], ['foo', 'bar']])).not.toBeNull();
    expect(c.snapshot()).toEqual(before);
  });

  it('rolls back when applying fails', () => {
    const c = loadConfig(undefined, []);
    const before = c.snapshot();
    let seen: Record<string, string> = {};
    const res = c.set([['port', '7777'], ['timeout', '3']], {
      apply: (changed) => {
        seen = changed;
        return { name: 'port', error: 'Unable to listen on this port. Check server logs.' };
      },
    });
    expect(seen).toEqual({ port: '7777', timeout: '3' });
    expect(res).toBe(err('port', 'Unable to listen on this port. Check server logs.'));
    expect(c.snapshot()).toEqual(before);
  });

  it('honours enable-protected-configs and loading', () => {
    const local = loadConfig(undefined, ['--enable-protected-configs', 'local']);
    expect(local.set([['dir', tmp]])).toBe(err('dir', "can't set protected config"));
    expect(local.set([['dir', tmp]], { localClient: true })).toBeNull();
    expect(local.get('dir')).toBe(fs.realpathSync(tmp));
    expect(local.set([['dir', '/nonexistent-dir']], { localClient: true })).toBe(err('dir', 'No such file or directory'));
    const yes = loadConfig(undefined, ['--enable-protected-configs', 'yes']);
    expect(yes.set([['dbfilename', 'a/b']])).toBe(err('dbfilename', "dbfilename can't be a path, just a filename"));
    expect(yes.set([['appendonly', 'yes']], { loading: true })).toBe('LOADING Redis is loading the dataset in memory');
  });
});

describe('CONFIG REWRITE', () => {
  it('fails without a config file', () => {
    expect(loadConfig(undefined, []).rewrite()).toBe('ERR The server is running without a config file');
  });

  it('keeps comments and order, replaces in place, appends the rest', () => {
    const f = writeConf(
      '# top comment\ndaemonize no\n\n\n# dup save\nsave 900 1\nsave 300 10\nslave-read-only yes\nmaxmemory 1mb\nhash-max-ziplist-entries 100\nloglevel notice\nbind 127.0.0.1\n# Generated by CONFIG REWRITE\ntimeout 0\nsave 60 10000\n',
    );
    const c = loadConfig(f, ['--port', '7000']);
    for (const p of [
      ['maxmemory', '3000000'],
      ['timeout', '5'],
      ['hz', '20'],
      ['slave-read-only', 'no'],
      ['notify-keyspace-events', 'KEA'],
      ['client-output-buffer-limit', 'pubsub 64mb 16mb 120'],
      ['maxmemory-clients', '5%'],
      ['hash-max-ziplist-entries', '512'],
      ['masterauth', 'p"w\\x'],
    ] as [string, string][]) {
      expect(c.set([p])).toBeNull();
    }
    // Lines edited by hand after start-up.
    const edited = fs
      .readFileSync(f, 'latin1')
      .replace(
        'loglevel notice',
        'loglevel notice\nbogus-directive 1\n  SLAVEOF "no" one\nlist-max-ziplist-entries 5\nfoo.bar 1\nport "unbalanced\ninclude /dev/null\nrename-command FOO ""\nsentinel x y\nloadmodule /x.so',
      );
    fs.writeFileSync(f, edited, 'latin1');
    expect(c.rewrite()).toBeNull();
    const dir = c.get('dir');
    expect(fs.readFileSync(f, 'latin1')).toBe(
      [
        '# top comment',
        'daemonize no',
        '',
        '# dup save',
        'save 900 1',
        'save 300 10',
        'replica-read-only no',
        'maxmemory 3000000',
        'hash-max-listpack-entries 512',
        'loglevel notice',
        '# ??? bogus-directive 1',
        '',
        '# ??? list-max-ziplist-entries 5',
        '# ??? foo.bar 1',
        '# ??? port "unbalanced',
        'include /dev/null',
        'rename-command FOO ""',
        'sentinel x y',
        '',
        'bind 127.0.0.1',
        '# Generated by CONFIG REWRITE',
        'timeout 5',
        'save 60 10000',
        '',
        'masterauth "p\\"w\\\\x"',
        'port 7000',
        'hz 20',
        'maxmemory-clients 5%',
        `dir "${dir}"`,
        'client-output-buffer-limit pubsub 64mb 16mb 120',
        'notify-keyspace-events "AKE"',
        'latency-tracking-info-percentiles 50 99 99.9',
        'user default on nopass ~* &* +@all',
        '',
      ].join('\n'),
    );
  });

  it('writes the minimal set for an empty file, then settles', () => {
    const f = writeConf('');
    const c = loadConfig(f, []);
    expect(c.rewrite()).toBeNull();
    const first = fs.readFileSync(f, 'latin1');
    expect(first).toBe(
      [
        '# Generated by CONFIG REWRITE',
        `dir "${c.get('dir')}"`,
        'save 3600 1',
        'save 300 100',
        'save 60 10000',
        'latency-tracking-info-percentiles 50 99 99.9',
        'user default on nopass ~* &* +@all',
        '',
      ].join('\n'),
    );
    // Like Redis, the next rewrite keeps the empty last line of the old file.
    expect(c.rewrite()).toBeNull();
    const second = fs.readFileSync(f, 'latin1');
    expect(second).toBe(first + '\n');
    expect(c.rewrite()).toBeNull();
    expect(fs.readFileSync(f, 'latin1')).toBe(second);
  });

  it('rewrites special directives like Redis', () => {
    const f = writeConf('save ""\nunixsocketperm 755\nenable-debug-command local\noom-score-adj-values 0 200 800\nbind * -::*\nport 1\nport 2\n');
    const c = loadConfig(f, ['--requirepass', 'secret']);
    for (const p of [
      ['oom-score-adj-values', '1 2 3'],
      ['shutdown-on-sigint', 'nosave now'],
      ['latency-tracking-info-percentiles', ''],
      ['proto-max-bulk-len', '3gb'],
      ['client-query-buffer-limit', '1025kb'],
      ['oom-score-adj', 'relative'],
      ['bind', '127.0.0.1 -::1'],
      ['replica-announce-ip', '1.2.3.4'],
    ] as [string, string][]) {
      expect(c.set([p])).toBeNull();
    }
    expect(c.rewrite()).toBeNull();
    expect(fs.readFileSync(f, 'latin1')).toBe(
      [
        'save ""',
        'unixsocketperm 755',
        'enable-debug-command local',
        'oom-score-adj-values 1 2 3',
        'bind 127.0.0.1 -::1',
        'port 2',
        '',
        '# Generated by CONFIG REWRITE',
        'replica-announce-ip "1.2.3.4"',
        'requirepass "secret"',
        'oom-score-adj yes',
        'shutdown-on-sigint nosave now',
        'proto-max-bulk-len 3gb',
        'client-query-buffer-limit 1025kb',
        `dir "${c.get('dir')}"`,
        'latency-tracking-info-percentiles ""',
        'user default on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~* &* +@all',
        '',
      ].join('\n'),
    );
  });

  it('drops default bind and empty replicaof, keeps user lines it cannot model', () => {
    const f = writeConf('bind * -::*\nslaveof no one\nuser alice on >pw ~* +get\nport 5\n');
    const c = loadConfig(f, []);
    expect(c.rewrite()).toBeNull();
    const text = fs.readFileSync(f, 'latin1');
    expect(text.startsWith('\nuser alice on >pw ~* +get\nport 5\n')).toBe(true);
    expect(text).not.toContain('bind');
    expect(text).not.toContain('slaveof');
    expect(text).not.toContain('user default');
  });

  it('uses the ACL hook for user lines when set', () => {
    const f = writeConf('user alice on\n');
    const c = loadConfig(f, []);
    c.aclUserLines = () => ['user default on nopass ~* &* +@all', 'user alice on resetchannels -@all'];
    expect(c.rewrite()).toBeNull();
    expect(fs.readFileSync(f, 'latin1').startsWith('user default on nopass ~* &* +@all\n')).toBe(true);
  });

  it('reports write errors', () => {
    const d = fs.mkdtempSync(path.join(tmp, 'ro-'));
    const f = path.join(d, 'x.conf');
    fs.writeFileSync(f, 'port 1\n');
    const c = loadConfig(f, []);
    fs.rmSync(d, { recursive: true });
    expect(c.rewrite()).toBe('ERR Rewriting config file: No such file or directory');
  });
});

describe('snapshots and accessors', () => {
  it('round-trips through a snapshot', () => {
    const c = loadText('rename-command DEBUG ""\nuser bob on\nport 7000\n', ['--save', '']);
    const s = c.snapshot();
    const w = Config.fromSnapshot(s, c.configFile);
    expect(w.snapshot()).toEqual(s);
    expect(w.configFile).toBe(c.configFile);
    expect(w.renamedCommands()).toEqual([['DEBUG', '']]);
    expect(w.userDirectives()).toEqual([['bob', 'on']]);
    w.applySnapshotValues({ port: '7001', 'slave-priority': '5', '@user': 'ignored' });
    expect(w.num('port')).toBe(7001);
    expect(w.get('replica-priority')).toBe('5');
  });

  it('gives typed values', () => {
    const c = loadConfig(undefined, ['--bind', '127.0.0.1', '-::1', '--databases', '4', '--lazyfree-lazy-expire', 'yes']);
    expect(c.num('databases')).toBe(4);
    expect(c.num('proto-max-bulk-len')).toBe(512 * 1024 * 1024);
    expect(c.bool('lazyfree-lazy-expire')).toBe(true);
    expect(c.bool('dynamic-hz')).toBe(true);
    expect(c.str('loglevel')).toBe('notice');
    expect(c.list('bind')).toEqual(['127.0.0.1', '-::1']);
    expect(c.list('save')).toEqual(['3600', '1', '300', '100', '60', '10000']);
    expect(() => c.num('nonexistent')).toThrow();
  });

  it('warns about settings whose feature is missing', () => {
    const c = loadConfig(undefined, ['--appendonly', 'yes', '--port', '7000', '--save', '', '--tls-port', '6380', '--loadmodule', '/x.so']);
    expect(c.unsupportedWarnings()).toEqual([
      "Directive 'appendonly' is set but AOF persistence is not supported yet; ignoring it.",
      "Directive 'tls-port' is set but TLS is not supported yet; ignoring it.",
      "Directive 'loadmodule' is set but modules is not supported yet; ignoring it.",
    ]);
    expect(loadConfig(undefined, []).unsupportedWarnings()).toEqual([]);
  });
});

describe('keydb.conf', () => {
  const file = path.join(root, 'keydb.conf');
  it('loads cleanly with the documented settings', () => {
    const c = loadConfig(file, []);
    expect(c.get('bind')).toBe('127.0.0.1 -::1');
    expect(c.get('port')).toBe('6379');
    expect(c.get('server-threads')).toBe('2');
    expect(c.get('databases')).toBe('16');
    expect(c.get('loglevel')).toBe('notice');
    expect(c.get('logfile')).toBe('');
    expect(c.get('save')).toBe('3600 1 300 100 60 10000');
    expect(c.unsupportedWarnings()).toEqual([]);
  });
  it('documents every directive', () => {
    const text = fs.readFileSync(file, 'latin1');
    for (const d of DIRECTIVES) {
      if (d.hidden) continue;
      expect(new RegExp(`^#? ?${d.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( |$)`, 'm').test(text), d.name).toBe(true);
    }
  });
});

// ---- differential checks against the real redis-server, when installed ----

const haveRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
const keydbOnly = new Set(DIRECTIVES.filter((d) => d.keydb || d.ours).flatMap((d) => [d.name, ...(d.aliases ?? [])]));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function redisCli(port: number, args: string[]): string {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'latin1' });
  return r.stdout;
}

describe.skipIf(!haveRedis)('against redis-server 7.0', () => {
  let port = 0;
  let proc: ReturnType<typeof spawn> | null = null;
  const dir = fs.mkdtempSync(path.join(tmp, 'redis-'));
  const conf = path.join(dir, 'r.conf');

  beforeAll(async () => {
    fs.writeFileSync(conf, '');
    port = await freePort();
    proc = spawn('redis-server', [conf, '--port', String(port), '--save', '', '--bind', '127.0.0.1'], { cwd: dir, stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (redisCli(port, ['ping']).trim() === 'PONG') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  });
  afterAll(() => {
    if (port) redisCli(port, ['shutdown', 'nosave']);
    proc?.kill();
  });

  it('CONFIG GET * has the same names and values', () => {
    const lines = redisCli(port, ['config', 'get', '*']).split('\n');
    const theirs: string[] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) theirs.push(`${lines[i]}=${lines[i + 1]}`);
    const prev = process.cwd();
    process.chdir(dir);
    let ours: string[];
    try {
      ours = loadConfig(conf, ['--port', String(port), '--save', '', '--bind', '127.0.0.1'])
        .getMatching(['*'])
        .filter(([k]) => !keydbOnly.has(k))
        .map(([k, v]) => `${k}=${v}`);
    } finally {
      process.chdir(prev);
    }
    expect(ours.sort()).toEqual(theirs.sort());
  });

  it('CONFIG SET errors match', () => {
    const c = loadConfig(undefined, ['--port', String(port), '--save', '']);
    const pairs: [string, string][] = [
      ['maxclients', 'abc'],
      ['maxmemory', '1t'],
      ['maxmemory-clients', '101%'],
      ['timeout', '01'],
      ['loglevel', 'loud'],
      ['appendfsync', 'x'],
      ['save', '1 2 3'],
      ['client-output-buffer-limit', 'normal 1 2 x'],
      ['oom-score-adj-values', '1 2 -3000'],
      ['notify-keyspace-events', 'KEQ'],
      ['latency-tracking-info-percentiles', '50 nan'],
      ['lua-time-limit', '-1'],
      ['unixsocketperm', '777'],
      ['nonexistent', '1'],
    ];
    for (const [k, v] of pairs) {
      const theirs = redisCli(port, ['config', 'set', k, v]).trim();
      expect(c.set([[k, v]]) ?? 'OK', `${k} ${v}`).toBe(theirs);
    }
  });

  it('CONFIG SET and GET agree on every directive for many values', async () => {
    const client = await RawClient.connect(port);
    const c = loadConfig(undefined, ['--port', String(port), '--save', '', '--bind', '127.0.0.1']);
    // Directives whose change would disturb the running reference server.
    const skip = new Set(['port', 'bind', 'requirepass', 'appendonly', 'maxclients', 'watchdog-period', 'dir', 'logfile', 'unixsocket', 'tls-port', 'tls-cluster', 'tls-replication']);
    const values = [
      'abc', '', '-1', '0', '1', '65536', 'yes', 'NO', 'true', '1k', '1kb', '1MB', '99999999999999999999', '-99999999999999999999',
      '10%', '200%', '0777', '999', '1 2', '1 2 3', 'normal 1 2 3', 'pubsub 1mb 2mb 3 replica 1 2 3', 'master 1 2 3', 'KEA', 'Kx$',
      'local', 'relative', 'nosave now', 'save nosave', 'allkeys-lru', 'swapdb', '50 99.9', '1e2', 'x/y', 'host.name-1', 'bad host',
      '{title}', '{port} x', 'no one', '01', '+1', ' 1', '3gb', '4294967296', '-2147483649', '100 1 0 5', '-2000 0 2000', 'nan', '0x1p3',
    ];
    const resp = (r: string | null) => (r === null ? '+OK\r\n' : `-${r}\r\n`);
    const bulk = (v: string) => `$${Buffer.byteLength(v, 'latin1')}\r\n${v}\r\n`;
    let compared = 0;
    try {
      for (const d of DIRECTIVES) {
        if (d.keydb || d.ours || skip.has(d.name)) continue;
        for (const name of [d.name, ...(d.aliases ?? [])]) {
          const orig = c.get(name)!;
          for (const v of values) {
            const theirs = (await client.command('config', 'set', name, v)) + (await client.command('config', 'get', name));
            await client.command('config', 'set', name, orig);
            const ours = resp(c.set([[name, v]])) + `*2\r\n${bulk(name)}${bulk(c.get(name)!)}`;
            c.set([[name, orig]]);
            expect(ours, `CONFIG SET ${name} ${JSON.stringify(v)}`).toBe(theirs);
            compared++;
          }
        }
      }
    } finally {
      client.close();
    }
    expect(compared).toBeGreaterThan(8000);
  });

  it('CONFIG REWRITE writes the same file', async () => {
    const client = await RawClient.connect(port);
    const ours = path.join(dir, 'ours.conf');
    const text = '# comment\nsave 900 1\nsave 300 10\nslave-read-only yes\nmaxmemory 1mb\nhash-max-ziplist-entries 100\n\n\nport 1\nport 2\n';
    fs.writeFileSync(conf, text);
    fs.writeFileSync(ours, text);
    const prev = process.cwd();
    process.chdir(dir);
    const c = loadConfig(ours, ['--port', String(port), '--save', '', '--bind', '127.0.0.1']);
    process.chdir(prev);
    const sets: [string, string][] = [
      ['maxmemory', '3000000'],
      ['slave-read-only', 'no'],
      ['notify-keyspace-events', 'KEA'],
      ['client-output-buffer-limit', 'pubsub 64mb 16mb 120'],
      ['maxmemory-clients', '5%'],
      ['hash-max-ziplist-entries', '512'],
      ['masterauth', 'a"b\\c\x01'],
      ['oom-score-adj-values', '1 2 3'],
      ['shutdown-on-sigint', 'nosave now'],
      ['latency-tracking-info-percentiles', ''],
      ['save', '100 1'],
    ];
    try {
      for (const p of sets) {
        expect(await client.command('config', 'set', ...p)).toBe('+OK\r\n');
        expect(c.set([p])).toBeNull();
      }
      expect(await client.command('config', 'rewrite')).toBe('+OK\r\n');
      expect(c.rewrite()).toBeNull();
      // Lines after the signature come in hash-table order in Redis: compare them sorted.
      const norm = (t: string) => {
        const i = t.indexOf('# Generated by CONFIG REWRITE');
        return i < 0 ? t : t.slice(0, i) + t.slice(i).split('\n').sort().join('\n');
      };
      expect(norm(fs.readFileSync(ours, 'latin1'))).toBe(norm(fs.readFileSync(conf, 'latin1')));
    } finally {
      client.close();
    }
  });

  it('fatal config errors match', () => {
    const cases: [string, string[]][] = [
      ['port "abc"\n', []],
      ['maxmemory 1x\n', []],
      ['\n\nloglevel notice warning\n', []],
      ['save 1\n', []],
      ['bogus 1\n', []],
      ['port 0\n', ['--maxmemory', 'x']],
      ['port 0', ['--timeout', '-5']],
      ['port 0\n', ['--hz', '1', '2']],
    ];
    for (const [text, argv] of cases) {
      const f = writeConf(text);
      const r = spawnSync('redis-server', [f, ...argv], { encoding: 'latin1', timeout: 3000 });
      const out = r.stderr + r.stdout;
      const theirs = out.slice(out.indexOf('\n*** FATAL'));
      expect(loadError(text, argv), JSON.stringify([text, argv])).toBe(theirs);
    }
  });
});
