/**
 * Snappy decompression (the raw block format Parquet pages use) for the page decoder. hyparquet's
 * own decoder copies every literal and back-reference byte by byte; float pages are mostly long
 * literals, so here literals and non-overlapping copies are block copies (`set`, `copyWithin`).
 * Same format, same errors on malformed input; checked against hyparquet's decoder in the tests.
 */

/** Decompress `input` into exactly `size` bytes: into `into` (of that length) when given, else a new array. */
export function snappyDecompress(input: Uint8Array, size: number, into?: Uint8Array): Uint8Array {
  const out = into ?? new Uint8Array(size);
  if (out.length !== size) throw new Error(`snappy: an output of ${out.length} bytes for ${size}`);
  const n = input.length;
  let pos = 0;
  // The preamble: the uncompressed length as a varint.
  let declared = 0;
  let shift = 0;
  for (;;) {
    if (pos >= n) throw new Error('snappy: truncated length header');
    const c = input[pos++]!;
    declared += (c & 0x7f) * 2 ** shift;
    shift += 7;
    if (c < 0x80) break;
  }
  if (declared !== size) throw new Error(`snappy: ${declared} bytes declared, ${size} expected`);
  let at = 0;
  while (pos < n) {
    const c = input[pos++]!;
    const kind = c & 3;
    if (kind === 0) {
      let len = (c >>> 2) + 1;
      if (len > 60) {
        const bytes = len - 60;
        if (pos + bytes > n) throw new Error('snappy: truncated literal length');
        len = 0;
        for (let i = 0; i < bytes; i++) len += input[pos + i]! * 2 ** (8 * i);
        len += 1;
        pos += bytes;
      }
      if (pos + len > n || at + len > size) throw new Error('snappy: literal runs past the end');
      if (len < 16) for (let i = 0; i < len; i++) out[at + i] = input[pos + i]!;
      else out.set(input.subarray(pos, pos + len), at);
      pos += len;
      at += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= n) throw new Error('snappy: truncated copy');
      len = ((c >>> 2) & 7) + 4;
      offset = input[pos++]! | ((c >>> 5) << 8);
    } else if (kind === 2) {
      if (pos + 1 >= n) throw new Error('snappy: truncated copy');
      len = (c >>> 2) + 1;
      offset = input[pos]! | (input[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 3 >= n) throw new Error('snappy: truncated copy');
      len = (c >>> 2) + 1;
      offset = (input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16)) + input[pos + 3]! * 0x1000000;
      pos += 4;
    }
    if (offset === 0 || offset > at) throw new Error(`snappy: copy offset ${offset} at ${at}`);
    if (at + len > size) throw new Error('snappy: copy runs past the end');
    const from = at - offset;
    // An overlapping copy repeats the last `offset` bytes: byte by byte, as the format defines it.
    if (offset >= len && len >= 16) out.copyWithin(at, from, from + len);
    else for (let i = 0; i < len; i++) out[at + i] = out[from + i]!;
    at += len;
  }
  if (at !== size) throw new Error(`snappy: ${at} bytes decompressed, ${size} expected`);
  return out;
}
