// Serialization of one stored value into a latin1 string and back, for moving
// a value between shards (cross-shard RENAME, RENAMENX, COPY through the
// internal __dump / __restore commands) and for duplicating a value (COPY).
//
// Payload layout (first character is the tag):
//   's' + bytes            a raw string value (latin1 string)
//   'i' + decimal          an int-encoded string value (a JS number), kept as a
//                          number through the round trip
//   't' + type + ':' + body  a typed value (list, hash, set, zset, stream ...):
//                          body is produced by the codec registered for the type
//
// Data-type modules register their codec with registerValueCodec(type, codec)
// at import time. A codec's encode must return a latin1 string (every char
// code <= 0xff): payloads travel as binary-safe latin1 arguments on the rings.

import type { StoredValue, TypedValue } from './keyspace.ts';

export interface ValueCodec {
  /** The value's contents as a latin1 string. */
  encode(v: TypedValue): string;
  /** Inverse of encode: a fresh value owned by the caller. */
  decode(body: string): TypedValue;
  /** A deep copy (COPY); defaults to decode(encode(v)). */
  dup?(v: TypedValue): TypedValue;
}

const codecs = new Map<string, ValueCodec>();

/** Register (or replace) the codec for a value type name ('list', 'hash', ...). */
export function registerValueCodec(type: string, codec: ValueCodec): void {
  codecs.set(type, codec);
}

export class ValueCodecError extends Error {}

function codecFor(type: string): ValueCodec {
  const c = codecs.get(type);
  if (c === undefined) throw new ValueCodecError(`no value codec registered for type '${type}'`);
  return c;
}

/** Serialize a stored value. Throws ValueCodecError for a type without a codec. */
export function encodeValue(v: StoredValue): string {
  if (typeof v === 'string') return 's' + v;
  if (typeof v === 'number') return 'i' + String(v);
  return 't' + v.type + ':' + codecFor(v.type).encode(v);
}

/** Deserialize a payload made by encodeValue. Throws ValueCodecError on a malformed payload. */
export function decodeValue(payload: string): StoredValue {
  const tag = payload.charCodeAt(0);
  if (tag === 115 /* s */) return payload.slice(1);
  if (tag === 105 /* i */) {
    const n = Number(payload.slice(1));
    if (payload.length < 2 || n !== n) throw new ValueCodecError('malformed int payload');
    return n;
  }
  if (tag === 116 /* t */) {
    const colon = payload.indexOf(':');
    if (colon < 0) throw new ValueCodecError('malformed typed payload');
    return codecFor(payload.slice(1, colon)).decode(payload.slice(colon + 1));
  }
  throw new ValueCodecError('malformed value payload');
}

/** An independent copy of a value (strings and numbers are immutable and shared). */
export function dupValue(v: StoredValue): StoredValue {
  if (typeof v !== 'object') return v;
  const c = codecFor(v.type);
  return c.dup !== undefined ? c.dup(v) : c.decode(c.encode(v));
}
