/**
 * The SIMD sweeps' per-row channels, gathered a segment at a time (resample-simd.ts).
 *
 * The sweeps walk tiles of {@link TILE} sorted positions from the top down; a segment is
 * {@link SEGMENT_TILES} consecutive tiles. A thread gathers a segment's channels (the control score
 * from its tie group, the treatment score through the order, the label from the walk flags, then
 * the family's per-row features) when it first sweeps the segment, and keeps only the segment it
 * last gathered: the bootstrap's memory no longer grows with the rows (it was 8 B per row and
 * channel for the whole store, 32 B per row with log loss and Brier). Every resample range then
 * sweeps the segments in order, so the values — and their summation order — are those of one
 * sweep over all the tiles.
 */
import type { MetricFamily, ValidRows } from './metric-family.ts';
import type { Ranking } from './ranking.ts';
import type { StoredRows } from './ranking-context.ts';
import { ReplicaBank } from './replica-bank.ts';
import { gatherIds, gatherRows, TILE, type RowIds } from './resample-tiles.ts';

/**
 * Tiles per segment: 64K rows, 2 MB of channels with log loss and Brier — small next to the rows,
 * large enough that a range's state is saved and restored (a few KB) rarely.
 */
export const SEGMENT_TILES = 32;

/** Segments of n sorted positions. */
export function segmentCount(n: number): number {
  return Math.ceil(Math.ceil(n / TILE) / SEGMENT_TILES);
}

/**
 * The tiles of segment `s` of n sorted positions, from the top down: tile `t` (numbered from the
 * top, as in the whole sweep) is [a, a + len).
 */
export function forSegmentTiles(n: number, s: number, visit: (a: number, len: number, t: number) => void): void {
  const t1 = Math.min(Math.ceil(n / TILE), (s + 1) * SEGMENT_TILES);
  for (let t = s * SEGMENT_TILES; t < t1; t++) {
    const end = n - t * TILE,
      a = Math.max(0, end - TILE);
    visit(a, end - a, t);
  }
}

/** The lowest sorted position of segment `s` of n. */
function segmentLow(n: number, s: number): number {
  return Math.max(0, n - (s + 1) * SEGMENT_TILES * TILE);
}

/** One segment's gathered channels. */
export interface SegmentRows {
  s: number;
  /**
   * Sum channels, tile by tile, each tile channel-major: tile [a, a + len) at K · (a − low). In the
   * caller's area when it gave one ({@link segmentRows}; `inArea`): a view made at the gather, which
   * the area's owner may have detached since (a WebAssembly memory grown) — it reads the area itself.
   */
  xs: Float64Array;
  /** True when `xs` was gathered into the caller's area. */
  inArea: boolean;
  /** Per tile of the segment: count cells beyond the joint table (out-of-range probabilities, rare). */
  live: Uint8Array;
  /** The segment's lowest sorted position. */
  low: number;
}

/** What a segment's gather reads. */
export interface SegmentSource {
  store: StoredRows;
  family: MetricFamily | null;
  /** The control ranking (null: store order), and its walk flags (bit 0: positive). */
  rc: Ranking | null;
  flags: Uint8Array;
  /** The row ids, for store-order tiles. */
  rowIds: RowIds;
}

/** The segment this thread gathered last, for the sweeps of `key` (kept for the next range that sweeps it). */
let cached: { key: object; rows: SegmentRows } | null = null;

/**
 * Segment `s`'s channels for the sweeps `key` (their prepared rows): gathered now, or the ones this
 * thread gathered last when they are those. `area(length)`: where to gather them (the SIMD kernel's
 * own memory, which it then reads in place: no copy per tile and range); the caller keeps that area
 * for this cache alone — every sweep asks for its segments here, so a gather by other sweeps (which
 * overwrites the area) always replaces the cached segment first.
 */
export function segmentRows(key: object, src: SegmentSource, s: number, area?: (length: number) => Float64Array): SegmentRows {
  if (cached !== null && cached.key === key && cached.rows.s === s && cached.rows.inArea === (area !== undefined)) return cached.rows;
  const rows = gatherSegment(src, s, cached?.rows ?? null, area);
  cached = { key, rows };
  return rows;
}

/** Forget the cached segment (at the end of a result: its buffers and what it keeps alive are let go). */
export function releaseSegments(): void {
  cached = null;
}

function gatherSegment(src: SegmentSource, s: number, reuse: SegmentRows | null, area?: (length: number) => Float64Array): SegmentRows {
  const { store, family, rc } = src;
  const n = store.n,
    K = family === null ? 0 : family.layout.sums;
  const size = SEGMENT_TILES * TILE;
  const xs =
    area !== undefined ? area(K * size) : reuse !== null && !reuse.inArea && reuse.xs.length === K * size ? reuse.xs : new Float64Array(K * size);
  const live = reuse !== null ? reuse.live : new Uint8Array(SEGMENT_TILES);
  live.fill(0);
  const low = segmentLow(n, s);
  if (family !== null) {
    const valid = tileRows(store.width, store.label !== null);
    const rows = new Uint32Array(TILE),
      ids = new Float64Array(TILE);
    // Only for its slot scan (prepareWeighted): which tiles have count cells beyond the joint table.
    const scan = new ReplicaBank(family.layout, 1);
    forSegmentTiles(n, s, (a, len, t) => {
      if (rc === null) {
        gatherIds(src.rowIds, null, a, len, rows, ids);
        gatherRows(store, rows, len, valid);
      } else rankedTile(store.treatment, rc, src.flags, a, len, valid);
      const f = family.features(valid);
      for (let ch = 0; ch < K; ch++) xs.set(f.sums.subarray(ch * f.rows, ch * f.rows + len), K * (a - low) + ch * len);
      live[t - s * SEGMENT_TILES] = +scan.prepareWeighted(f, len);
    });
  }
  return { s, xs, live, low, inArea: area !== undefined };
}

/**
 * The rows at sorted positions [a, a + len) of a binary ranking into `valid`: the control score
 * from its tie group's value (sequential reads), the label from the walk flags' positive bit, and
 * only the treatment score gathered through the order.
 */
function rankedTile(treatment: Float32Array | Float64Array, r: Ranking, flags: Uint8Array, a: number, len: number, valid: ValidRows): void {
  const ge = r.groupEnd,
    gv = r.groupValue,
    order = r.order,
    vc = valid.control,
    vt = valid.treatment,
    vl = valid.label!;
  // The first group ending after a (binary search), then forward.
  let lo = 0,
    hi = r.groups - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ge[mid]! > a) hi = mid;
    else lo = mid + 1;
  }
  let g = lo;
  valid.n = len;
  for (let i = 0; i < len; i++) {
    const j = a + i;
    while (ge[g]! <= j) g++;
    vc[i] = gv[g]!;
    vt[i] = treatment[order[j]!]!;
    vl[i] = flags[j]! & 1;
  }
}

/** Float64 rows of one tile, as a family's `features` reads them. */
export function tileRows(width: number, labelled: boolean): ValidRows {
  return {
    n: 0,
    width,
    control: new Float64Array(TILE * width),
    treatment: new Float64Array(TILE * width),
    label: labelled ? new Float64Array(TILE) : null,
  };
}
