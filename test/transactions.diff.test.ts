// MULTI / EXEC / DISCARD / WATCH / UNWATCH against redis-server, byte for byte,
// with 4 threads so blocks span shards.

import { describe } from 'vitest';
import { useDiff, diffCase, type Cmd } from './helpers/diff.ts';
import { infoCounters } from './helpers/info_counters.ts';

useDiff({ threads: 4 });

describe('MULTI/EXEC', () => {
  diffCase('basic block across shards', [
    ['MULTI'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['INCR', 'c'], ['MGET', 'a', 'b', 'c'], ['EXEC'], ['MGET', 'a', 'b', 'c'],
  ]);
  diffCase('empty block', [['MULTI'], ['EXEC']]);
  diffCase('runtime errors do not abort the rest', [
    ['SET', 's', 'x'], ['MULTI'], ['INCR', 's'], ['SET', 't', '1'], ['LPUSH', 's', 'y'], ['GET', 't'], ['EXEC'],
  ]);
  diffCase('queue-time errors abort with EXECABORT', [
    ['MULTI'], ['SET', 'a', '1'], ['NOSUCHCMD', 'x'], ['EXEC'], ['GET', 'a'],
    ['MULTI'], ['SET', 'a', '1'], ['GET'], ['EXEC'], ['GET', 'a'],
  ]);
  diffCase('EXEC / DISCARD without MULTI, nested MULTI, WATCH inside MULTI', [
    ['EXEC'], ['DISCARD'], ['MULTI'], ['MULTI'], ['WATCH', 'a'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a'],
  ]);
  diffCase('DISCARD drops the queue', [['MULTI'], ['SET', 'a', '1'], ['DISCARD'], ['GET', 'a'], ['EXEC']]);
  diffCase('multi-key commands inside EXEC', [
    ['MULTI'], ['MSET', 'k1', 'a', 'k2', 'b', 'k3', 'c', 'k4', 'd'], ['DEL', 'k1', 'k3', 'nope'], ['EXISTS', 'k1', 'k2', 'k3', 'k4'], ['RENAME', 'k2', 'k9'], ['MGET', 'k2', 'k9', 'k4'], ['EXEC'],
  ]);
  diffCase('keyspace-wide commands inside EXEC', [
    ['SET', 'x', '1'], ['SET', 'y', '2'], ['MULTI'], ['DBSIZE'], ['KEYS', 'x'], ['FLUSHDB'], ['DBSIZE'], ['EXEC'],
  ]);
  diffCase('SELECT inside EXEC', [
    ['MULTI'], ['SET', 'a', 'db0'], ['SELECT', '1'], ['SET', 'a', 'db1'], ['GET', 'a'], ['SELECT', '0'], ['GET', 'a'], ['EXEC'], ['GET', 'a'],
  ]);
  diffCase('RESP3 EXEC shapes', [['HELLO', '3'], ['MULTI'], ['SET', 'a', '1'], ['GET', 'nope'], ['EXEC'], ['WATCH', 'a'], ['SET', 'a', '2'], ['MULTI'], ['GET', 'a'], ['EXEC']], {
    normalize: (r, cmd) => (String(cmd[0]).toUpperCase() === 'HELLO' ? 'hello' : r),
  });
});

describe('WATCH', () => {
  diffCase('own write after WATCH aborts EXEC', [['SET', 'w', '1'], ['WATCH', 'w'], ['SET', 'w', '2'], ['MULTI'], ['GET', 'w'], ['EXEC']]);
  diffCase('untouched watch lets EXEC run', [['SET', 'w', '1'], ['WATCH', 'w', 'other'], ['GET', 'w'], ['MULTI'], ['GET', 'w'], ['EXEC']]);
  diffCase('UNWATCH clears', [['WATCH', 'w'], ['SET', 'w', '2'], ['UNWATCH'], ['MULTI'], ['GET', 'w'], ['EXEC']]);
  diffCase('no-op writes do not touch', [['SET', 'w', '1'], ['WATCH', 'w'], ['SETNX', 'w', '2'], ['SADD', 'nokey-set', 'a'], ['MULTI'], ['GET', 'w'], ['EXEC']]);
  diffCase('SET of the same value touches', [['SET', 'w', '1'], ['WATCH', 'w'], ['SET', 'w', '1'], ['MULTI'], ['GET', 'w'], ['EXEC']]);
  diffCase('DEL of a watched key touches, of a missing key does not', [
    ['SET', 'w', '1'], ['WATCH', 'w', 'missing'], ['DEL', 'missing'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'w'], ['DEL', 'w'], ['MULTI'], ['PING'], ['EXEC'],
  ]);
  diffCase('FLUSHALL touches watched keys that exist', [['SET', 'w', '1'], ['WATCH', 'w'], ['FLUSHALL'], ['MULTI'], ['PING'], ['EXEC']]);
  diffCase('FLUSHDB of a watched missing key does not touch', [['WATCH', 'w'], ['FLUSHDB'], ['MULTI'], ['PING'], ['EXEC']]);
  diffCase('SWAPDB touches', [['SELECT', '1'], ['SET', 'w', 'x'], ['SELECT', '0'], ['WATCH', 'w'], ['SWAPDB', '0', '1'], ['MULTI'], ['PING'], ['EXEC'], ['SWAPDB', '0', '1']]);
  diffCase('RENAME onto a watched key touches', [['SET', 'src', '1'], ['WATCH', 'dst'], ['RENAME', 'src', 'dst'], ['MULTI'], ['PING'], ['EXEC']]);
  diffCase('EXPIRE changes touch', [['SET', 'w', '1'], ['WATCH', 'w'], ['EXPIRE', 'w', '100'], ['MULTI'], ['PING'], ['EXEC']]);
  diffCase('WATCH is cleared by EXEC and DISCARD', [
    ['WATCH', 'w'], ['MULTI'], ['EXEC'], ['SET', 'w', '1'], ['MULTI'], ['GET', 'w'], ['EXEC'],
    ['WATCH', 'w'], ['MULTI'], ['DISCARD'], ['SET', 'w', '2'], ['MULTI'], ['GET', 'w'], ['EXEC'],
  ]);
  diffCase('RESET clears MULTI and WATCH', [['WATCH', 'w'], ['MULTI'], ['SET', 'w', '1'], ['RESET'], ['SET', 'w', '2'], ['EXEC'], ['MULTI'], ['GET', 'w'], ['EXEC']]);
});

/**
 * What a block counts in INFO, as Redis counts it: each queued command once
 * (calls, failures, errorstats), wherever it runs and whichever way the block
 * runs (one step per shard, command by command, under WATCH); EXEC fails only
 * when it refuses the block.
 */
describe('INFO counters after EXEC', () => {
  const report: Cmd[] = [['INFO', 'commandstats'], ['INFO', 'errorstats']];
  const counted = (name: string, cmds: Cmd[]): void => diffCase(name, [['SET', 's', 'x'], ['CONFIG', 'RESETSTAT'], ...cmds, ...report], { normalize: infoCounters });
  counted('single-key commands on several shards (one step each)', [
    ['MULTI'], ['SET', 'a', '1'], ['INCR', 's'], ['GET', 'b'], ['INCR', 'c'], ['LPUSH', 's', 'y'], ['GET', 'a'], ['EXEC'],
  ]);
  counted('commands across shards and keyless ones (command by command)', [
    ['MULTI'], ['SET', 'a', '1'], ['MGET', 'a', 'b', 'c', 'd'], ['PING'], ['INCR', 's'], ['DEL', 'a', 'b', 'zz'], ['DBSIZE'], ['ECHO', 'x'], ['EXEC'],
  ]);
  counted('WATCH, EXECABORT and an aborted block', [
    ['WATCH', 'a', 'b'], ['MULTI'], ['INCR', 'a'], ['GET', 's'], ['EXEC'],
    ['MULTI'], ['SET', 'a', '1'], ['NOSUCHCMD'], ['EXEC'],
    ['WATCH', 'a'], ['SET', 'a', '2'], ['MULTI'], ['GET', 'a'], ['EXEC'],
  ]);
});
