/**
 * The rankings of the result's slices, cut from the whole store's rankings instead of sorted again.
 *
 * A slice's rows in ascending score order are the whole ranking's rows of that slice, in the whole
 * ranking's order; its tie groups are the whole ranking's tie groups restricted to the slice (the
 * non-empty ones), with the same values. Every ranking metric walks tie groups, never positions
 * (ranking.ts), so a slice's metrics from a cut ranking are those of the slice sorted on its own, bit
 * for bit — and the cut is a sequential pass per slice where the sort was two radix passes over
 * scattered keys (the slices were ~10% of the main job's wall time at 4M rows: docs/metrics.md,
 * "Performance").
 *
 * Binary and regression rankings only (one per model); multiclass slices still sort their per-class rankings.
 */
import { emptyRankingContext, type RankingContext, type StoredRows } from './ranking-context.ts';
import type { Ranking } from './ranking.ts';

type Groups = Uint8Array | Uint16Array | Uint32Array;

/** One model's ranking with, at each sorted position, the slice group of its row. */
interface Whole {
  r: Ranking;
  positives: Uint8Array | null;
  groupAt: Groups;
}

/** Reused output buffers of one model's cut, sized for the largest group (+1: the writes are branch-free). */
interface CutBuffers {
  order: Uint32Array;
  positives: Uint8Array;
  groupEnd: Uint32Array;
  groupValue: Float32Array | Float64Array;
}

/** Cuts a whole-store ranking context into one context per slice group ({@link sliceCutter}). */
export interface SliceCutter {
  /**
   * The ranking context of group `g`'s rows. Its arrays are reused by the next call: compute its
   * metrics before asking for another group.
   */
  context(g: number): RankingContext;
}

/**
 * A cutter of `whole` (binary or regression, both models ranked over every stored row) into the
 * groups `groupOfSlice[store.slice[row]]` (`groups` of them), or null when `whole` has no per-model
 * rankings to cut (multiclass, no ranking metric). `scratch`: Spearman's per-row buffers for the
 * slices' contexts (n each when Spearman is wanted, as for the whole store). `area`: a free buffer
 * (the spent control scores, comparison-result.ts) that holds both models' per-position groups when
 * they are bytes and it has 2n of them, instead of two new n-byte arrays.
 */
export function sliceCutter(
  whole: RankingContext,
  store: StoredRows,
  slice: Groups,
  groupOfSlice: (s: number) => number,
  groups: number,
  scratch: [Float64Array, Float64Array],
  area: Uint32Array | null = null,
): SliceCutter | null {
  if (whole.kind === 'multiclass' || whole.rc === null || whole.rt === null) return null;
  const n = store.n;
  // The group of each slice index (the overflow's included).
  const Ctor = groups <= 0x100 ? Uint8Array : groups <= 0x10000 ? Uint16Array : Uint32Array;
  let top = 0;
  for (let i = 0; i < n; i++) if (slice[i]! > top) top = slice[i]!;
  const map = new Ctor(top + 1);
  for (let s = 0; s <= top; s++) map[s] = groupOfSlice(s);
  const counts = new Float64Array(groups);
  for (let i = 0; i < n; i++) counts[map[slice[i]!]!]!++;
  let largest = 0;
  for (let g = 0; g < groups; g++) largest = Math.max(largest, counts[g]!);
  // AUROC and AUPRC read only the tie groups' ends and the positive flags; Spearman reads the rows'
  // order, KS and PSI the groups' values: the cuts skip what no wanted metric reads (their memory
  // is 13 B per row of the largest group per model with everything, 5 B with the flags and ends).
  const lean = !whole.wanted.has('spearman') && !whole.wanted.has('ks') && !whole.wanted.has('psi') && whole.posC !== null && whole.posT !== null;
  const inArea = area !== null && Ctor === Uint8Array && area.byteLength >= 2 * n;
  const side = (r: Ranking, positives: Uint8Array | null, at: number): [Whole, CutBuffers] => {
    // The group at each sorted position: one gather here, then every group's cut reads it in order.
    const groupAt = inArea ? new Uint8Array(area.buffer, area.byteOffset + at * n, n) : new Ctor(n);
    const order = r.order;
    for (let j = 0; j < n; j++) groupAt[j] = map[slice[order[j]!]!]!;
    // A group's rows and (+1: the branch-free writes) its tie groups, which are at most the whole ranking's.
    const m = largest + 1,
      mg = Math.min(largest, r.groups) + 1;
    const Value = r.groupValue instanceof Float32Array ? Float32Array : Float64Array;
    return [
      { r, positives, groupAt },
      {
        order: new Uint32Array(lean ? 0 : m),
        positives: new Uint8Array(positives === null ? 0 : m),
        groupEnd: new Uint32Array(mg),
        groupValue: new Value(lean ? 0 : mg),
      },
    ];
  };
  const [c, cBuf] = side(whole.rc, whole.posC, 0);
  const [t, tBuf] = side(whole.rt, whole.posT, 1);
  return {
    context(g: number): RankingContext {
      const rc = lean ? cutLean(c, g, cBuf) : cut(c, g, cBuf),
        rt = lean ? cutLean(t, g, tBuf) : cut(t, g, tBuf);
      return {
        ...emptyRankingContext(whole.kind, whole.wanted, whole.labels, scratch),
        rc: rc.r,
        rt: rt.r,
        posC: whole.posC === null ? null : rc.positives,
        posT: whole.posT === null ? null : rt.positives,
      };
    },
  };
}

/**
 * Group `g`'s ranking cut from `w`, in `out`'s buffers. Branch-free per position: every row is
 * written at the cut's next slot, which advances only for the group's rows (the rows of a slice
 * alternate unpredictably with the others'); likewise every tie group's end and value, kept only
 * when the group holds some of the slice's rows.
 */
function cut(w: Whole, g: number, out: CutBuffers): { r: Ranking; positives: Uint8Array } {
  const { r, positives, groupAt } = w;
  const { order, groupEnd, groupValue } = out;
  const srcOrder = r.order,
    srcEnd = r.groupEnd,
    srcValue = r.groupValue;
  let m = 0,
    groups = 0,
    start = 0;
  if (positives !== null) {
    const pos = out.positives;
    for (let k = 0; k < r.groups; k++) {
      const end = srcEnd[k]!;
      const before = m;
      for (let j = start; j < end; j++) {
        order[m] = srcOrder[j]!;
        // Bit 0: the whole ranking's flags may hold the bootstrap's walk marks (resample-simd.ts `walkFlags`).
        pos[m] = positives[j]! & 1;
        m += +(groupAt[j] === g);
      }
      groupEnd[groups] = m;
      groupValue[groups] = srcValue[k]!;
      groups += +(m > before);
      start = end;
    }
  } else {
    for (let k = 0; k < r.groups; k++) {
      const end = srcEnd[k]!;
      const before = m;
      for (let j = start; j < end; j++) {
        order[m] = srcOrder[j]!;
        m += +(groupAt[j] === g);
      }
      groupEnd[groups] = m;
      groupValue[groups] = srcValue[k]!;
      groups += +(m > before);
      start = end;
    }
  }
  return {
    r: { n: m, order: order.subarray(0, m), groupEnd: groupEnd.subarray(0, groups), groupValue: groupValue.subarray(0, groups), groups },
    positives: out.positives.subarray(0, m),
  };
}

/**
 * {@link cut} of the positive flags and tie groups' ends only (AUROC and AUPRC read nothing else):
 * the ranking's `order` and `groupValue` are empty — no other metric reads this ranking.
 */
function cutLean(w: Whole, g: number, out: CutBuffers): { r: Ranking; positives: Uint8Array } {
  const { r, groupAt } = w;
  const positives = w.positives!;
  const { groupEnd } = out;
  const pos = out.positives;
  const srcEnd = r.groupEnd;
  let m = 0,
    groups = 0,
    start = 0;
  for (let k = 0; k < r.groups; k++) {
    const end = srcEnd[k]!;
    const before = m;
    for (let j = start; j < end; j++) {
      pos[m] = positives[j]! & 1;
      m += +(groupAt[j] === g);
    }
    groupEnd[groups] = m;
    groups += +(m > before);
    start = end;
  }
  return {
    r: { n: m, order: out.order, groupEnd: groupEnd.subarray(0, groups), groupValue: out.groupValue, groups },
    positives: pos.subarray(0, m),
  };
}
