// Logging through pino. By default lines look like Redis's
// ("pid:role dd Mon yyyy hh:mm:ss.mmm <level char> message"); with
// `log-format json` pino's JSON lines are written unchanged.

import { pino, type Logger } from 'pino';
import { openSync, writeSync } from 'node:fs';

const LEVELS: Record<string, number> = { debug: 20, verbose: 25, notice: 30, warning: 40 };
const LEVEL_CHAR: Record<number, string> = { 20: '.', 25: '-', 30: '*', 40: '#', 50: '#', 60: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type ServerLogger = Logger<'verbose' | 'notice' | 'warning'>;

export interface LogOptions {
  level: string;
  file: string;
  format: string;
  role: string;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function redisTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function createLogger(o: LogOptions): ServerLogger {
  const fd = o.file === '' ? 1 : openSync(o.file, 'a');
  const json = o.format === 'json';
  const stream = {
    write(line: string): void {
      if (json) {
        writeSync(fd, line);
        return;
      }
      const r = JSON.parse(line) as { level: number; time: number; pid: number; msg: string };
      writeSync(fd, `${r.pid}:${o.role} ${redisTime(r.time)} ${LEVEL_CHAR[r.level] ?? '*'} ${r.msg}\n`);
    },
  };
  return pino(
    {
      level: LEVELS[o.level] !== undefined ? o.level : 'notice',
      customLevels: { verbose: 25, notice: 30, warning: 40 },
      useOnlyCustomLevels: false,
      base: { pid: process.pid },
    },
    stream,
  ) as ServerLogger;
}
