// Scripts that need the global lock. A script may reach keys it did not
// declare (KEYS); with several threads such a script has to run while it
// holds every shard (run.ts escalates it on its first undeclared access and
// runs it again that way). Which scripts did so is remembered here, server
// wide, so that their later runs take the global lock from the start.
//
// A bitmap in a SharedArrayBuffer indexed by a hash of the script's identity
// (an EVAL script's SHA1, a function's name): lock-free to read on the
// dispatch path, set with Atomics.or. A collision only makes some other
// script take the global lock too: slower, never wrong.

const BITS_LOG2 = 20;

export function createGlobalScripts(): SharedArrayBuffer {
  return new SharedArrayBuffer((1 << BITS_LOG2) / 8);
}

/** FNV-1a over the identity's characters, folded to the bitmap's width. */
function slot(identity: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < identity.length; i++) {
    h ^= identity.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h ^ (h >>> BITS_LOG2)) & ((1 << BITS_LOG2) - 1);
}

export class GlobalScripts {
  private readonly words: Int32Array;

  constructor(sab: SharedArrayBuffer) {
    this.words = new Int32Array(sab);
  }

  /** Identity of an EVAL script (its lowercase SHA1) or of a function (its name). */
  static evalId(sha: string): string {
    return sha;
  }

  static functionId(name: string): string {
    return 'f:' + name;
  }

  has(identity: string): boolean {
    const s = slot(identity);
    return (Atomics.load(this.words, s >>> 5) & (1 << (s & 31))) !== 0;
  }

  add(identity: string): void {
    const s = slot(identity);
    Atomics.or(this.words, s >>> 5, 1 << (s & 31));
  }
}
