/**
 * A column of scores in ascending order, split into tie groups.
 *
 * Every ranking metric walks tie groups, never individual positions, so its value does not depend on
 * how ties were ordered — which is why merging shard states reproduces one pass bit-for-bit.
 */
import { argsortColumn, f32FromKey, f64FromKey } from './radix-sort.ts';

export interface Ranking {
  /** Number of ranked rows. */
  n: number;
  /** Row numbers (store indices) in ascending score order. */
  order: Uint32Array;
  /** Exclusive end position in `order` of each tie group, groups ascending by score. */
  groupEnd: Uint32Array;
  /** The score shared by each tie group. */
  groupValue: Float64Array;
  groups: number;
  /** Lazily built by {@link groupOpens}: 1 at the first position of each tie group. */
  opens?: Uint8Array;
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
    groupValue[g] = lo === null ? f32FromKey(hi[j]!) : f64FromKey(hi[j]!, lo[j]!);
  }
  return { n, order, groupEnd, groupValue, groups };
}

/**
 * `out[j] = 1` when the row at sorted position j is positive (`labels[row] === positive`): one
 * gather, after which every walk over the ranking reads labels sequentially.
 */
export function positivesInOrder(r: Ranking, labels: ArrayLike<number>, positive: number): Uint8Array {
  const out = new Uint8Array(r.n);
  const order = r.order;
  for (let j = 0; j < r.n; j++) out[j] = +(labels[order[j]!] === positive);
  return out;
}
