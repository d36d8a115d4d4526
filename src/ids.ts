import { randomBytes } from 'node:crypto';

/** Crockford base32: sorts the same as the number it encodes. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

let lastTime = 0;
let lastRandom = new Uint8Array(10);

/**
 * Outside src/domain because making an id reads the clock and the random source; the pure rules
 * take ids as arguments.
 */

/**
 * A prefixed id that sorts by creation time (`grt_01j…`): 48 bits of
 * milliseconds then 80 random bits, like a ULID. Within one millisecond the
 * random part is incremented, so ids made by one process stay in order.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  if (nowMs <= lastTime) {
    increment(lastRandom);
  } else {
    lastTime = nowMs;
    lastRandom = randomBytes(10);
  }
  return `${prefix}_${encodeTime(lastTime)}${encodeRandom(lastRandom)}`;
}

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

function increment(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 255) {
      bytes[i]! += 1;
      return;
    }
    bytes[i] = 0;
  }
}
