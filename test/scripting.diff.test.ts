// Differential tests of scripting against redis-server 7.0: EVAL / EVALSHA /
// EVAL_RO / EVALSHA_RO, SCRIPT, FUNCTION, FCALL / FCALL_RO, the Lua
// environment (redis.*, globals protection, the cjson, cmsgpack, bit and
// struct libraries), conversions between Lua and RESP2 / RESP3 both ways,
// error texts with script line info, and number formatting. Our server runs
// 4 threads so scripts whose keys span shards take the cross-shard path.

import { describe, it, expect } from 'vitest';
import { useDiff, diffCase, compare, type Cmd } from './helpers/diff.ts';
import { RawClient } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';
import { encodeDump } from '../src/scripting/dump_format.ts';
import { infoCounters } from './helpers/info_counters.ts';

const THREADS = 4;
const env = useDiff({ threads: THREADS });

/** Two keys owned by different shards. */
function crossPair(prefix: string): [string, string] {
  const a = prefix + '0';
  for (let i = 1; ; i++) if (keyShard(prefix + i, THREADS) !== keyShard(a, THREADS)) return [a, prefix + i];
}
const [X1, X2] = crossPair('x');
const [Y1, Y2] = crossPair('y');

function ev(script: string, ...rest: string[]): Cmd {
  return ['EVAL', script, ...rest];
}

function ev0(script: string): Cmd {
  return ['EVAL', script, '0'];
}

/** HELLO's reply names the server and its version: not comparable. */
function helloNormalize(reply: string, cmd: Cmd): string {
  return String(cmd[0]).toUpperCase() === 'HELLO' ? '<hello>' : reply;
}

function resp3Case(name: string, cmds: Cmd[]): void {
  it(name, async () => {
    await compare([['HELLO', '3'], ...cmds], { normalize: helloNormalize });
  });
}

/** A case that starts from no scripts and no functions. */
function cleanCase(name: string, cmds: Cmd[], opts: { normalize?: (reply: string, cmd: Cmd) => string } = {}): void {
  diffCase(name, [['SCRIPT', 'FLUSH'], ['FUNCTION', 'FLUSH'], ...cmds], opts);
}

describe('key layout', () => {
  it('cross pairs live on different shards', () => {
    expect(keyShard(X1, THREADS)).not.toBe(keyShard(X2, THREADS));
    expect(keyShard(Y1, THREADS)).not.toBe(keyShard(Y2, THREADS));
  });
});

// ---- Lua -> RESP2 ------------------------------------------------------------------

describe('Lua values to RESP2', () => {
  diffCase('numbers truncate to integers', [
    ev0('return 1'), ev0('return 3.99'), ev0('return -3.99'), ev0('return -0.5'), ev0('return 0'), ev0('return 1e15'),
    ev0('return 9007199254740993'), ev0('return 2^63'), ev0('return 1e20'), ev0('return -1e20'), ev0('return 1/0'), ev0('return -1/0'), ev0('return 0/0'),
    ev0('return math.huge'), ev0('return 123456789012'), ev0('return -2147483649'),
  ]);
  diffCase('strings, booleans, nil', [
    ev0("return 'hello'"), ev0("return ''"), ev0('return true'), ev0('return false'), ev0('return nil'), ev0('return'),
    ev0("return '\\0\\1\\255'"), ev0("return string.rep('ab', 1000)"),
  ]);
  diffCase('tables stop at the first nil; nested tables; hash part ignored', [
    ev0("return {1,2,3.7,'x',nil,5}"), ev0('return {}'), ev0('return {nil, 1}'), ev0('return {1,{2,{3,{4}}},true,false}'),
    ev0("return {a=1, b=2}"), ev0("return {1, 2, a=3}"), ev0("local t = {} t[1] = 'a' t[3] = 'c' return t"),
    ev0("return {{}, {{}}, ''}"),
  ]);
  diffCase('status and error tables', [
    ev0("return {ok='FINE'}"), ev0("return {ok='a\\r\\nb'}"), ev0("return {err='bad thing'}"), ev0("return {err='a\\nb\\n'}"),
    ev0("return {err='MYCODE something'}"), ev0("return {ok='x', err='y'}"), ev0("return {ok=5}"), ev0("return {err=5}"),
    ev0("return redis.status_reply('PONG')"), ev0("return redis.error_reply('My err')"), ev0("return redis.error_reply('-My err')"),
    ev0("return redis.error_reply('x')"), ev0("return redis.error_reply('ERR\\r\\n')"), ev0('return redis.error_reply()'),
    ev0('return redis.error_reply(1)'), ev0('return redis.status_reply({})'), ev0('return {redis.error_reply("E1 x"), redis.status_reply("S")}'),
  ]);
  diffCase('RESP3-only shapes in a RESP2 connection', [
    ev0('return {double=3.5}'), ev0('return {double=1/0}'), ev0('return {double=-1/0}'), ev0("return {big_number='123456789012345678901234567890'}"),
    ev0("return {verbatim_string={format='txt', string='hello'}}"), ev0("return {map={a=1}}"), ev0("return {set={a=true}}"),
    ev0('redis.setresp(3) return true'), ev0('redis.setresp(3) return false'), ev0('redis.setresp(3) return nil'),
    ev0('return {double=0.1}'), ev0('return {double=1e300}'),
  ]);
});

// ---- RESP3 -------------------------------------------------------------------------

describe('RESP3', () => {
  resp3Case('Lua values to RESP3', [
    ev0('return 1'), ev0('return true'), ev0('return false'), ev0('return nil'), ev0("return 'x'"), ev0('return {1,2}'),
    ev0('return {double=3.5}'), ev0('return {double=-0.25}'), ev0('return {double=1/0}'), ev0("return {big_number='1234567890123456789012'}"),
    ev0("return {verbatim_string={format='txt', string='hello world'}}"), ev0("return {map={a=1}}"), ev0("return {set={x=true}}"),
    ev0('redis.setresp(3) return true'), ev0('redis.setresp(3) return false'), ev0("return {ok='OK'}"), ev0("return {err='ERR x'}"),
    ev0('return {1, {double=2.5}, {ok="s"}}'),
  ]);
  resp3Case('redis.call replies as Lua values (setresp 3)', [
    ['SET', 'k', 'v'], ['RPUSH', 'l', 'a', 'b'],
    ev0("redis.setresp(3) return redis.call('get', 'nokey')"), ev0("redis.setresp(3) return type(redis.call('get', 'nokey'))"),
    ev0("redis.setresp(3) return redis.call('get', 'k')"), ev0("redis.setresp(3) return redis.call('lrange', 'l', 0, -1)"),
    ev0("redis.setresp(3) local r = redis.call('hello') return type(r)"),
    ev0("return type(redis.call('get', 'nokey'))"), ev0("return tostring(redis.call('get', 'nokey'))"),
  ]);
  resp3Case('hash replies as maps', [
    ['HSET', 'h', 'f', 'v'],
    ev0("redis.setresp(3) local r = redis.call('hgetall', 'h') return r.map.f"),
    ev0("redis.setresp(3) return redis.call('hgetall', 'h')"),
    ev0("return redis.call('hgetall', 'h')"),
  ]);
  resp3Case('double replies as {double=...}', [
    ['ZADD', 'z', '1.5', 'm'],
    ev0("redis.setresp(3) local r = redis.call('zscore', 'z', 'm') return r.double * 2"),
    ev0("redis.setresp(3) return redis.call('zscore', 'z', 'm')"),
    ev0("return redis.call('zscore', 'z', 'm')"),
  ]);
  diffCase('setresp errors', [ev0('return redis.setresp(4)'), ev0('return redis.setresp()'), ev0('return redis.setresp(2, 3)'), ev0("return redis.setresp('3')")]);
});

// ---- RESP -> Lua ---------------------------------------------------------------------

describe('redis.call replies to Lua', () => {
  diffCase('integer, bulk, nil, status, array', [
    ['SET', 'k', '10'], ['RPUSH', 'l', 'a', 'b', 'c'],
    ev0("return type(redis.call('incr', 'k'))"), ev0("return redis.call('incr', 'k') + 0.5"), ev0("return redis.call('get', 'k')"),
    ev0("return type(redis.call('get', 'nokey'))"), ev0("return redis.call('get', 'nokey') == false"), ev0("return redis.call('set', 'k2', 'x').ok"),
    ev0("return type(redis.call('set', 'k2', 'x'))"), ev0("local r = redis.call('lrange', 'l', 0, -1) return #r"), ev0("return redis.call('lrange', 'l', 0, -1)"),
    ev0("return redis.call('ping')"), ev0("return redis.call('ping', 'hi')"), ev0("return redis.call('echo', 'hi')"),
  ]);
  diffCase('arguments: numbers use %.17g, strings are binary safe', [
    ev0("redis.call('set', 'n', 1.5) return redis.call('get', 'n')"), ev0("redis.call('set', 'n', 0.1) return redis.call('get', 'n')"),
    ev0("redis.call('set', 'n', 1e20) return redis.call('get', 'n')"), ev0("redis.call('set', 'n', -0) return redis.call('get', 'n')"),
    ev0("redis.call('set', 'n', 3) return redis.call('get', 'n')"), ev0("redis.call('set', 'n', 2^53+1) return redis.call('get', 'n')"),
    ev0("redis.call('set', 'n', 1/3) return redis.call('get', 'n')"), ev0("redis.call('set', 'b', '\\0a\\255') return redis.call('strlen', 'b')"),
    ev0("redis.call('set', 'n', 1/0) return redis.call('get', 'n')"),
  ]);
  diffCase('argument errors', [
    ev0('return redis.call()'), ev0('return redis.pcall()'), ev0('return redis.call({})'), ev0("return redis.call('get', {})"),
    ev0("return redis.call('get', nil)"), ev0("return redis.call('get', true)"), ev0("return redis.pcall('get', true)"),
    ['EVAL', "#!lua\nreturn redis.call('get',KEYS[1])", '0'],
  ]);
  diffCase('command errors: call raises, pcall returns', [
    ['SET', 's', 'abc'],
    ev0("return redis.call('incr', 's')"), ev0("return redis.pcall('incr', 's')"), ev0("return {redis.pcall('incr', 's')}"),
    ev0("local e = redis.pcall('incr', 's') return e.err"), ev0("local ok, e = pcall(redis.call, 'incr', 's') return {tostring(ok), type(e), e}"),
    ev0("local e = redis.pcall('incr', 's') local t = {} for k, v in pairs(e) do table.insert(t, k .. '=' .. tostring(v)) end table.sort(t) return t"),
    ev0("return redis.call('nosuchcommand')"), ev0("return redis.pcall('nosuchcommand')"), ev0("return redis.call('get')"), ev0("return redis.pcall('get')"),
    ev0("return redis.call('get', 'a', 'b')"), ev0("return redis.call('lpush', 's', 'x')"), ev0("return redis.pcall('lpush', 's', 'x')"),
  ]);
  diffCase('commands not allowed from scripts', [
    ev0("return redis.call('eval', 'return 1', 0)"), ev0("return redis.call('multi')"),
    ev0("return redis.call('script', 'load', 'return 1')"), ev0("return redis.call('function', 'list')"), ev0("return redis.call('watch', 'x')"),
    ev0("return redis.pcall('eval', 'return 1', 0)"),
  ]);
  diffCase('SELECT inside a script', [
    ['SET', 'k', 'db0'], ev0("redis.call('select', 1) redis.call('set', 'k', 'db1') return redis.call('get', 'k')"), ['GET', 'k'],
    ['SELECT', '1'], ['GET', 'k'], ['SELECT', '0'], ev0("return redis.call('select', 99)"), ev0("return redis.pcall('select', 'x')"),
  ]);
});

// ---- EVAL / EVALSHA / SCRIPT ------------------------------------------------------------

describe('EVAL and the script cache', () => {
  cleanCase('KEYS and ARGV', [
    ev('return KEYS', '2', 'a', 'b', 'c'), ev('return ARGV', '2', 'a', 'b', 'c'), ev('return {#KEYS, #ARGV}', '0'), ev('return {#KEYS, #ARGV}', '1', 'k'),
    ev("KEYS[1] = 'x' return KEYS", '1', 'a'), ev('return KEYS[1]', '1', '\x00bin'),
  ]);
  cleanCase('numkeys errors', [
    ev('return 1', '-1'), ev('return 1', '2', 'a'), ev('return 1', 'x'), ev('return 1', '1.5'), ev('return 1', ''), ['EVAL', 'return 1'], ['EVAL'],
    ev('return 1', '99999999999999999999'),
  ]);
  cleanCase('EVALSHA, SCRIPT LOAD, SCRIPT EXISTS, NOSCRIPT', [
    ['SCRIPT', 'LOAD', 'return 1'], ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'], ['EVALSHA', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB', '0'],
    ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'ffffffffffffffffffffffffffffffffffffffff', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB'],
    ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'], ['EVALSHA', 'abc', '0'], ['EVALSHA', '', '0'],
    ev0('return 2'), ['EVALSHA', '7f923f79fe76194c868d7e1d0820de36700eb649', '0'], ['SCRIPT', 'EXISTS', '7f923f79fe76194c868d7e1d0820de36700eb649'],
    ['SCRIPT', 'LOAD', 'return 1 +'], ['SCRIPT', 'LOAD'], ['SCRIPT', 'LOAD', 'a', 'b'], ['SCRIPT', 'EXISTS'],
    ['SCRIPT', 'FLUSH'], ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'], ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'],
    ['SCRIPT', 'FLUSH', 'ASYNC'], ['SCRIPT', 'FLUSH', 'sync'], ['SCRIPT', 'FLUSH', 'bad'], ['SCRIPT', 'FLUSH', 'SYNC', 'x'],
    ['EVALSHA_RO', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'], ['SCRIPT', 'LOAD', 'return 1'], ['EVALSHA_RO', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
  ]);
  it('a script loaded on one connection runs by sha on every other (any thread)', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(env.ours!.port)));
    try {
      const sha = (await clients[0].command('SCRIPT', 'LOAD', "return 'shared ' .. ARGV[1]")).split('\r\n')[1];
      for (const c of clients) expect(await c.command('EVALSHA', sha, '0', 'x')).toBe('$8\r\nshared x\r\n');
      // EVAL with a body on one connection, EVALSHA (keys on every shard) on the others.
      const r = await clients[1].command('EVAL', "return 'body ' .. KEYS[1]", '1', 'k');
      expect(r).toBe('$6\r\nbody k\r\n');
      const sha2 = (await clients[1].command('EVAL', 'return redis.sha1hex("return \'body \' .. KEYS[1]")', '0')).split('\r\n')[1];
      for (const c of clients) for (const k of ['a', 'b', 'c', 'd', X1, X2]) expect(await c.command('EVALSHA', sha2, '1', k)).toBe(`$${5 + k.length}\r\nbody ${k}\r\n`);
      await clients[2].command('SCRIPT', 'FLUSH');
      for (const c of clients) expect(await c.command('EVALSHA', sha2, '1', 'a')).toBe('-NOSCRIPT No matching script. Please use EVAL.\r\n');
    } finally {
      for (const c of clients) c.close();
    }
  });
  cleanCase('SCRIPT HELP, KILL with nothing running, unknown subcommand', [
    ['SCRIPT', 'HELP'], ['SCRIPT', 'KILL'], ['FUNCTION', 'KILL'], ['SCRIPT', 'KILL', 'x'], ['SCRIPT', 'NOPE'], ['SCRIPT'], ['script', 'help'],
  ]);
  cleanCase('shebang flags', [
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set','a','1')", '1', 'a'], ['EVAL', "#!lua\nreturn redis.call('set','a','1')", '1', 'a'],
    ['EVAL', "#!lua flags=no-writes,allow-oom\nreturn 1", '0'], ['EVAL', '#!lua flags=\nreturn 1', '0'], ['EVAL', '#!lua  flags=no-writes\nreturn 1', '0'],
    ['EVAL', '#!lua flags=foo\nreturn 1', '0'], ['EVAL', '#!luax\nreturn 1', '0'], ['EVAL', '#!lua x=y\nreturn 1', '0'], ['EVAL', '#!lua', '0'],
    ['EVAL', '#! lua\nreturn 1', '0'], ['EVAL', '#!\nreturn 1', '0'], ['EVAL', '#!lua flags=no-writes,,allow-oom\nreturn 1', '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get','a')", '1', 'a'], ['EVAL', '#!lua\nerror("x")', '0'], ['EVAL', '#!lua\n\nreturn x', '0'],
    ['EVAL', "#!lua flags=allow-cross-slot-keys,no-cluster,allow-stale\nreturn 1", '0'], ['EVAL', "#!lua flags=No-Writes\nreturn 1", '0'],
  ]);
  cleanCase('EVAL_RO', [
    ['SET', 'a', '1'], ['EVAL_RO', "return redis.call('get',KEYS[1])", '1', 'a'], ['EVAL_RO', "return redis.call('set',KEYS[1],'x')", '1', 'a'],
    ['EVAL_RO', "return redis.pcall('set',KEYS[1],'x')", '1', 'a'], ['EVAL_RO', "#!lua\nreturn 1", '0'], ['EVAL_RO', '#!lua flags=no-writes\nreturn 1', '0'],
    ['EVAL_RO', "return redis.call('del','a')", '0'], ['GET', 'a'],
  ]);
});

// ---- errors ------------------------------------------------------------------------------

describe('errors with script line info', () => {
  diffCase('compile errors', [
    ev0('return 1 +'), ev0('return ('), ev0('end'), ev0('x = = 2'), ev0('return 1 --[[ x'), ev0("return 'unfinished"),
    ev0('local function f() return 1'), ev0('\n\n\nreturn +'),
  ]);
  diffCase('runtime errors', [
    ev0("error('x')"), ev0('error(123)'), ev0("error({err='XX custom'})"), ev0("error('a\\nb')"), ev0('local t = {} t[nil] = 1'),
    ev0('local x = nil; return x.y'), ev0('return #nil'), ev0("return ('a') + 1"), ev0('\nlocal a = 1\nerror("line three")'),
    ev0("local function f() error('deep') end local function g() f() end g()"), ev0("error('x', 0)"), ev0("error('x', 2)"),
    ev0("assert(false)"), ev0("assert(false, 'msg')"), ev0("assert(nil, 42)"), ev0('return nil .. "x"'), ev0('return {} < {}'),
    ev0('local f = nil; f()'), ev0('return string.rep()'), ev0('return math.floor("x")'), ev0("return tonumber('x') + 1"),
  ]);
  diffCase('global variable protection', [
    ev0('x = 1'), ev0('return x'), ev0("rawset(_G,'a',1)"), ev0('setmetatable(_G, nil)'), ev0('string.foo = 1'),
    ev0('table.insert(string, 1) return 1'), ev0("local t = string \n t.x = 1"), ev0('setmetatable(string, {})'),
    ev0("getmetatable('').__index.upper = nil return 1"), ev0("getmetatable('').foo = 1 return 1"), ev0("return rawget(_G, 'nope')"),
    ev0("return rawget(_G, 'KEYS') == KEYS"), ev0("local f = loadstring('x = 5') f() return 1"), ev0("local f = loadstring('return y') return f()"),
    ev0('return type(debug)'), ev0('return type(print)'), ev0('return type(os)'), ev0('return type(require)'), ev0('return type(dofile)'),
    ev0('return type(loadfile)'), ev0('return type(setfenv)'), ev0('return type(getfenv)'), ev0('return type(newproxy)'), ev0('return type(io)'),
    ev0('return type(__redis__err__handler)'), ev0("redis.call = nil"), ev0('cjson.encode = nil'), ev0('math.pi = 3'), ev0('_G.redis = 1'),
    ev0('local ok, e = pcall(function() q = 1 end) return e'), ev0('local ok, e = pcall(function() return nope end) return e'),
    ev0('return coroutine.resume(coroutine.create(function() z = 1 end))'),
    ev0('local ok, e = coroutine.resume(coroutine.create(function() z = 1 end)) return e'), ev0('_G[1] = 2'), ev0('return _G[1]'),
    ev0('table.remove(string)'), ev0("rawset(string, 'upper', 1)"), ev0('return type(getmetatable(_G))'),
  ]);
  diffCase('the global environment', [
    ev0('local t = {} for k, v in pairs(_G) do table.insert(t, k) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(redis) do table.insert(t, k) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(string) do table.insert(t, k) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(math) do table.insert(t, k) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(table) do table.insert(t, k) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(cjson) do table.insert(t, k .. "=" .. type(v)) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(cmsgpack) do table.insert(t, k .. "=" .. type(v)) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(struct) do table.insert(t, k .. "=" .. type(v)) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(bit) do table.insert(t, k .. "=" .. type(v)) end table.sort(t) return t'),
    ev0('local t = {} for k, v in pairs(coroutine) do table.insert(t, k) end table.sort(t) return t'),
    ev0('return _VERSION'), ev0('return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}'), ev0('return cjson._VERSION'),
    ev0('return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL, redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}'),
    ev0('return next(string) ~= nil'), ev0("return ('abc'):upper()"), ev0('return rawequal(_G, _G)'), ev0('return select("#", ...)'),
  ]);
  diffCase('redis.* helpers', [
    ev0("return redis.sha1hex('')"), ev0("return redis.sha1hex('abc')"), ev0('return redis.sha1hex(1)'), ev0('return redis.sha1hex({})'), ev0('return redis.sha1hex()'),
    ev0('return redis.sha1hex("a", "b")'), ev0("return redis.log(redis.LOG_WARNING, 'from a script', 1)"), ev0("return redis.log('x')"), ev0("return redis.log('x', 2)"),
    ev0('return redis.log(9, 2)'), ev0('return redis.breakpoint()'), ev0("return redis.debug('x')"), ev0('return redis.replicate_commands()'),
    ev0('return redis.set_repl(redis.REPL_ALL)'), ev0('return redis.set_repl(9)'), ev0('return redis.set_repl()'),
    ev0("return redis.acl_check_cmd('get', 'x')"), ev0("return redis.acl_check_cmd('nope')"), ev0('return redis.acl_check_cmd()'),
  ]);
});

// ---- Lua language and libraries ---------------------------------------------------------------

describe('Lua 5.1 and its libraries', () => {
  diffCase('number formatting', [
    ev0('return tostring(12345678901234567)'), ev0('return tostring(0.1+0.2)'), ev0('return 1 .. ""'), ev0('return 1e100 .. ""'),
    ev0('return tostring(-0)'), ev0('return tostring(2^53)'), ev0('return tostring(1/0)'), ev0('return tostring(-1/0)'), ev0('return tostring(3.0)'),
    ev0('return tostring(1e15)'), ev0('return tostring(1e16)'), ev0('return tostring(123.456)'), ev0("return string.format('%d %5.2f %q %s %x %g', 42, 3.14159, 'a\\nb', 'x', 255, 1e20)"),
    ev0("return string.format('%.17g', 0.1)"), ev0("return tonumber('0x10')"), ev0("return tonumber('  10  ')"), ev0("return tonumber('1e2')"),
    ev0("return tonumber('z', 36)"), ev0('return 7 % 3'), ev0('return -7 % 3'), ev0('return 2^10'), ev0('return math.floor(-3.5)'),
    ev0('return math.fmod(7, 3)'), ev0('return math.max(1, 5, 3)'), ev0("return tostring(math.pi)"), ev0('return math.abs(-2^31)'),
  ]);
  diffCase('strings, tables, unpack, loadstring', [
    ev0('return table.getn({1,2,3})'), ev0('return unpack({1,2,3})'), ev0('return {unpack({1,2,3})}'), ev0("return loadstring('return 5')()"),
    ev0('return select("#", 1, 2, 3)'), ev0("return string.rep('ab', 3)"), ev0("return string.rep('x', -1)"), ev0("return string.byte('A')"),
    ev0("return string.char(72, 105)"), ev0("return string.sub('hello', 2, -2)"), ev0("return string.find('hello', 'l+')"), ev0("return {string.find('hello', 'l+')}"),
    ev0("return string.gsub('hello world', 'o', '0')"), ev0("return {string.gsub('hello world', '(o)', '[%1]')}"), ev0("return string.match('key:123', '%d+')"),
    ev0("local t = {} for w in string.gmatch('a b c', '%a') do table.insert(t, w) end return t"), ev0("return table.concat({1, 2, 'x'}, ',')"),
    ev0("local t = {3, 1, 2} table.sort(t) return t"), ev0("local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end) return t"),
    ev0("local t = {1, 2, 3} table.remove(t, 1) return t"), ev0("local t = {1, 2} table.insert(t, 1, 0) return t"), ev0('return #"\\0\\0"'),
    ev0("return string.len(string.format('%5s', 'a'))"), ev0("return ('%d'):format(3)"), ev0("return string.upper('\\228')"),
    ev0('return coroutine.wrap(function() coroutine.yield(7) end)()'), ev0("return {pcall(error, 'hi')}"), ev0('return {pcall(error, {x=1})}'),
    ev0("return {xpcall(function() error('e') end, function(m) return 'handled: ' .. m end)}"), ev0('return type(gcinfo())'),
    ev0("return type(collectgarbage('count'))"), ev0("return loadstring('syntax error here') == nil"), ev0("return {loadstring('syntax error here')}"),
    ev0("local f = load(function() return nil end) return type(f)"), ev0('return math.randomseed(42)'), ev0('math.randomseed(42) return tostring(math.random())'),
    ev0('math.randomseed(7) return {math.random(10), math.random(5, 8), math.random(100)}'), ev0('return math.random(0)'), ev0('return math.random(3, 1)'),
    ev0('return math.random(1, 2, 3)'),
  ]);
  diffCase('cjson', [
    ev0("return cjson.encode({1,2,3.5,'x',{a=1},true,false,cjson.null})"), ev0('return cjson.encode({[1]=1,[3]=3})'), ev0('return cjson.encode({[1]=1,[30]=3})'),
    ev0('return cjson.encode(0.1)'), ev0('return cjson.encode(1e300)'), ev0('return cjson.encode(12345678901234567)'), ev0('return cjson.encode(function() end)'),
    ev0("return cjson.decode('[1,2,{\"a\":3}]')[3].a"), ev0("return cjson.decode('bad')"), ev0("return cjson.encode('\\0\\1/\\\\\"')"), ev0('return cjson.encode({})'),
    ev0("return cjson.encode({a={b={c={}}}})"), ev0("return cjson.decode('{\"a\":[1,2,3]}').a"), ev0("return cjson.decode('\"\\\\u00e9\"')"),
    ev0("return type(cjson.decode('null'))"), ev0("return cjson.decode('null') == cjson.null"), ev0("return cjson.decode('123456789012345678')"),
    ev0("return tostring(cjson.decode('1.5'))"), ev0("return cjson.decode('[true,false]')"), ev0("return cjson.encode(cjson.decode('{\"x\":1}'))"),
    ev0('return cjson.encode(1/0)'), ev0("return cjson.decode('[1,2')"), ev0("return cjson.encode({1, nil, 3})"), ev0("return cjson.encode({[0]=1})"),
    ev0("local t = {} t.self = t return cjson.encode(t)"), ev0('return cjson.encode_keep_buffer(false)'), ev0('return cjson.encode_max_depth(3)'),
  ]);
  diffCase('cmsgpack', [
    ev0('return cmsgpack.pack({1,2,3})'), ev0("return cmsgpack.pack(string.rep('x',40))"), ev0("return cmsgpack.pack(string.rep('x',300))"),
    ev0('return cmsgpack.pack(1.5, -1, -33, 300, 70000, 5000000000, 0.1, true, false, nil)'), ev0('return cmsgpack.pack(-129, -32769, -2147483649, 127, 128, 255, 256, 65535, 65536, 4294967296)'),
    ev0("return cmsgpack.pack({a=1})"), ev0('return cmsgpack.pack({})'), ev0("return cmsgpack.pack({1, 2, {3, {4, {5}}}})"),
    ev0('return {cmsgpack.unpack_one(cmsgpack.pack(1,2))}'), ev0("return {cmsgpack.unpack(cmsgpack.pack(1,'a',{x=1}))}"), ev0("return cmsgpack.unpack('\\196')"),
    ev0("return cmsgpack.unpack('\\193')"), ev0('return cmsgpack.pack()'), ev0('return {cmsgpack.unpack(cmsgpack.pack(1, 2, 3))}'),
    ev0('return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}'), ev0('return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)}'),
    ev0("local t = cmsgpack.unpack(cmsgpack.pack({x = 'y', n = 3})) return {t.x, t.n}"), ev0('return cmsgpack.unpack(cmsgpack.pack(3.25)) * 4'),
    ev0('return tostring(cmsgpack.unpack(cmsgpack.pack(0.1)))'), ev0("return cmsgpack.pack(string.rep('y', 70000)):len()"),
    ev0('local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.pack(t)'), ev0('local t = {} for i = 1, 20 do t["k" .. i] = i end return #cmsgpack.pack(t)'),
    ev0('local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)'), ev0("return {cmsgpack.unpack_one(cmsgpack.pack(1,2), 1)}"),
    ev0("return {cmsgpack.unpack_one(cmsgpack.pack(1,2), 5)}"), ev0("return cmsgpack.unpack('\\217')"),
  ]);
  diffCase('bit', [
    ev0('return bit.tohex(bit.bxor(0xff, 0x0f))'), ev0('return bit.band(-1, 0xffffffff)'), ev0('return bit.bor(1, 2, 4)'), ev0('return bit.lshift(1, 31)'),
    ev0('return bit.rshift(-1, 28)'), ev0('return bit.arshift(-256, 4)'), ev0('return bit.bnot(0)'), ev0('return bit.rol(0x12345678, 8)'),
    ev0('return bit.bswap(0x12345678)'), ev0('return bit.tobit(2^32 + 5)'), ev0('return bit.tohex(255, -4)'), ev0('return bit.tohex(-1)'),
  ]);
  diffCase('struct', [
    ev0("return struct.pack('>I2i4', 258, -2)"), ev0("return {struct.unpack('>I2i4', struct.pack('>I2i4', 258, -2))}"), ev0("return struct.size('i4d')"),
    ev0("return struct.pack('<h', -2)"), ev0("return struct.pack('>l', 1)"), ev0("return struct.pack('B', 255)"), ev0("return struct.pack('b', -1)"),
    ev0("return struct.pack('s', 'abc')"), ev0("return struct.pack('c5', 'abc')"), ev0("return struct.pack('c0', 'abc')"), ev0("return {struct.unpack('s', 'ab\\0cd')}"),
    ev0("return {struct.unpack('c2c1', 'abc')}"), ev0("return {struct.unpack('>I4', '\\0\\0\\1\\0')}"), ev0("return {struct.unpack('<i2', '\\254\\255')}"),
    ev0("return {struct.unpack('Bc0', '\\3abcd')}"), ev0("return struct.pack('!4 b i4', 1, 2)"), ev0("return struct.size('!4 b i4')"), ev0("return struct.size('!8 b d')"),
    ev0("return struct.pack('>d', 1.5)"), ev0("return struct.pack('<f', 0.5)"), ev0("return {struct.unpack('>d', struct.pack('>d', 0.1))}"),
    ev0("return struct.pack('x')"), ev0("return struct.pack('q', 1)"), ev0("return struct.size('s')"), ev0("return struct.size('c0')"),
    ev0("return struct.pack('i40', 1)"), ev0("return {struct.unpack('I2', 'a')}"), ev0("return {struct.unpack('i4', 'abcdxx', 3)}"),
    ev0("return {struct.unpack('i4', 'abcd', 0)}"), ev0("return struct.pack('>i3', -2)"), ev0("return {struct.unpack('>i3', '\\255\\255\\254')}"),
    ev0("return struct.pack('c3', 'ab')"), ev0("return {struct.unpack('s', 'abc')}"), ev0("return {struct.unpack('c0', 'abc')}"), ev0("return struct.pack('!3')"),
  ]);
});

// ---- cross-shard scripts ------------------------------------------------------------------------

describe('scripts across shards', () => {
  diffCase('declared keys on different shards', [
    ['SET', X1, '10'], ['SET', X2, '20'],
    ['EVAL', "local a = redis.call('get', KEYS[1]) local b = redis.call('get', KEYS[2]) redis.call('set', KEYS[1], b) redis.call('set', KEYS[2], a) return {a, b}", '2', X1, X2],
    ['MGET', X1, X2],
    ['EVAL', "return redis.call('incrby', KEYS[1], 5) + redis.call('incrby', KEYS[2], 7)", '2', X1, X2], ['MGET', X1, X2],
  ]);
  diffCase('undeclared keys and multi-key commands spanning shards', [
    ev0(`redis.call('set', '${Y1}', 'a') redis.call('set', '${Y2}', 'b') return redis.call('mget', '${Y1}', '${Y2}', 'nokey')`),
    ev0(`return redis.call('exists', '${Y1}', '${Y2}', 'nokey')`), ev0(`return redis.call('del', '${Y1}', '${Y2}', 'nokey')`),
    ev0(`redis.call('mset', '${Y1}', '1', '${Y2}', '2', 'other', '3') return redis.call('mget', '${Y1}', '${Y2}', 'other')`),
    ev0("redis.call('set', 'a', 1) redis.call('set', 'b', 2) redis.call('set', 'c', 3) return redis.call('dbsize')"),
    ev0("local k = redis.call('keys', '*') table.sort(k) return k"), ev0("return redis.call('flushdb')"), ev0("return redis.call('dbsize')"),
    ev0("return redis.call('randomkey')"), ev0("redis.call('set', 'only', 1) return redis.call('randomkey')"),
    ev('return redis.call("get", KEYS[1])', '1', X2), ev(`return redis.call("get", "${X2}")`, '1', X1),
    ev0(`return redis.call('mset', '${Y1}', '1', '${Y2}')`), ev0("return redis.call('flushall', 'bad')"),
  ]);
  diffCase('errors inside cross-shard scripts', [
    ['SET', X1, 'notanumber'],
    ['EVAL', "return redis.call('incr', KEYS[1])", '2', X1, X2], ['EVAL', "return redis.pcall('incr', KEYS[1])", '2', X1, X2],
    ['EVAL', "redis.call('set', KEYS[2], 'written') return redis.call('incr', KEYS[1])", '2', X1, X2], ['GET', X2],
    ['EVAL_RO', "return redis.call('set', KEYS[2], 'x')", '2', X1, X2], ['EVAL', 'error("boom")', '2', X1, X2],
  ]);
});

// ---- INFO counters ------------------------------------------------------------------------------

/**
 * What a script's commands count in INFO, as Redis counts them: each
 * redis.call once (its calls, its failure, its error in errorstats, wherever
 * its keys live), a refused call as rejected, and the script's own error
 * reply not a second time when it passes on a redis.call's error.
 */
describe('INFO counters after scripts', () => {
  const report: Cmd[] = [['INFO', 'commandstats'], ['INFO', 'errorstats']];
  const counted = (name: string, cmds: Cmd[]): void => diffCase(name, [['CONFIG', 'RESETSTAT'], ...cmds, ...report], { normalize: infoCounters });
  counted('errors of redis.call and pcall', [
    ['SET', X1, 'str'], ['LPUSH', Y1, 'x'], ['CONFIG', 'RESETSTAT'],
    ev("return redis.pcall('incr', KEYS[1])", '1', X1), ev("return redis.call('incr', KEYS[1])", '1', X1),
    ev("redis.pcall('incr', KEYS[1]) return 1", '1', X1), ev("return redis.pcall('get', KEYS[1])", '1', Y1),
    ev("local t = redis.pcall('incr', KEYS[1]) return {t}", '1', X1), ev("local t = redis.pcall('incr', KEYS[1]) return redis.error_reply(t.err)", '1', X1),
    ev("local ok, e = pcall(redis.call, 'incr', KEYS[1]) return e", '1', X1), ev("local ok, e = pcall(redis.call, 'incr', KEYS[1]) error(e)", '1', X1),
  ]);
  counted("the script's own errors", [
    ev0("return redis.error_reply('MY own')"), ev0("return {err='FOO bar'}"), ev0("return {err='NOSPACE'}"),
    ev0("return {err='ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 long code'}"), ev0("return {1, redis.error_reply('XY nested')}"), ev0('error("boom")'),
  ]);
  counted('refused calls', [
    ev0("return redis.pcall('nosuchcommand')"), ev0("return redis.pcall('get')"), ev0("return redis.pcall('multi')"),
    ['EVAL_RO', "return redis.pcall('set', KEYS[1], 'x')", '1', X1], ev0("return redis.call('select', 99)"),
    ev("redis.call('select', 1) return redis.call('get', KEYS[1])", '1', X1),
  ]);
  counted('calls on other shards and split over shards', [
    ['EVAL', "redis.call('set', KEYS[1], '1') return redis.call('set', KEYS[2], '2')", '2', X1, X2],
    ['EVAL', "redis.call('set', KEYS[2], '1') return redis.call('set', KEYS[1], '2')", '2', X1, X2],
    ['EVAL', "return redis.call('mset', KEYS[1], 1, KEYS[2], 2)", '2', Y1, Y2], ['EVAL', "return redis.call('mget', KEYS[1], KEYS[2])", '2', Y1, Y2],
    ['EVAL', "return redis.call('del', KEYS[1], KEYS[2])", '2', Y1, Y2], ['EVAL', "return redis.pcall('lpush', KEYS[2], 'x')", '2', X1, X2],
    ['EVAL', "return redis.pcall('lpush', KEYS[1], 'x')", '2', X1, X2],
    ev0(`return redis.call('exists', '${Y1}', '${Y2}', 'nokey')`), ev0("return redis.call('dbsize')"), ev0("return #redis.call('keys', '*')"),
  ]);
});

// ---- FUNCTION / FCALL ----------------------------------------------------------------------------

const LIB1 = '#!lua name=mylib\nredis.register_function("f1", function(keys, args) return {keys, args} end)';
const LIB2 =
  "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, flags={'no-writes'}, description='desc two'}";
const LIB3 = "#!lua name=lib3\nredis.register_function('f3', function(keys, args) return redis.call('set', keys[1], args[1]) end)";

describe('functions', () => {
  cleanCase('load, fcall, list, delete', [
    ['FUNCTION', 'LOAD', LIB1], ['FCALL', 'f1', '2', 'a', 'b', 'c'], ['FCALL', 'F1', '0'], ['FCALL_RO', 'f1', '0'], ['FCALL', 'nope', '0'],
    ['FUNCTION', 'LIST'], ['FUNCTION', 'LIST', 'WITHCODE'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'my*'], ['FUNCTION', 'LIST', 'libraryname', 'zz'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME'], ['FUNCTION', 'LIST', 'bad'], ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
    ['FUNCTION', 'LOAD', LIB1], ['FUNCTION', 'LOAD', 'REPLACE', LIB1], ['FUNCTION', 'LOAD', 'replace', 'replace', LIB1], ['FUNCTION', 'LOAD', 'bad', LIB1],
    ['FUNCTION', 'LOAD', 'REPLACE'], ['FUNCTION', 'DELETE', 'nope'], ['FUNCTION', 'DELETE', 'mylib'], ['FCALL', 'f1', '0'], ['FUNCTION', 'LIST'],
  ]);
  cleanCase('flags, FCALL_RO, descriptions', [
    ['FUNCTION', 'LOAD', LIB2], ['FUNCTION', 'LOAD', LIB3], ['FCALL', 'f2', '1', 'a', 'v'], ['FCALL_RO', 'f2', '1', 'a', 'v'], ['FCALL_RO', 'f3', '1', 'a', 'v'],
    ['FCALL', 'f3', '1', 'a', 'v'], ['GET', 'a'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'lib2'],
    ['FUNCTION', 'LOAD', "#!lua name=fl\nredis.register_function{function_name='g1', callback=function() return 1 end, flags={'allow-cross-slot-keys', 'no-cluster', 'allow-stale', 'allow-oom', 'no-writes'}}"],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'fl'], ['FCALL_RO', 'g1', '0'],
  ]);
  cleanCase('load errors', [
    ['FUNCTION', 'LOAD', '#!lua name=mylib\nredis.register_function("f1", function() return 1 end)'],
    ['FUNCTION', 'LOAD', '#!lua name=other\nredis.register_function("f1", function() return 1 end)'],
    ['FUNCTION', 'LOAD', '#!lua name=other\nredis.register_function("F1", function() return 1 end)'],
    ['FUNCTION', 'LOAD', '#!lua name=x\n'], ['FUNCTION', 'LOAD', 'return 1'], ['FUNCTION', 'LOAD', '#!lua\nredis.register_function("f9", function() return 1 end)'],
    ['FUNCTION', 'LOAD', '#!lua name=b@d\nredis.register_function("f9", function() return 1 end)'], ['FUNCTION', 'LOAD', '#!lua name='],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function("f-9", function() return 1 end)'], ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function("f9", 1)'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.call("set","a","b")'], ['FUNCTION', 'LOAD', '#!lua name=ok\nreturn 1 +'], ['FUNCTION', 'LOAD', '#!lua name=ok\nerror("boom")'],
    ['FUNCTION', 'LOAD', '#!lua name=ok name=again\nreturn 1'], ['FUNCTION', 'LOAD', '#!lua name=ok foo=bar\nreturn 1'], ['FUNCTION', 'LOAD', '#!python name=ok\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!LUA name=upper\nredis.register_function("up", function() return "up" end)'], ['FCALL', 'up', '0'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function("a", function() end)\nredis.register_function("a", function() end)'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function()'], ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function(1, 2, 3)'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function("x")'], ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function{callback=function() end}'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function{function_name="x"}'], ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function{function_name="x", callback=1}'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function{function_name="x", callback=function() end, flags="no-writes"}'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function{function_name="x", callback=function() end, bad=1}'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function{function_name="x", callback=function() end, description=1}'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function{function_name={}, callback=function() end}'],
    ['FUNCTION', 'LOAD', '#!lua name=ok\nredis.register_function("x", function() end) return redis.REDIS_VERSION'],
    ['FUNCTION', 'LOAD', '#!lua name=ok2\nredis.log(redis.LOG_NOTICE, "loading") redis.register_function("y", function() return 1 end)'], ['FCALL', 'y', '0'],
    ['FUNCTION', 'LOAD', '#!lua name=ok3\nlocal t = string.upper("x")'], ['FUNCTION', 'LOAD', '#!lua name=ok3\nredis.setresp(3)'],
    ['FUNCTION', 'LOAD', '#!lua name=ok4\nredis.register_function("z", function(k, a) return redis.register_function end)'], ['FCALL', 'z', '0'],
  ]);
  cleanCase('function runtime: errors, environment, numkeys', [
    ['FUNCTION', 'LOAD', "#!lua name=rt\nredis.register_function('e1', function() error('boom') end)\nredis.register_function('e2', function() return redis.call('nosuch') end)\nredis.register_function('e3', function() return KEYS end)\nredis.register_function('e4', function() return redis.breakpoint() end)\nredis.register_function('e5', function(k, a) return {#k, #a, k[1], a[1]} end)\nredis.register_function('e6', function() x = 1 end)\nredis.register_function('e7', function() return {err='custom'} end)"],
    ['FCALL', 'e1', '0'], ['FCALL', 'e2', '0'], ['FCALL', 'e3', '0'], ['FCALL', 'e4', '0'], ['FCALL', 'e5', '1', 'k', 'a'], ['FCALL', 'e6', '0'], ['FCALL', 'e7', '0'],
    ['FCALL', 'e5', '-1'], ['FCALL', 'e5', '5', 'k'], ['FCALL', 'e5', 'x'], ['FCALL', 'nope', 'x'], ['FCALL', 'e5'],
  ]);
  cleanCase('flush, stats, dump round trip, help', [
    ['FUNCTION', 'LOAD', LIB1], ['FUNCTION', 'STATS'], ['FUNCTION', 'FLUSH', 'bad'], ['FUNCTION', 'FLUSH', 'SYNC', 'x'], ['FUNCTION', 'FLUSH', 'ASYNC'],
    ['FUNCTION', 'STATS'], ['FUNCTION', 'LIST'], ['FUNCTION', 'HELP'], ['FUNCTION', 'NOPE'], ['FUNCTION', 'RESTORE', 'bad'], ['FUNCTION', 'RESTORE', 'x', 'y', 'z'],
    ['FUNCTION', 'RESTORE', 'x', 'WRONG'], ['FUNCTION', 'DUMP'],
  ]);
  it('RESTORE of payloads made by redis-server and by us, with every policy', async () => {
    const r = await RawClient.connect(env.redis!.port);
    let redisPayload: Buffer;
    try {
      await r.command('FUNCTION', 'FLUSH');
      await r.command('FUNCTION', 'LOAD', LIB1);
      await r.command('FUNCTION', 'LOAD', LIB2);
      const dump = await r.command('FUNCTION', 'DUMP');
      const nl = dump.indexOf('\r\n');
      redisPayload = Buffer.from(dump.slice(nl + 2, dump.length - 2), 'latin1');
      await r.command('FUNCTION', 'FLUSH');
    } finally {
      r.close();
    }
    const ours = encodeDump([LIB1, LIB3]);
    const corrupt = Buffer.from(ours);
    corrupt[5] ^= 0xff;
    const list = (pattern: string): Cmd => ['FUNCTION', 'LIST', 'LIBRARYNAME', pattern, 'WITHCODE'];
    const single = encodeDump([LIB1]);
    await compare([
      ['FUNCTION', 'FLUSH'], ['FUNCTION', 'RESTORE', redisPayload], list('mylib'), list('lib2'), ['FCALL', 'f1', '1', 'k', 'a'],
      ['FUNCTION', 'RESTORE', single], ['FUNCTION', 'RESTORE', single, 'APPEND'], ['FUNCTION', 'RESTORE', redisPayload, 'REPLACE'], list('mylib'), list('lib2'),
      ['FUNCTION', 'RESTORE', ours], ['FUNCTION', 'RESTORE', ours, 'replace'], list('lib3'), ['FUNCTION', 'RESTORE', ours, 'FLUSH'], list('lib2'), list('lib3'),
      ['FUNCTION', 'RESTORE', corrupt], ['FUNCTION', 'RESTORE', ours.subarray(0, 5)], ['FUNCTION', 'RESTORE', ''], ['FUNCTION', 'STATS'],
    ]);
    // Our DUMP restores on redis-server and back.
    const o = await RawClient.connect(env.ours!.port);
    try {
      await o.command('FUNCTION', 'FLUSH');
      await o.command('FUNCTION', 'LOAD', LIB1);
      const dump = await o.command('FUNCTION', 'DUMP');
      const nl = dump.indexOf('\r\n');
      const payload = Buffer.from(dump.slice(nl + 2, dump.length - 2), 'latin1');
      await compare([['FUNCTION', 'FLUSH'], ['FUNCTION', 'RESTORE', payload], list('*'), ['FCALL', 'f1', '0', 'x']]);
    } finally {
      o.close();
    }
  });
  // Libraries longer than 20 bytes are LZF-compressed in the payload (rdbcompression yes,
  // the default): the payload must be byte-identical, and each side must load the other's.
  const LZF_LIB =
    "#!lua name=lzflib\nredis.register_function('lz', function(keys, args)\n  local r = ''\n" +
    Array.from({ length: 12 }, (_, i) => `  r = r .. redis.call('get', keys[1]) .. '${i}'\n`).join('') +
    '  return r\nend)';
  const SHORT_LIB = "#!lua name=s\nredis.register_function('s1', function() return 1 end)";
  const fetchDump = async (port: number): Promise<Buffer> => {
    const c = await RawClient.connect(port);
    try {
      const dump = await c.command('FUNCTION', 'DUMP');
      const nl = dump.indexOf('\r\n');
      return Buffer.from(dump.slice(nl + 2, dump.length - 2), 'latin1');
    } finally {
      c.close();
    }
  };
  cleanCase('FUNCTION DUMP of libraries over 20 bytes (LZF) is byte-identical', [
    ['FUNCTION', 'LOAD', LZF_LIB], ['FUNCTION', 'DUMP'], ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', LIB2], ['FUNCTION', 'DUMP'],
    ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', SHORT_LIB], ['FUNCTION', 'DUMP'],
  ]);
  for (const [label, libs] of [['a repetitive library', [LZF_LIB]], ['a library that barely compresses', [LIB1]], ['a short library', [SHORT_LIB]]] as const) {
    for (const compression of ['yes', 'no']) {
      it(`FUNCTION DUMP / RESTORE across servers: ${label}, rdbcompression ${compression}`, async () => {
        const list: Cmd = ['FUNCTION', 'LIST', 'WITHCODE'];
        await compare([['CONFIG', 'SET', 'rdbcompression', compression], ['FUNCTION', 'FLUSH'], ...libs.map((l): Cmd => ['FUNCTION', 'LOAD', l]), ['FUNCTION', 'DUMP']]);
        try {
          const [ours, theirs] = await Promise.all([fetchDump(env.ours!.port), fetchDump(env.redis!.port)]);
          expect(ours.equals(theirs)).toBe(true);
          // LZF exactly when compression is on and it pays (the 0xc3 string encoding after the opcode).
          if (libs[0] === LZF_LIB) expect(ours[1] === 0xc3).toBe(compression === 'yes');
          if (libs[0] === SHORT_LIB) expect(ours.includes(SHORT_LIB)).toBe(true); // stored plain
          const fcall: Cmd = libs[0] === LZF_LIB ? ['FCALL', 'lz', '1', 'k'] : libs[0] === LIB1 ? ['FCALL', 'f1', '1', 'k', 'a'] : ['FCALL', 's1', '0'];
          // Redis's payload restored on both, then ours on both.
          for (const payload of [theirs, ours]) {
            await compare([['SET', 'k', 'v'], ['FUNCTION', 'FLUSH'], ['FUNCTION', 'RESTORE', payload], list, fcall, ['FUNCTION', 'RESTORE', payload], ['FUNCTION', 'RESTORE', payload, 'REPLACE'], ['FUNCTION', 'DUMP']]);
          }
        } finally {
          await compare([['CONFIG', 'SET', 'rdbcompression', 'yes']]);
        }
      });
    }
  }
  it('a library loaded on one connection is callable on every other (any thread)', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(env.ours!.port)));
    try {
      await clients[0].command('FUNCTION', 'FLUSH');
      expect(await clients[0].command('FUNCTION', 'LOAD', "#!lua name=shared\nredis.register_function('sh', function(keys, args) return 'sh:' .. (keys[1] or '-') end)")).toBe('$6\r\nshared\r\n');
      for (const c of clients) {
        expect(await c.command('FCALL', 'sh', '0')).toBe('$4\r\nsh:-\r\n');
        for (const k of ['a', 'b', 'c', 'd', X1, X2]) expect(await c.command('FCALL', 'sh', '1', k)).toBe(`$${3 + k.length}\r\nsh:${k}\r\n`);
      }
      expect(await clients[3].command('FUNCTION', 'DELETE', 'shared')).toBe('+OK\r\n');
      for (const c of clients) expect(await c.command('FCALL', 'sh', '1', 'a')).toBe('-ERR Function not found\r\n');
    } finally {
      for (const c of clients) c.close();
    }
  });
});

describe('command metadata', () => {
  diffCase('COMMAND INFO and GETKEYS', [
    ['COMMAND', 'INFO', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'],
    ['COMMAND', 'GETKEYS', 'EVAL', 'return 1', '2', 'a', 'b', 'c'], ['COMMAND', 'GETKEYS', 'FCALL', 'f', '1', 'a', 'b'],
  ]);
});
