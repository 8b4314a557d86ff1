/**
 * Bytes → string for `str` values, remembering recent values. Category fields (`region`, `country`)
 * repeat on every row: a hit costs a hash and a byte comparison instead of a decode and a new string,
 * and every row with the same value shares one string. Decoded strings are fresh copies, so they
 * never keep a megabyte text block alive.
 */

const SLOTS = 1024; // power of two
const MAX_CACHED_BYTES = 64;

/** One per source: a 1024-slot direct-mapped cache of values up to 64 bytes (longer ones are decoded each time). */
export class ByteStringCache {
  private readonly keys: (Uint8Array | null)[] = new Array<Uint8Array | null>(SLOTS).fill(null);
  private readonly values: string[] = new Array<string>(SLOTS).fill('');

  /** The UTF-8 text of `b[start, end)`. */
  get(b: Buffer, start: number, end: number): string {
    const len = end - start;
    if (len > MAX_CACHED_BYTES) return b.toString('utf8', start, end);
    let h = len | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 16777619);
    const slot = (h >>> 0) & (SLOTS - 1);
    const key = this.keys[slot];
    if (key !== null && key.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (key[i] !== b[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.values[slot];
    }
    const s = b.toString('utf8', start, end);
    this.keys[slot] = new Uint8Array(b.subarray(start, end));
    this.values[slot] = s;
    return s;
  }
}
