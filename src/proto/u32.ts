// Little-endian u32 fields of the thread rings' frames and the scripting
// engine's argument buffer, as plain byte stores and loads: Buffer's
// readUInt32LE / writeUInt32LE check their arguments on every call, which
// shows in the hot path's profiles. Callers keep offsets in range.

export function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = (v >>> 16) & 0xff;
  b[p + 3] = v >>> 24;
}

export function getU32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}
