// INFO's counters in differential tests: every command's calls / rejected /
// failed (commandstats), errors (errorstats), keyspace, with the times and
// the line order (per-thread sums) left out.

import { parse } from './reply_tree.ts';
import type { Cmd } from './diff.ts';

/** Normalize an INFO reply to its counter lines, sorted under their section headers; other replies as they are. */
export function infoCounters(r: string, cmd: Cmd): string {
  if (String(cmd[0]).toUpperCase() !== 'INFO') return r;
  const lines = parse(r)[0].v.split('\r\n').map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, 'usec=U,').replace(/avg_ttl=\d+/, 'avg_ttl=T'));
  const head = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => !l.startsWith('#') && l !== '').sort();
  return [...head, ...body].join('\n');
}
