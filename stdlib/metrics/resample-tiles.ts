/**
 * The tiles both bootstrap sweeps walk (resample-engine.ts's scalar sweeps, resample-simd.ts's SIMD
 * kernel): runs of {@link TILE} sorted positions whose rows are gathered once, then serve every
 * resample of the range while they sit in cache.
 */
import type { ValidRows } from './metric-family.ts';
import type { StoredRows } from './ranking-context.ts';
import { fillRowKeys } from './poisson-weights.ts';

/** Sorted positions per tile: a tile's keys, weights, flags and features stay in L2 across resamples. */
export const TILE = 2048;

// The per-tile gathers are functions of their own: called once per tile, they are optimized early
// and stay optimized, where the same loops inline in the sweep deoptimized it on every new phase.

/**
 * The stored rows' ids as the bootstrap reads them: an array (row i's id at i), or — while the ids
 * are consecutive, a replay read in order — the first id alone, row i's id being `base + i`. The
 * resamples then need no 8 B per row written out: the rankings' sort buffer stays free for DeLong
 * while the workers already sweep (comparison-result.ts).
 */
export type RowIds = Float64Array | { base: number };

/** `rows[i]` = the store row at sorted position a + i (store order when `order` is null), `ids[i]` its id. */
export function gatherIds(rowIds: RowIds, order: Uint32Array | null, a: number, len: number, rows: Uint32Array, ids: Float64Array): void {
  if (rowIds instanceof Float64Array)
    for (let i = 0; i < len; i++) {
      const row = order === null ? a + i : order[a + i]!;
      rows[i] = row;
      ids[i] = rowIds[row]!;
    }
  else
    for (let i = 0, base = rowIds.base; i < len; i++) {
      const row = order === null ? a + i : order[a + i]!;
      rows[i] = row;
      ids[i] = base + row;
    }
}

/** The id of store row `row`. */
export function rowIdAt(rowIds: RowIds, row: number): number {
  return rowIds instanceof Float64Array ? rowIds[row]! : rowIds.base + row;
}

/** Every row's keys (poisson-weights.ts fillRowKeys) for rows 0..n-1, a tile of ids at a time. */
export function fillAllRowKeys(seed: number, rowIds: RowIds, n: number, k0: Uint32Array, k1: Uint32Array): void {
  if (rowIds instanceof Float64Array) return fillRowKeys(seed, rowIds, n, k0, k1);
  const rows = new Uint32Array(TILE),
    ids = new Float64Array(TILE);
  for (let a = 0; a < n; a += TILE) {
    const len = Math.min(TILE, n - a);
    gatherIds(rowIds, null, a, len, rows, ids);
    fillRowKeys(seed, ids, len, k0.subarray(a, a + len), k1.subarray(a, a + len));
  }
}

/** The stored rows `rows[0..len)` into `valid` (float64, row-major). */
export function gatherRows(store: StoredRows, rows: Uint32Array, len: number, valid: ValidRows): void {
  const k = store.width,
    sc = store.control,
    st = store.treatment,
    sl = store.label,
    vc = valid.control,
    vt = valid.treatment,
    vl = valid.label;
  valid.n = len;
  if (k === 1) {
    for (let i = 0; i < len; i++) {
      const row = rows[i]!;
      vc[i] = sc[row]!;
      vt[i] = st[row]!;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const row = rows[i]!;
      for (let j = 0; j < k; j++) {
        vc[i * k + j] = sc[row * k + j]!;
        vt[i * k + j] = st[row * k + j]!;
      }
    }
  }
  if (vl !== null && sl !== null) for (let i = 0; i < len; i++) vl[i] = sl[rows[i]!]!;
}
