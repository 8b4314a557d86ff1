/**
 * The paired bootstrap's resamples, computed at result time from the point estimate's joint cells
 * and the stored rows. Nothing here depends on how the rows were batched, sharded or merged, nor on
 * which thread computes which resamples: a resample's values are a function of (seed, resample
 * index, the canonical stored rows, the merged cell counts) only.
 *
 * Per resample r:
 * - joint cells (binary: label × control prediction × treatment prediction) are drawn per cell,
 *   Poisson(count) (poisson-cells.ts): every counting metric in O(cells), not O(rows);
 * - per-row channels (log loss, Brier, score differences, regression errors, multiclass counts,
 *   moments) and ranking metrics weight each stored row by its counter-based Poisson(1) weight
 *   (poisson-weights.ts: a pure function of seed, row id and r).
 *
 * The rows are walked in tiles of {@link TILE} sorted positions: a tile's scores, features and row
 * keys are gathered and computed once and then serve every resample of the range while they sit in
 * cache, and the binary AUROC/AUPRC walks carry their running totals from tile to tile (one walk
 * per model, from the top score down, exactly the arithmetic of `aurocAuprc`).
 */
import type { ComparisonSpec } from './comparison-types.ts';
import type { Derived, ValidRows } from './metric-family.ts';
import { familyFor } from './families.ts';
import { hasRowChannels, ReplicaBank, ReplicaView } from './replica-bank.ts';
import { groupOpens, positivesInOrder, type Ranking } from './ranking.ts';
import { finishAurocAuprc } from './ranking-metrics.ts';
import { rankingContext, rankingMetrics, rankingOutcomes, type StoredRows } from './ranking-context.ts';
import { fillRowKeys, fillWeights, resampleKeys } from './poisson-weights.ts';
import { drawCells } from './poisson-cells.ts';
import { prepareSimdRows, SimdRange, simdSweepApplies, WALK, type SimdRows } from './resample-simd.ts';
import { segmentCount, segmentRows, type SegmentSource } from './resample-segments.ts';
import { fillAllRowKeys, gatherIds, gatherRows, TILE, type RowIds } from './resample-tiles.ts';

/** The stored rows a resample reads, with their ids (an array, or the first of consecutive ids). */
export type ResampleStore = StoredRows & { rowIds: RowIds };

/** Everything a resample needs; plain data, so it can be sent to a worker thread. */
export interface ResampleInput {
  spec: ComparisonSpec;
  /** Row width (multiclass: classes; else 1). */
  width: number;
  /** The point estimate's joint cells (`layout.jointCells` of them), or null when there are none. */
  cells: Float64Array | null;
  /** The stored rows in canonical (row-id) order, or null when no metric needs them. */
  store: ResampleStore | null;
  /** Binary / regression rankings of the whole store (null when no ranking metric is requested). */
  rc: Ranking | null;
  rt: Ranking | null;
  /**
   * The SIMD sweeps' rows, gathered once ({@link prepareResamples}) and shared by every range and
   * thread; absent: gathered by each {@link resampleRange} call that needs them.
   */
  simdRows?: SimdRows;
}

/** Which sweeps a resample of `input` needs. */
function sweepPlan(input: ResampleInput): { family: ReturnType<typeof familyFor>; rowWorld: boolean; walk: boolean; wanted: Set<string> } {
  const { spec, width, store } = input;
  const family = familyFor(spec, width);
  const n = store?.n ?? 0;
  const wanted = rankingMetrics(spec.metrics);
  const walk =
    spec.task.kind === 'binary' &&
    store !== null &&
    store.label !== null &&
    n > 0 &&
    input.rc !== null &&
    input.rt !== null &&
    (wanted.has('auroc') || wanted.has('auprc'));
  return { family, rowWorld: store !== null && n > 0 && hasRowChannels(family.layout), walk, wanted };
}

/**
 * Whether the resamples of a comparison read the stored control scores by row, given both models'
 * rankings of its n stored rows (`labelled`: the store has labels). They do not when no sweep has
 * per-row channels, or when the SIMD sweeps walk the control ranking: they take each row's control
 * score from its tie group (resample-segments.ts `rankedTile`). The final result then spends those
 * scores' memory once they are ranked (row-store.ts `spendControl`).
 */
export function resamplesReadControl(spec: ComparisonSpec, width: number, n: number, labelled: boolean): boolean {
  if (spec.bootstrap === 0 || n === 0) return false;
  const layout = familyFor(spec, width).layout;
  if (!hasRowChannels(layout)) return false;
  const wanted = rankingMetrics(spec.metrics);
  const walk = spec.task.kind === 'binary' && labelled && (wanted.has('auroc') || wanted.has('auprc'));
  return !(walk && simdSweepApplies(layout, n));
}

/** True when the SIMD sweeps serve `input` (and `prepareResamples` gathers their rows). */
function simdServes(input: ResampleInput, plan: ReturnType<typeof sweepPlan>): boolean {
  return input.store !== null && (plan.rowWorld || plan.walk) && simdSweepApplies(plan.family.layout, input.store.n);
}

/** The SIMD sweeps' rows of `input`, gathered. */
function simdRowsOf(input: ResampleInput, plan: ReturnType<typeof sweepPlan>): SimdRows {
  const store = input.store!;
  const side = (r: Ranking | null): { ranking: Ranking; pos: Uint8Array } | null =>
    plan.walk && r !== null ? { ranking: r, pos: positivesInOrder(r, store.label!, 1) } : null;
  return prepareSimdRows(store, input.spec.seed, plan.rowWorld ? plan.family : null, side(input.rc), side(input.rt));
}

/**
 * `input` with the SIMD sweeps' rows gathered (in shared memory) when they serve it: done once,
 * before the resamples are spread over threads, so no thread repeats the gathers.
 */
export function prepareResamples(input: ResampleInput): ResampleInput {
  const plan = sweepPlan(input);
  return simdServes(input, plan) && input.simdRows === undefined ? { ...input, simdRows: simdRowsOf(input, plan) } : input;
}

/**
 * Continue the descending AUROC/AUPRC walk of one resample over sorted positions [a, a + len)
 * (weights `w[i]` for position a + i). As in `aurocAuprc`, except that the Mann–Whitney numerator
 * is kept as S = Σ pos·(2·fpNext − neg) and finished as 2·N·P − S (both exact integers), so the
 * negatives' total N need not be known before the walk.
 */
function walkTile(st: Float64Array, at: number, w: Uint8Array, pos: Uint8Array, opens: Uint8Array, a: number, len: number): void {
  let cumPos = st[at]!,
    cumAll = st[at + 1]!,
    tp = st[at + 2]!,
    fp = st[at + 3]!,
    S = st[at + 4]!,
    ap = st[at + 5]!;
  for (let i = len - 1; i >= 0; i--) {
    const wi = w[i]!;
    cumPos += wi * (pos[a + i]! & 1);
    cumAll += wi;
    const c = opens[a + i]!;
    const fpNext = cumAll - cumPos;
    const p = cumPos - tp,
      ng = fpNext - fp;
    S += c * (p * (2 * fpNext - ng));
    ap += c * ((p * cumPos) / (cumAll + +(cumAll === 0)));
    tp += c * p;
    fp += c * ng;
  }
  st[at] = cumPos;
  st[at + 1] = cumAll;
  st[at + 2] = tp;
  st[at + 3] = fp;
  st[at + 4] = S;
  st[at + 5] = ap;
}

/**
 * Visit the sorted positions of `order` (null: store order) in tiles from the top down, with the
 * row keys of each tile's rows.
 */
function sweep(
  store: NonNullable<ResampleInput['store']>,
  seed: number,
  order: Uint32Array | null,
  visit: (a: number, len: number, rows: Uint32Array, k0: Uint32Array, k1: Uint32Array) => void,
): void {
  const n = store.n;
  const rows = new Uint32Array(TILE),
    ids = new Float64Array(TILE),
    k0 = new Uint32Array(TILE),
    k1 = new Uint32Array(TILE);
  for (let end = n; end > 0; end -= TILE) {
    const a = Math.max(0, end - TILE),
      len = end - a;
    gatherIds(store.rowIds, order, a, len, rows, ids);
    fillRowKeys(seed, ids, len, k0, k1);
    visit(a, len, rows, k0, k1);
  }
}

/** One range's working state: its sweeps' outputs, filled by the sweeps and read by {@link deriveRange}. */
interface RangeState {
  plan: ReturnType<typeof sweepPlan>;
  r0: number;
  r1: number;
  bank: ReplicaBank;
  /** Pair keys of resamples 1..r1-1 (poisson-weights.ts resampleKeys). */
  q: Uint32Array;
  stC: Float64Array;
  stT: Float64Array;
}

function rangeState(input: ResampleInput, r0: number, r1: number): RangeState {
  const plan = sweepPlan(input);
  const R = r1 - r0;
  return {
    plan,
    r0,
    r1,
    bank: new ReplicaBank(plan.family.layout, R),
    q: resampleKeys(input.spec.seed, r1 - 1),
    stC: new Float64Array(plan.walk ? WALK * R : 0),
    stT: new Float64Array(plan.walk ? WALK * R : 0),
  };
}

/** The SIMD sweeps of `st`'s range over `p`, their sums into its bank. */
function simdRange(input: ResampleInput, st: RangeState, p: SimdRows): SimdRange {
  const { family, rowWorld } = st.plan;
  return new SimdRange(p, input.store!, rowWorld ? family : null, input.spec.seed, st.q, st.r0, st.r1, st.bank);
}

/** What a segment's gather reads (resample-segments.ts). */
function segmentSource(input: ResampleInput, plan: RangeState['plan'], p: SimdRows): SegmentSource {
  const store = input.store!;
  return { store, family: plan.rowWorld ? plan.family : null, rc: p.order !== null ? input.rc : null, flags: p.c.flags, rowIds: store.rowIds };
}

function finishSimd(range: SimdRange, st: RangeState): void {
  range.finish({ bank: st.bank, stC: st.plan.walk ? st.stC : null, stT: st.plan.walk ? st.stT : null });
}

/** Segments the SIMD sweeps of `input` take (0: `input` has no gathered SIMD rows). */
export function simdSegments(input: ResampleInput): number {
  return input.simdRows === undefined ? 0 : segmentCount(input.simdRows.n);
}

/**
 * Segment `seg` of the SIMD sweeps of resamples r0..r1-1 of a {@link prepareResamples prepared}
 * `input`, continuing from the range's `state` (the previous segment's, saved by any thread; zeros
 * at segment 0) and saving it back; after the last segment, the resamples' values (else null).
 * Sweeping every segment in order gives {@link resampleRange}'s values bit for bit.
 */
export function resampleSegment(input: ResampleInput, r0: number, r1: number, seg: number, state: Uint8Array): Derived[] | null {
  const st = rangeState(input, r0, r1);
  const p = input.simdRows!;
  const range = simdRange(input, st, p);
  if (seg > 0) range.load(state);
  range.run(seg, segmentRows(p, segmentSource(input, st.plan, p), seg, range.channelArea));
  if (seg + 1 < segmentCount(p.n)) {
    range.save(state);
    return null;
  }
  finishSimd(range, st);
  return deriveRange(input, st);
}

/** Bytes of a {@link resampleSegment} range's state for R resamples of `input`. */
export function segmentStateBytes(input: ResampleInput, R: number): number {
  const L = sweepPlan(input).family.layout;
  return SimdRange.stateBytes(R, input.simdRows!.K, L.counts);
}

/**
 * Resamples r0..r1-1 (1-based resample numbers) of `input`, each as the metric values it derives.
 * The binary sweeps run on the SIMD kernel where it serves the layout (resample-simd.ts; `simd`
 * false forces the scalar sweeps, which give the same bits — the tests compare them).
 */
export function resampleRange(input: ResampleInput, r0: number, r1: number, simd = true): Derived[] {
  const { spec, store } = input;
  if (r1 - r0 <= 0) return [];
  const st = rangeState(input, r0, r1);
  const { family, rowWorld, walk } = st.plan;
  const { bank, q, stC, stT } = st;
  const seed = spec.seed;
  const n = store?.n ?? 0;
  const wbuf = new Uint8Array(TILE);

  if (store !== null && simd && simdServes(input, st.plan)) {
    const p = input.simdRows ?? simdRowsOf(input, st.plan);
    const range = simdRange(input, st, p);
    const src = segmentSource(input, st.plan, p);
    for (let s = 0; s < segmentCount(n); s++) range.run(s, segmentRows(p, src, s, range.channelArea));
    finishSimd(range, st);
  } else if (store !== null && n > 0 && (rowWorld || walk)) {
    const k = store.width;
    const valid: ValidRows = {
      n: 0,
      width: k,
      control: new Float64Array(TILE * k),
      treatment: new Float64Array(TILE * k),
      label: store.label === null ? null : new Float64Array(TILE),
    };
    const rc = walk ? input.rc! : null;
    const posC = rc !== null ? positivesInOrder(rc, store.label!, 1) : null;
    const opensC = rc !== null ? groupOpens(rc) : null;
    sweep(store, seed, rc?.order ?? null, (a, len, rows, k0, k1) => {
      let f = null;
      if (rowWorld) {
        gatherRows(store, rows, len, valid);
        f = family.features(valid);
        bank.prepareWeighted(f, len);
      }
      for (let r = r0; r < r1; r++) {
        const Wb = fillWeights(k0, k1, len, q, r - 1, wbuf);
        if (f !== null) bank.addWeighted(r - r0, f, len, wbuf, Wb);
        if (posC !== null) walkTile(stC, (r - r0) * WALK, wbuf, posC, opensC!, a, len);
      }
    });
    if (walk) {
      const rt = input.rt!;
      const posT = positivesInOrder(rt, store.label!, 1),
        opensT = groupOpens(rt);
      sweep(store, seed, rt.order, (a, len, _rows, k0, k1) => {
        for (let r = r0; r < r1; r++) {
          fillWeights(k0, k1, len, q, r - 1, wbuf);
          walkTile(stT, (r - r0) * WALK, wbuf, posT, opensT, a, len);
        }
      });
    }
  }
  return deriveRange(input, st);
}

/** The metric values of each resample of `st`'s range, its sweeps done. */
function deriveRange(input: ResampleInput, st: RangeState): Derived[] {
  const { spec, store } = input;
  const { r0, r1, bank, q, stC, stT } = st;
  const { family, rowWorld, walk, wanted } = st.plan;
  const L = family.layout;
  const seed = spec.seed;
  const n = store?.n ?? 0;
  // Ranking metrics other than the tiled walks take a whole weight vector per resample.
  const others = new Set([...wanted].filter((m) => !(walk && (m === 'auroc' || m === 'auprc'))));
  let ctx = null,
    k0All: Uint32Array | null = null,
    k1All: Uint32Array | null = null,
    full: Uint8Array | null = null;
  if (others.size > 0 && store !== null && n > 0) {
    const given = input.rc !== null && input.rt !== null ? { rc: input.rc, rt: input.rt } : undefined;
    ctx = rankingContext(spec.task.kind, others, store, null, n, [new Float64Array(n), new Float64Array(n)], given);
    k0All = new Uint32Array(n);
    k1All = new Uint32Array(n);
    full = new Uint8Array(n);
    fillAllRowKeys(seed, store.rowIds, n, k0All, k1All);
  }

  const out: Derived[] = [];
  for (let r = r0; r < r1; r++) {
    const i = r - r0;
    if (L.jointCells > 0 && input.cells !== null) {
      drawCells(input.cells, L.jointCells, seed, r, bank.counts, i * L.counts);
      if (!rowWorld) {
        let total = 0;
        for (let c = 0; c < L.jointCells; c++) total += bank.counts[i * L.counts + c]!;
        bank.W[i] = total;
      }
    }
    const d: Derived = new Map();
    family.derive(new ReplicaView(bank, i), d);
    if (walk) {
      const c = WALK * i;
      const side = (st: Float64Array): ReturnType<typeof finishAurocAuprc> => {
        const P = st[c]!,
          N = st[c + 1]! - P;
        return finishAurocAuprc(P, N, 2 * N * P - st[c + 4]!, st[c + 5]!);
      };
      const ac = side(stC),
        at = side(stT);
      if (wanted.has('auroc')) d.set('auroc', { control: ac.auroc, treatment: at.auroc });
      if (wanted.has('auprc')) d.set('auprc', { control: ac.auprc, treatment: at.auprc });
    }
    if (ctx !== null) {
      fillWeights(k0All!, k1All!, n, q, r - 1, full!);
      rankingOutcomes(ctx, full, d);
    }
    out.push(d);
  }
  return out;
}
