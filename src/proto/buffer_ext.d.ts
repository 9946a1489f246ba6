// Node's Buffer has fast latin1 accessors that @types/node does not declare.
// Keys and values are held as one-byte (latin1) strings, so these are the
// binary-safe conversions between socket bytes and stored strings.
export {};
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(str: string, offset: number, length?: number): number;
  }
}
