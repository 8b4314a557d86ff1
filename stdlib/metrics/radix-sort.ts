/**
 * LSD radix argsort of floating-point keys.
 *
 * Sorting is the cost of every ranking metric (AUROC, AUPRC, Spearman, KS, PSI, DeLong). A
 * comparator sort over an index array is ~25× slower than this on 10M rows (PERFORMANCE.md).
 *
 * Keys are mapped to unsigned integers whose order is the numeric order: flip the sign bit of
 * non-negative floats, flip every bit of negative ones. Scores that are all exactly representable
 * as float32 (what an ONNX model emits) sort on one 32-bit word in 3 passes of 11/11/10 bits;
 * other float64 scores on two words in 6 passes. Passes in which every key has the same digit are
 * skipped. The sort is stable, so ties keep index order (results never depend on it: every metric
 * treats a tie group as a whole).
 *
 * Invariant expected from callers: no NaN (rows with NaN scores are skipped upstream) and no -0
 * (stores normalize -0 to +0, so equal numbers always have equal keys).
 */

import { MSD_FLAGGED_MIN, msdFlagged32, type FlaggedColumn } from './radix-msd.ts';

const f32 = new Float32Array(1);
const f32AsI32 = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64AsI32 = new Int32Array(f64.buffer);

/** The result of an argsort: `order[j]` is the row of the j-th smallest key; `hi`/`lo` the sorted keys. */
export interface SortedKeys {
  order: Uint32Array;
  /** Most significant key word per sorted position. */
  hi: Uint32Array;
  /** Least significant key word per sorted position (float64 keys only). */
  lo: Uint32Array | null;
}

/**
 * Argsort `values[rows[j] * stride + column]` for j in [0, n) (`rows` null: rows 0..n-1).
 * `order` holds row numbers (elements of `rows`), ascending by value. A Float32Array, or a
 * Float64Array whose values are all exactly float32, sorts on 32-bit keys.
 */
export function argsortColumn(values: Float32Array | Float64Array, stride: number, column: number, rows: Uint32Array | null, n: number): SortedKeys {
  let allF32 = true;
  if (values instanceof Float64Array)
    for (let j = 0; j < n; j++) {
      const v = values[(rows === null ? j : rows[j]!) * stride + column]!;
      if (Math.fround(v) !== v) {
        allF32 = false;
        break;
      }
    }
  const order = new Uint32Array(n);
  for (let j = 0; j < n; j++) order[j] = rows === null ? j : rows[j]!;
  if (allF32) {
    const hi = new Uint32Array(n);
    if (values instanceof Float32Array && rows === null && stride === 1 && column === 0) {
      // The common case (a whole float32 column): keys straight from the bits, no conversion.
      const bits = new Int32Array(values.buffer, values.byteOffset, n);
      for (let j = 0; j < n; j++) {
        const b = bits[j]!;
        hi[j] = (b ^ ((b >> 31) | 0x80000000)) >>> 0;
      }
    } else {
      for (let j = 0; j < n; j++) {
        f32[0] = values[order[j]! * stride + column]!;
        const b = f32AsI32[0]!;
        hi[j] = (b ^ ((b >> 31) | 0x80000000)) >>> 0;
      }
    }
    if (n >= MSD_MIN) return msdSort32(hi, order, n);
    const sorted = lsdSort([hi], order, n);
    return { order: sorted.payload, hi: sorted.words[0]!, lo: null };
  }
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    f64[0] = values[order[j]! * stride + column]!;
    const l = f64AsI32[0]!,
      h = f64AsI32[1]!;
    const flip = h >> 31; // all ones for negatives
    hi[j] = (h ^ (flip | 0x80000000)) >>> 0;
    lo[j] = (l ^ flip) >>> 0;
  }
  const sorted = lsdSort([lo, hi], order, n);
  return { order: sorted.payload, hi: sorted.words[1]!, lo: sorted.words[0]! };
}

/** True when every `values[rows[j] * stride + column]` (j < n; `rows` null: rows 0..n-1) is exactly a float32. */
export function allFloat32(values: Float32Array | Float64Array, stride: number, column: number, rows: Uint32Array | null, n: number): boolean {
  if (values instanceof Float32Array) return true;
  for (let j = 0; j < n; j++) {
    const v = values[(rows === null ? j : rows[j]!) * stride + column]!;
    if (Math.fround(v) !== v) return false;
  }
  return true;
}

/**
 * Reusable sort buffers, kept by a caller that sorts several columns in a row: {@link argsortFlagged32}
 * uses `a` alone on large columns (its MSD path: n words, rounded up to even), `a` and `b` (2n words
 * each) otherwise.
 */
export interface SortScratch {
  a: Uint32Array | null;
  b: Uint32Array | null;
}

/** Largest row number {@link argsortFlagged32} carries (bit 31 of the payload is the flag). */
export const MAX_FLAGGED_ROW = 0x7fffffff;

/**
 * Argsort of keys that are all exactly float32 (see {@link allFloat32}), each row carrying a 1-bit
 * flag: `labels[row] === positive` (no flags when `labels` is null). Writes the rows in ascending key
 * order (stable) into `order` and their flags into `flags`; returns the sorted keys, a view into
 * `scratch` (free for the caller until the next sort), whose buffers are grown as needed and reused
 * across calls. From {@link MSD_FLAGGED_MIN} keys the sort is MSD-first in `scratch.a` alone
 * (radix-msd.ts: n words), falling back to the LSD passes below when the keys cluster.
 *
 * In the LSD passes key and payload travel together in one interleaved array, so every scatter writes
 * one stream per bucket instead of two; the flag travels with the row, so a label gather through the sorted order
 * (a random read per row) is never needed; and the last pass writes the outputs split, with no
 * separate pass to unpack them. Rows must be ≤ {@link MAX_FLAGGED_ROW}.
 */
export function argsortFlagged32(col: FlaggedColumn, scratch: SortScratch, order: Uint32Array, flags: Uint8Array): Uint32Array {
  const { values, stride, column, rows, n, labels, positive } = col;
  if (n >= MSD_FLAGGED_MIN) {
    // Large columns: one pass through main memory and one n-word buffer (radix-msd.ts), unless the
    // keys cluster. Even-sized: the result phase keeps DeLong's numerators of half the rows per model in it.
    if (scratch.a === null || scratch.a.length < n) scratch.a = new Uint32Array(n + (n & 1));
    const keys = msdFlagged32(col, scratch.a, order, flags);
    if (keys !== null) return keys;
  }
  if (scratch.a === null || scratch.a.length < 2 * n) scratch.a = new Uint32Array(2 * n);
  if (scratch.b === null || scratch.b.length < 2 * n) scratch.b = new Uint32Array(2 * n);
  let src = scratch.a,
    dst = scratch.b;
  const counts = new Uint32Array(3 * 2048);
  const direct = values instanceof Float32Array && rows === null && stride === 1 && column === 0;
  const bits = direct ? new Int32Array(values.buffer, values.byteOffset, n) : null;
  for (let j = 0; j < n; j++) {
    const row = rows === null ? j : rows[j]!;
    let b: number;
    if (bits !== null) b = bits[j]!;
    else {
      f32[0] = values[row * stride + column]!;
      b = f32AsI32[0]!;
    }
    const k = (b ^ ((b >> 31) | 0x80000000)) >>> 0;
    src[2 * j] = k;
    src[2 * j + 1] = labels !== null && labels[row] === positive ? (row | 0x80000000) >>> 0 : row;
    counts[k & 2047]!++;
    counts[2048 + ((k >>> 11) & 2047)]!++;
    counts[4096 + (k >>> 22)]!++;
  }
  const active: number[] = [];
  for (let d = 0; d < 3; d++) if (bucketStarts(counts, d * 2048, 1 << DIGITS[d]![1], n)) active.push(d);
  for (let a = 0; a < active.length; a++) {
    const d = active[a]!;
    const [shift, bitsOf] = DIGITS[d]!;
    const base = d * 2048,
      mask = (1 << bitsOf) - 1;
    if (a + 1 < active.length) {
      for (let i = 0; i < 2 * n; i += 2) {
        const k = src[i]!;
        const at = 2 * counts[base + ((k >>> shift) & mask)]!++;
        dst[at] = k;
        dst[at + 1] = src[i + 1]!;
      }
      const t = src;
      src = dst;
      dst = t;
    } else {
      // The last pass: keys into the first half of the other buffer, rows and flags into the outputs.
      for (let i = 0; i < 2 * n; i += 2) {
        const k = src[i]!,
          p = src[i + 1]!;
        const at = counts[base + ((k >>> shift) & mask)]!++;
        dst[at] = k;
        order[at] = p & MAX_FLAGGED_ROW;
        flags[at] = p >>> 31;
      }
      return dst.subarray(0, n);
    }
  }
  // Nothing to move (fewer than two distinct keys): unpack in place order.
  for (let j = 0; j < n; j++) {
    const p = src[2 * j + 1]!;
    dst[j] = src[2 * j]!;
    order[j] = p & MAX_FLAGGED_ROW;
    flags[j] = p >>> 31;
  }
  return dst.subarray(0, n);
}

/** The float32 whose order-preserving key is `k` (inverse of the key map). */
export function f32FromKey(k: number): number {
  f32AsI32[0] = (k & 0x80000000) !== 0 ? (k ^ 0x80000000) | 0 : ~k;
  return f32[0]!;
}

/** The float64 whose order-preserving key words are (`hi`, `lo`). */
export function f64FromKey(hi: number, lo: number): number {
  if ((hi & 0x80000000) !== 0) {
    f64AsI32[1] = (hi ^ 0x80000000) | 0;
    f64AsI32[0] = lo | 0;
  } else {
    f64AsI32[1] = ~hi;
    f64AsI32[0] = ~lo;
  }
  return f64[0]!;
}

const DIGITS: readonly (readonly [number, number])[] = [
  [0, 11],
  [11, 11],
  [22, 10],
];

/**
 * LSD radix sort of multi-word keys (least significant word first) carrying a payload.
 * Returns the sorted arrays (which may be the inputs or the scratch buffers).
 */
function lsdSort(words: Uint32Array[], payload: Uint32Array, n: number): { words: Uint32Array[]; payload: Uint32Array } {
  let cur: Uint32Array[] = words.slice();
  let nxt: Uint32Array[] = words.map(() => new Uint32Array(n));
  let pay: Uint32Array = payload;
  let payNxt: Uint32Array = new Uint32Array(n);
  const counts = new Uint32Array(3 * 2048);
  for (let w = 0; w < cur.length; w++) {
    countDigits(cur[w]!, n, counts);
    for (let d = 0; d < 3; d++) {
      const [shift, bits] = DIGITS[d]!;
      const base = d * 2048;
      const size = 1 << bits;
      if (!bucketStarts(counts, base, size, n)) continue;
      const mask = size - 1;
      const src = cur[w]!;
      if (cur.length === 1) {
        const dst = nxt[0]!;
        for (let i = 0; i < n; i++) {
          const k = src[i]!;
          const pos = counts[base + ((k >>> shift) & mask)]!++;
          dst[pos] = k;
          payNxt[pos] = pay[i]!;
        }
      } else {
        const a0 = cur[0]!,
          a1 = cur[1]!,
          d0 = nxt[0]!,
          d1 = nxt[1]!;
        for (let i = 0; i < n; i++) {
          const pos = counts[base + ((src[i]! >>> shift) & mask)]!++;
          d0[pos] = a0[i]!;
          d1[pos] = a1[i]!;
          payNxt[pos] = pay[i]!;
        }
      }
      const t = cur;
      cur = nxt;
      nxt = t;
      const tp = pay;
      pay = payNxt;
      payNxt = tp;
    }
  }
  return { words: cur, payload: pay };
}

/** From this many keys, 32-bit keys sort MSD-first (below, the three LSD passes are as fast). */
const MSD_MIN = 1 << 16;

/**
 * 32-bit keys with a payload, for large n: one scatter into 2048 buckets by the top 11 bits (the
 * only pass whose writes roam the whole array), then each bucket — a few thousand keys, cache
 * resident — sorted by the low 21 bits with two LSD passes (or insertion sort when tiny). Stable,
 * like the LSD sort: equal keys keep their input order.
 */
function msdSort32(key: Uint32Array, payload: Uint32Array, n: number): SortedKeys {
  const counts = new Uint32Array(2049);
  for (let i = 0; i < n; i++) counts[(key[i]! >>> 21) + 1]!++;
  for (let b = 1; b <= 2048; b++) counts[b]! += counts[b - 1]!;
  const starts = counts.slice(0, 2049);
  const k2 = new Uint32Array(n),
    p2 = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const k = key[i]!;
    const at = counts[k >>> 21]!++;
    k2[at] = k;
    p2[at] = payload[i]!;
  }
  // Scratch for the per-bucket passes: the input arrays, no longer needed.
  const ks = key,
    ps = payload;
  const c0 = new Uint32Array(2048),
    c1 = new Uint32Array(1024);
  for (let b = 0; b < 2048; b++) {
    const lo = starts[b]!,
      hi = starts[b + 1]!,
      m = hi - lo;
    if (m < 2) continue;
    if (m <= 32) {
      insertionSort(k2, p2, lo, hi);
      continue;
    }
    // Pass 1: bits 0..10 from (k2, p2) into (ks, ps); pass 2: bits 11..20 back into (k2, p2).
    c0.fill(0);
    c1.fill(0);
    for (let i = lo; i < hi; i++) {
      const k = k2[i]!;
      c0[k & 2047]!++;
      c1[(k >>> 11) & 1023]!++;
    }
    let sum = lo;
    for (let d = 0; d < 2048; d++) {
      const c = c0[d]!;
      c0[d] = sum;
      sum += c;
    }
    sum = lo;
    for (let d = 0; d < 1024; d++) {
      const c = c1[d]!;
      c1[d] = sum;
      sum += c;
    }
    for (let i = lo; i < hi; i++) {
      const k = k2[i]!;
      const at = c0[k & 2047]!++;
      ks[at] = k;
      ps[at] = p2[i]!;
    }
    for (let i = lo; i < hi; i++) {
      const k = ks[i]!;
      const at = c1[(k >>> 11) & 1023]!++;
      k2[at] = k;
      p2[at] = ps[i]!;
    }
  }
  return { order: p2, hi: k2, lo: null };
}

/** Stable insertion sort of keys[lo, hi) carrying the payload. */
function insertionSort(k: Uint32Array, p: Uint32Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const kv = k[i]!,
      pv = p[i]!;
    let j = i - 1;
    while (j >= lo && k[j]! > kv) {
      k[j + 1] = k[j]!;
      p[j + 1] = p[j]!;
      j--;
    }
    k[j + 1] = kv;
    p[j + 1] = pv;
  }
}

/** One pass over the keys: the histograms of all three 11/11/10-bit digits into `counts` (zeroed here). */
function countDigits(key: Uint32Array, n: number, counts: Uint32Array): void {
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const k = key[i]!;
    counts[k & 2047]!++;
    counts[2048 + ((k >>> 11) & 2047)]!++;
    counts[4096 + (k >>> 22)]!++;
  }
}

/**
 * Turn one digit's histogram (`counts[base .. base + size)`) into bucket start offsets. Returns false, leaving
 * the histogram as it is, when the pass would move nothing (every key in one bucket, or no keys): skip it.
 */
function bucketStarts(counts: Uint32Array, base: number, size: number, n: number): boolean {
  if (n === 0) return false;
  for (let b = 0; b < size; b++) {
    const c = counts[base + b]!;
    if (c === n) return false;
    if (c !== 0) break;
  }
  let sum = 0;
  for (let b = 0; b < size; b++) {
    const c = counts[base + b]!;
    counts[base + b] = sum;
    sum += c;
  }
  return true;
}
