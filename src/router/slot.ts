// Key to slot to shard: the Redis Cluster hash slot function (CRC16/XMODEM of the
// key, or of its {hash tag}), then slot mod N picks the owning shard thread.

const CRC16_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

/** The CRC16 (XMODEM) crc continued with byte c. */
function crcByte(crc: number, c: number): number {
  return ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ c) & 0xff];
}

/** CRC16 (XMODEM) over the latin1 code units of s[start, end). */
function crc16(s: string, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = crcByte(crc, s.charCodeAt(i));
  return crc;
}

/**
 * Redis Cluster's keyHashSlot: hash only the part between the first '{' and
 * the next '}' when non-empty. One pass for the usual key without a '{'.
 */
export function keyHashSlot(key: string): number {
  const len = key.length;
  let crc = 0;
  for (let i = 0; i < len; i++) {
    const c = key.charCodeAt(i);
    if (c === 123 /* { */) return tagSlot(key, i, len);
    crc = crcByte(crc, c);
  }
  return crc & 16383;
}

/** The slot of a key whose first '{' is at s. */
function tagSlot(key: string, s: number, len: number): number {
  let e = s + 1;
  for (; e < len; e++) if (key.charCodeAt(e) === 125 /* } */) break;
  if (e === len || e === s + 1) return crc16(key, 0, len) & 16383;
  return crc16(key, s + 1, e) & 16383;
}

export function slotShard(slot: number, shards: number): number {
  return slot % shards;
}

export function keyShard(key: string, shards: number): number {
  return shards === 1 ? 0 : keyHashSlot(key) % shards;
}
