// Config values hold one byte per character (latin1), like the rest of the server;
// the fs module wants real (UTF-8 decoded) path strings. These convert between them.

/** latin1 byte string -> path string for the fs module. */
export function toFsPath(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** fs path string -> latin1 byte string. */
export function fromFsPath(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}
