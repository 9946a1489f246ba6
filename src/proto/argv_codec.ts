// The argv list codec of the thread rings' command frames and the scripting
// engine's argument buffer (native/src/engine.c reads and writes the same
// layout): u32 count, then u32 length and latin1 bytes per argument; and lists
// of such lists behind a u32 count.

import { latin1 } from './latin1.ts';
import { putU32, getU32 } from './u32.ts';

/** Bytes of argv[from..] as writeArgv encodes it. */
export function argvSize(argv: string[], from = 0): number {
  let size = 4;
  for (let i = from; i < argv.length; i++) size += 4 + argv[i].length;
  return size;
}

/** argv[from..] at b[o..]: u32 count, then u32 length and latin1 bytes each (room ensured: argvSize). The position after it. */
export function writeArgv(b: Buffer, o: number, argv: string[], from = 0): number {
  putU32(b, o, argv.length - from);
  o += 4;
  for (let i = from; i < argv.length; i++) {
    const a = argv[i];
    const n = a.length;
    putU32(b, o, n);
    o += 4;
    if (n > 24) o += b.latin1Write(a, o);
    else for (let k = 0; k < n; k++) b[o++] = a.charCodeAt(k);
  }
  return o;
}

/** Where the argv list the last readArgv() read ends. */
let readEnd = 0;

export function readArgv(b: Buffer, start: number, end: number): string[] {
  const argc = getU32(b, start);
  let o = start + 4;
  const argv = new Array<string>(argc);
  for (let i = 0; i < argc; i++) {
    const n = getU32(b, o);
    o += 4;
    argv[i] = latin1(b, o, n);
    o += n;
  }
  if (o > end) throw new Error('malformed argv frame');
  readEnd = o;
  return argv;
}

/**
 * A command record of the thread rings' batches (K_CMD, K_PSTEP): a u32 tag
 * (the command id and flags), then the argv as writeArgv encodes it.
 */
export function taggedArgvSize(argv: string[]): number {
  return 4 + argvSize(argv);
}

/** A tagged record at b[o..] (room ensured: taggedArgvSize); the position after it. */
export function writeTaggedArgv(b: Buffer, o: number, tag: number, argv: string[]): number {
  putU32(b, o, tag >>> 0);
  return writeArgv(b, o + 4, argv);
}

/** n tagged records from b[o..], into tags and argvs (appended). */
export function readTaggedArgvs(b: Buffer, o: number, end: number, n: number, tags: number[], argvs: string[][]): void {
  for (let i = 0; i < n; i++) {
    tags.push(getU32(b, o));
    argvs.push(readArgv(b, o + 4, end));
    o = readEnd;
  }
}

/** Payload of several argv lists: u32 count, then each list as writeArgv encodes it. */
export function argvListsSize(lists: string[][]): number {
  let size = 4;
  for (const argv of lists) size += argvSize(argv);
  return size;
}

export function writeArgvLists(b: Buffer, o: number, lists: string[][]): number {
  putU32(b, o, lists.length);
  o += 4;
  for (const argv of lists) o = writeArgv(b, o, argv);
  return o;
}

export function readArgvLists(b: Buffer, start: number, end: number): string[][] {
  const n = getU32(b, start);
  let o = start + 4;
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    const argv = readArgv(b, o, end);
    out.push(argv);
    o += argvSize(argv);
  }
  return out;
}
