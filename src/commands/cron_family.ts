// KEYDB.CRON name single|repeat [start] delay script numkeys [key ...] [arg ...]
// (KeyDB's cron.cpp): schedule a Lua script; the job is a key of type "cron".

import { def } from './define.ts';
import type { CommandSpec } from './types.ts';
import { parseI64 } from '../proto/number_format.ts';
import { CronJob } from '../shards/cron.ts';

function int(s: string): number | null {
  const v = parseI64(s);
  return typeof v === 'number' ? v : v === null ? null : Number(v);
}

export const cronCommands: CommandSpec[] = [
  def('keydb.cron', {
    arity: -5, flags: ['write', 'denyoom', 'noscript'], keys: [1, 1, 1], acl: ['@write', '@slow', '@scripting'], group: 'scripting', summary: 'Run a Lua script once or repeatedly after a delay (KeyDB)', since: '5.3.2', complexity: 'O(1)',
    handler(c, argv) {
      const mode = argv[2].toLowerCase();
      if (mode !== 'single' && mode !== 'repeat') {
        c.out.error('ERR syntax error');
        return;
      }
      let interval = int(argv[3]);
      if (interval === null) {
        c.out.error('ERR missing expire time');
        return;
      }
      let base = Date.now();
      let off = 0;
      // With a start time: name mode start delay script ...
      const maybeDelay = argv.length > 4 ? int(argv[4]) : null;
      if (maybeDelay !== null) {
        base = interval;
        interval = maybeDelay;
        off = 1;
      }
      if (interval <= 0) {
        c.out.error('ERR interval must be positive');
        return;
      }
      const scriptAt = 4 + off;
      if (scriptAt >= argv.length) {
        c.out.error("ERR wrong number of arguments for 'keydb.cron' command");
        return;
      }
      let numkeys = 0;
      if (argv.length > 5 + off) {
        const n = int(argv[5 + off]);
        if (n === null) {
          c.out.error('ERR value is not an integer or out of range');
          return;
        }
        if (n < 0 || argv.length < 6 + off + n) {
          c.out.error('ERR Missing arguments or numkeys is too big');
          return;
        }
        numkeys = n;
      }
      const first = 6 + off;
      const keys = argv.slice(first, first + numkeys);
      const args = argv.slice(first + numkeys);
      const job = new CronJob(argv[scriptAt], interval, base, keys, args, mode === 'single');
      c.ks.set(c.db, argv[1], job); // the shard schedules it (Keyspace.onCronStored)
      c.out.ok();
    },
  }),
];
