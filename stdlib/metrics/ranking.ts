/**
 * A column of scores in ascending order, split into tie groups.
 *
 * Every ranking metric walks tie groups, never individual positions, so its value does not depend on
 * how ties were ordered — which is why merging shard states reproduces one pass bit-for-bit.
 */
import { sharedArray } from './row-store.ts';
import { allFloat32, argsortColumn, argsortFlagged32, f64FromKey, MAX_FLAGGED_ROW, type SortScratch } from './radix-sort.ts';
import type { FlaggedColumn } from './radix-msd.ts';

export interface Ranking {
  /** Number of ranked rows. */
  n: number;
  /** Row numbers (store indices) in ascending score order. */
  order: Uint32Array;
  /** Exclusive end position in `order` of each tie group, groups ascending by score. */
  groupEnd: Uint32Array;
  /** The score shared by each tie group (float32 when every ranked score is exactly a float32). */
  groupValue: Float32Array | Float64Array;
  groups: number;
  /** Lazily built by {@link groupOpens}: 1 at the first position of each tie group. */
  opens?: Uint8Array;
  /**
   * The flags {@link positivesInOrder} would compute, when the sort carried them (see
   * {@link rankFlagged}): for the labels in `buffer` at `byteOffset` and class `positive`. Once a
   * binary bootstrap is prepared, bits 1–2 hold its walk marks (resample-simd.ts `walkFlags`, in
   * place): readers take bit 0.
   */
  flagged?: { buffer: ArrayBufferLike; byteOffset: number; positive: number; flags: Uint8Array };
}

/** 1 at the first sorted position of each tie group, else 0 (built once per ranking, then cached on it). */
export function groupOpens(r: Ranking): Uint8Array {
  if (r.opens !== undefined) return r.opens;
  const out = new Uint8Array(r.n);
  if (r.n > 0) out[0] = 1;
  for (let g = 0; g + 1 < r.groups; g++) out[r.groupEnd[g]!] = 1;
  r.opens = out;
  return out;
}

/**
 * Rank `values[row * stride + column]` over `rows` (null: rows 0..n-1).
 * Precondition: no NaN and no -0 among the ranked values.
 */
export function rankColumn(values: Float32Array | Float64Array, stride: number, column: number, rows: Uint32Array | null, n: number): Ranking {
  if (n <= MAX_FLAGGED_ROW + 1 && allFloat32(values, stride, column, rows, n)) {
    return rankFlagged({ values, stride, column, rows, n, labels: null, positive: 0 }, { a: null, b: null }).ranking;
  }
  const { order, hi, lo } = argsortColumn(values, stride, column, rows, n);
  const ends = new Uint32Array(n);
  let groups = 0;
  if (lo === null) {
    for (let j = 1; j < n; j++) if (hi[j] !== hi[j - 1]) ends[groups++] = j;
  } else {
    for (let j = 1; j < n; j++) if (hi[j] !== hi[j - 1] || lo[j] !== lo[j - 1]) ends[groups++] = j;
  }
  if (n > 0) ends[groups++] = n;
  const groupEnd = ends.slice(0, groups);
  // Group values from the sorted keys (sequential reads, no gather through `order`).
  const groupValue = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const j = groupEnd[g]! - 1;
    groupValue[g] = lo === null ? keyToF32(hi[j]!) : f64FromKey(hi[j]!, lo[j]!);
  }
  return { n, order, groupEnd, groupValue, groups };
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);
function keyToF32(k: number): number {
  f32Bits[0] = (k & 0x80000000) !== 0 ? k ^ 0x80000000 : ~k;
  return f32[0]!;
}

/**
 * Rank like {@link rankColumn} and, in the same sort, flag the positive rows (`labels[row] ===
 * positive`; no flags when `labels` is null) in sorted order — what {@link positivesInOrder} returns,
 * without its random read per row. The flags are also kept on the ranking, so a later
 * `positivesInOrder` for the same labels returns them instead of gathering again. `scratch` holds the
 * sort buffers, reused when several columns are ranked in a row; `into`, when given (n words on
 * shared memory), becomes the ranking's order instead of a new array.
 *
 * Preconditions: every ranked value exactly a float32 (`allFloat32`), no NaN, no -0, rows ≤ 2^31 − 1.
 */
export function rankFlagged(col: FlaggedColumn, scratch: SortScratch, into?: Uint32Array): { ranking: Ranking; positives: Uint8Array } {
  const { n, labels, positive } = col;
  // On shared buffers, like the store's rows: the bootstrap's workers read them without a copy.
  const order = into !== undefined && into.length === n ? into : sharedArray(Uint32Array, n),
    flags = sharedArray(Uint8Array, n);
  const keys = argsortFlagged32(col, scratch, order, flags);
  // Two passes over the sorted keys: count the tie groups, then each group's end and value — its
  // float32 bits straight from the key (the inverse of the key map) — into arrays of exactly that
  // size (no n-word buffer for the ends: the sort's scratch is all the keys).
  // Both passes a function call per chunk of rows (as the sort's passes, radix-msd.ts CHUNK).
  let groups = n > 0 ? 1 : 0;
  for (let j = 1; j < n; j += GROUP_CHUNK) groups += countBreaks(keys, j, Math.min(n, j + GROUP_CHUNK));
  const groupEnd = sharedArray(Uint32Array, groups),
    groupValue = sharedArray(Float32Array, groups);
  const valueBits = new Uint32Array(groupValue.buffer, groupValue.byteOffset, groups);
  let g = 0;
  for (let j = 1; j < n; j += GROUP_CHUNK) g = writeBreaks(keys, j, Math.min(n, j + GROUP_CHUNK), groupEnd, valueBits, g);
  if (n > 0) {
    const k = keys[n - 1]!;
    valueBits[g] = (k & 0x80000000) !== 0 ? (k ^ 0x80000000) >>> 0 : ~k >>> 0;
    groupEnd[g] = n;
  }
  const ranking: Ranking = { n, order, groupEnd, groupValue, groups };
  if (labels !== null && ArrayBuffer.isView(labels)) {
    ranking.flagged = { buffer: labels.buffer, byteOffset: labels.byteOffset, positive, flags };
  }
  return { ranking, positives: flags };
}

/** Sorted positions per call of {@link countBreaks} and {@link writeBreaks}. */
const GROUP_CHUNK = 1 << 16;

/** Positions j in [j0, j1) (j0 ≥ 1) whose sorted key differs from the one before: the tie groups that end there. */
function countBreaks(keys: Uint32Array, j0: number, j1: number): number {
  let c = 0;
  for (let j = j0; j < j1; j++) if (keys[j] !== keys[j - 1]) c++;
  return c;
}

/**
 * For each break j in [j0, j1) (see {@link countBreaks}), the group ending there: its end j and its
 * float32 bits, from the key (the inverse of the key map), at index g on; returns the next g.
 */
function writeBreaks(keys: Uint32Array, j0: number, j1: number, groupEnd: Uint32Array, valueBits: Uint32Array, g: number): number {
  for (let j = j0; j < j1; j++) {
    const k = keys[j - 1]!;
    if (keys[j] !== k) {
      valueBits[g] = (k & 0x80000000) !== 0 ? (k ^ 0x80000000) >>> 0 : ~k >>> 0;
      groupEnd[g++] = j;
    }
  }
  return g;
}

/**
 * `out[j] = 1` when the row at sorted position j is positive (`labels[row] === positive`): one
 * gather, after which every walk over the ranking reads labels sequentially. A ranking built by
 * {@link rankFlagged} for the same labels (same buffer and offset) and class returns its flags.
 */
export function positivesInOrder(r: Ranking, labels: ArrayLike<number>, positive: number): Uint8Array {
  const f = r.flagged;
  if (
    f !== undefined &&
    f.positive === positive &&
    f.flags.length === r.n &&
    ArrayBuffer.isView(labels) &&
    labels.buffer === f.buffer &&
    labels.byteOffset === f.byteOffset
  ) {
    return f.flags;
  }
  const out = new Uint8Array(r.n);
  const order = r.order;
  for (let j = 0; j < r.n; j++) out[j] = +(labels[order[j]!] === positive);
  return out;
}
