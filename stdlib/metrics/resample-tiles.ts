/**
 * The tiles both bootstrap sweeps walk (resample-engine.ts's scalar sweeps, resample-simd.ts's SIMD
 * kernel): runs of {@link TILE} sorted positions whose rows are gathered once, then serve every
 * resample of the range while they sit in cache.
 */
import type { ValidRows } from './metric-family.ts';
import type { StoredRows } from './ranking-context.ts';

/** Sorted positions per tile: a tile's keys, weights, flags and features stay in L2 across resamples. */
export const TILE = 2048;

// The per-tile gathers are functions of their own: called once per tile, they are optimized early
// and stay optimized, where the same loops inline in the sweep deoptimized it on every new phase.

/** `rows[i]` = the store row at sorted position a + i (store order when `order` is null), `ids[i]` its id. */
export function gatherIds(rowIds: Float64Array, order: Uint32Array | null, a: number, len: number, rows: Uint32Array, ids: Float64Array): void {
  for (let i = 0; i < len; i++) {
    const row = order === null ? a + i : order[a + i]!;
    rows[i] = row;
    ids[i] = rowIds[row]!;
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
