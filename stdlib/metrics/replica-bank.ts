/**
 * The accumulator behind every counting and per-row metric, as "replicas": the comparison streams
 * the point estimate (replica 0, every row weight 1); at result time the bootstrap builds one
 * replica per resample (joint cells drawn per cell, per-row channels weighted from the stored rows:
 * resample-engine.ts). Metrics are derived from a replica by the same code whether it is the point
 * estimate or a resample, so a bootstrap interval always describes exactly the statistic reported.
 *
 * Per replica it keeps:
 * - `W`: the total weight (row count for the point replica);
 * - count cells: each row adds its weight to up to `slotsPerRow` cells (a confusion-matrix cell, a
 *   class support, ...). Counts are integers: merging is exact, bit-for-bit;
 * - sum channels: `Σ w·x`. The point estimate (rows added by {@link ReplicaBank.add}) sums exactly
 *   (exact-sum.ts) and rounds once when read, so it is a pure function of the multiset of rows: any
 *   split of the rows, any batch sizes and any merge order give the same bits;
 * - max channels: the maximum over rows with non-zero weight (exact under merge);
 * - moments: means and co-moments `Σ w (x_i − mean_i)(x_j − mean_j)` of a few variables. Resamples
 *   update them per batch (two passes: centred on the replica's weighted batch mean) and merge with
 *   Chan et al.'s pairwise formula. The point estimate keeps exact Σx and Σx·y (two-products) and
 *   forms n·Σxy − Σx·Σy exactly before rounding once: no digit is lost when the mean is large
 *   against the spread (mean 1e6, spread 1), and the result does not depend on the order of the rows.
 *   Minimum and maximum of each variable are kept exactly, so "all values equal" (zero variance) is
 *   detected exactly, not by a tolerance.
 *
 * Memory is O(replicas × layout), independent of the number of rows: no per-resample copy of data.
 */
import { encodeArray, decodeF64Length, MetricsStateError, type EncodedArray } from './state-codec.ts';
import { ExactSums, type ExactSumsState } from './exact-sum.ts';

/** Which channels a metric family needs. Fixed for the life of an accumulator. */
export interface BankLayout {
  counts: number;
  /**
   * When > 0, slot column 0 puts every row in exactly one of the cells 0..jointCells-1 (a
   * partition of the rows: binary's (label, control, treatment) table), so a bootstrap resample
   * draws those cells per cell instead of weighting rows.
   */
  jointCells: number;
  slotsPerRow: number;
  sums: number;
  maxes: number;
  vars: number;
  /** Co-moments kept, as variable index pairs; `[i, i]` is the second central moment of i. */
  pairs: readonly (readonly [number, number])[];
}

/** True when some channel of the layout is per row (anything but the joint cells). */
export function hasRowChannels(L: BankLayout): boolean {
  return L.sums > 0 || L.maxes > 0 || L.vars > 0 || L.slotsPerRow > (L.jointCells > 0 ? 1 : 0);
}

/**
 * Per-row inputs of one batch, computed once per batch by a metric family. Channel-major: value of
 * channel c for row i at `c * rows + i`, so every accumulation loop reads memory sequentially.
 */
export interface BatchFeatures {
  rows: number;
  /** slotsPerRow × rows count-cell indices; -1 means "no cell". */
  slots: Int32Array;
  /** sums × rows values. */
  sums: Float64Array;
  /** maxes × rows values. */
  maxes: Float64Array;
  /** vars × rows values. */
  vars: Float64Array;
}

export interface BankState {
  replicas: number;
  W: EncodedArray;
  counts: EncodedArray;
  sums: EncodedArray;
  /** Replica 0's exact sums when it is the point estimate (see {@link ReplicaBank.point}). */
  point: ExactSumsState | null;
  maxes: EncodedArray;
  shift: EncodedArray;
  mean: EncodedArray;
  vmin: EncodedArray;
  vmax: EncodedArray;
  comoments: EncodedArray;
}

export class ReplicaBank {
  readonly layout: BankLayout;
  /** 1 + number of bootstrap resamples. Replica 0 is the point estimate. */
  readonly replicas: number;
  readonly W: Float64Array;
  readonly counts: Float64Array;
  readonly sums: Float64Array;
  /**
   * Replica 0 as the point estimate, once rows were added by {@link add} (or merged or restored
   * from such a bank): exact sums of the sum channels (0..K-1), of each moment variable (K..K+V-1)
   * and of each pair's products (K+V..). Its `sums`, `shift`, `mean` and `comoments` entries then
   * stay 0; null while replica 0 is a resample (the resample engine's banks).
   */
  point: ExactSums | null = null;
  readonly maxes: Float64Array;
  /**
   * Per replica and variable, a reference value (the first batch's mean) that `mean` is stored
   * relative to: merging then subtracts two means to within the spread of the data, not to within
   * the magnitude of the mean (a target around 1e6 with spread 1 keeps its digits).
   */
  readonly shift: Float64Array;
  /** Mean − shift. */
  readonly mean: Float64Array;
  readonly vmin: Float64Array;
  readonly vmax: Float64Array;
  readonly comoments: Float64Array;
  // Batch scratch, reused.
  private batchMean: Float64Array;
  private s: Float64Array;
  private q: Float64Array;
  private bm: Float64Array;
  private delta: Float64Array;
  /** Slot columns of the current batch that hold at least one cell (see `add`). */
  private liveSlots: number[] = [];

  constructor(layout: BankLayout, replicas: number) {
    this.layout = layout;
    this.replicas = replicas;
    const R = replicas,
      V = layout.vars,
      P = layout.pairs.length;
    this.W = new Float64Array(R);
    this.counts = new Float64Array(R * layout.counts);
    this.sums = new Float64Array(R * layout.sums);
    this.maxes = new Float64Array(R * layout.maxes).fill(-Infinity);
    this.shift = new Float64Array(R * V);
    this.mean = new Float64Array(R * V);
    this.vmin = new Float64Array(R * V).fill(Infinity);
    this.vmax = new Float64Array(R * V).fill(-Infinity);
    this.comoments = new Float64Array(R * P);
    this.batchMean = new Float64Array(V);
    this.s = new Float64Array(V);
    this.q = new Float64Array(P);
    this.bm = new Float64Array(V);
    this.delta = new Float64Array(V);
  }

  /** Sum of channel k in replica r. */
  sum(r: number, k: number): number {
    return r === 0 && this.point !== null ? this.point.value(k) : this.sums[r * this.layout.sums + k]!;
  }

  /** Mean of variable v in replica r. */
  meanOf(r: number, v: number): number {
    if (r === 0 && this.point !== null) return this.W[0] === 0 ? 0 : this.point.value(this.layout.sums + v) / this.W[0]!;
    const at = r * this.layout.vars + v;
    return this.shift[at]! + this.mean[at]!;
  }

  /** Co-moment of pair index p in replica r. */
  comomentOf(r: number, p: number): number {
    const L = this.layout;
    if (r === 0 && this.point !== null) {
      const [a, b] = L.pairs[p]!;
      return this.point.comoment(this.W[0]!, L.sums + L.vars + p, L.sums + a, L.sums + b);
    }
    return this.comoments[r * L.pairs.length + p]!;
  }

  /** Exact-sum channels of the point estimate: sums, variables, pairs. */
  private pointChannels(): number {
    return this.layout.sums + this.layout.vars + this.layout.pairs.length;
  }

  count(r: number, c: number): number {
    return this.counts[r * this.layout.counts + c]!;
  }

  max(r: number, m: number): number {
    return this.maxes[r * this.layout.maxes + m]!;
  }

  /**
   * Add feature rows 0..n-1 to the point replica (weight 1). `subset` (used by slices) restricts
   * the update to the listed rows.
   */
  add(f: BatchFeatures, subset: Uint32Array | null, n: number): void {
    if (this.point === null) {
      if (this.W[0] !== 0) throw new MetricsStateError('point rows added to a bank whose replica 0 is a resample');
      this.point = new ExactSums(this.pointChannels());
    }
    if (n === 0) return;
    this.addPoint(f, subset, n);
  }

  /**
   * Find the slot columns of features `f` (rows 0..n-1) that hold at least one cell, for the
   * {@link addWeighted} calls that follow on the same features: columns without a cell (binary's
   * out-of-range flags, almost always) then cost no weighted pass, and the scan is done once for
   * every resample. The joint cells (slot column 0 when `layout.jointCells > 0`) are left out: a
   * resample draws them per cell (poisson-cells.ts). True when some column has a cell.
   */
  prepareWeighted(f: BatchFeatures, n: number): boolean {
    const live = this.liveSlots;
    live.length = 0;
    for (let t = this.layout.jointCells > 0 ? 1 : 0; t < this.layout.slotsPerRow; t++) {
      const o = t * f.rows;
      for (let i = 0; i < n; i++)
        if (f.slots[o + i]! >= 0) {
          live.push(t);
          break;
        }
    }
    return live.length > 0;
  }

  /**
   * Only the count cells of {@link addWeighted} (the live slot columns found by
   * {@link prepareWeighted}): for sweeps that add the sums and the total weight themselves.
   */
  addWeightedSlots(r: number, f: BatchFeatures, n: number, w: Uint8Array): void {
    const live = this.liveSlots,
      C = this.layout.counts;
    for (let j = 0; j < live.length; j++) addWeightedCounts(this.counts, r * C, C, f.slots, live[j]! * f.rows, w, n);
  }

  /**
   * Add feature rows 0..n-1 to replica r under integer bootstrap weights `w` (total `Wb`): what a
   * resample's per-row channels need. Call {@link prepareWeighted} on the same features first.
   */
  addWeighted(r: number, f: BatchFeatures, n: number, w: Uint8Array, Wb: number): void {
    if (n === 0) return;
    this.addDense(r, f, n, w, Wb);
  }

  /** Rows 0..n-1 into replica r (a resample) with weights `w` whose total is `Wb`. */
  private addDense(r: number, f: BatchFeatures, n: number, w: Uint8Array, Wb: number): void {
    const L = this.layout,
      rows = f.rows;
    const C = L.counts,
      K = L.sums,
      M = L.maxes,
      V = L.vars,
      pairs = L.pairs,
      P = pairs.length;
    const counts = this.counts,
      cBase = r * C;
    if (Wb === 0) return;
    const live = this.liveSlots;
    for (let j = 0; j < live.length; j++) addWeightedCounts(counts, cBase, C, f.slots, live[j]! * rows, w, n);
    // Σ w·x per channel, each channel summed from 0 in row order and then added to the replica (the
    // order the result depends on). Up to four channels share one pass so their additions run in
    // parallel instead of one dependent chain per channel.
    for (let k = 0; k < K; k += 4) weightedSums(f.sums, rows, k, Math.min(4, K - k), w, n, this.sums, r * K);
    const mx = f.maxes;
    for (let k = 0; k < M; k++) {
      const o = k * rows;
      let best = this.maxes[r * M + k]!;
      for (let i = 0; i < n; i++) {
        const v = mx[o + i]!;
        if (v > best && w[i] !== 0) best = v;
      }
      this.maxes[r * M + k] = best;
    }
    if (V === 0) {
      this.W[r]! += Wb;
      return;
    }
    // Two passes per batch: centre on this replica's weighted batch mean first. Centring a resample
    // on the unweighted mean instead would cancel catastrophically when the resample's weight sits
    // on a few rows whose values are close together.
    const fv = f.vars,
      bm = this.batchMean,
      s = this.s,
      q = this.q;
    for (let v = 0; v < V; v++) {
      const o = v * rows;
      let acc = 0;
      for (let i = 0; i < n; i++) acc += w[i]! * fv[o + i]!;
      bm[v] = acc / Wb;
    }
    for (let v = 0; v < V; v++) {
      const o = v * rows,
        mean = bm[v]!;
      let lo = this.vmin[r * V + v]!,
        hi = this.vmax[r * V + v]!,
        acc = 0;
      for (let i = 0; i < n; i++) {
        const wi = w[i]!;
        if (wi === 0) continue;
        const val = fv[o + i]!;
        if (val < lo) lo = val;
        if (val > hi) hi = val;
        acc += wi * (val - mean);
      }
      this.vmin[r * V + v] = lo;
      this.vmax[r * V + v] = hi;
      s[v] = acc;
    }
    for (let p = 0; p < P; p++) {
      const a = pairs[p]![0],
        b = pairs[p]![1];
      const oa = a * rows,
        ob = b * rows,
        ma = bm[a]!,
        mb = bm[b]!;
      let acc = 0;
      for (let i = 0; i < n; i++) acc += w[i]! * (fv[oa + i]! - ma) * (fv[ob + i]! - mb);
      q[p] = acc;
    }
    this.foldMoments(r, Wb);
  }

  /** Rows 0..n-1 (`subset` null) or the listed rows into the point estimate (weight 1), exactly. */
  private addPoint(f: BatchFeatures, subset: Uint32Array | null, n: number): void {
    const L = this.layout,
      rows = f.rows,
      point = this.point!;
    const K = L.sums,
      M = L.maxes,
      V = L.vars,
      pairs = L.pairs,
      P = pairs.length;
    const counts = this.counts,
      sl = f.slots;
    for (let t = 0; t < L.slotsPerRow; t++) {
      const o = t * rows;
      if (subset === null)
        for (let i = 0; i < n; i++) {
          const c = sl[o + i]!;
          if (c >= 0) counts[c]!++;
        }
      else
        for (let j = 0; j < n; j++) {
          const c = sl[o + subset[j]!]!;
          if (c >= 0) counts[c]!++;
        }
    }
    for (let k = 0; k < K; k++) {
      if (subset === null) point.addColumn(k, f.sums, k * rows, n);
      else point.addGathered(k, f.sums, k * rows, subset, n);
    }
    const mx = f.maxes,
      maxes = this.maxes;
    for (let k = 0; k < M; k++) {
      const o = k * rows;
      let best = maxes[k]!;
      for (let j = 0; j < n; j++) {
        const v = mx[o + (subset === null ? j : subset[j]!)]!;
        if (v > best) best = v;
      }
      maxes[k] = best;
    }
    this.W[0]! += n;
    if (V === 0) return;
    const fv = f.vars;
    for (let v = 0; v < V; v++) {
      const o = v * rows;
      let lo = this.vmin[v]!,
        hi = this.vmax[v]!;
      for (let j = 0; j < n; j++) {
        const val = fv[o + (subset === null ? j : subset[j]!)]!;
        if (val < lo) lo = val;
        if (val > hi) hi = val;
      }
      this.vmin[v] = lo;
      this.vmax[v] = hi;
      if (subset === null) point.addColumn(K + v, fv, o, n);
      else point.addGathered(K + v, fv, o, subset, n);
    }
    for (let p = 0; p < P; p++) point.addProducts(K + V + p, fv, pairs[p]![0] * rows, fv, pairs[p]![1] * rows, subset, n);
  }

  /**
   * Merge the batch — weight Wb, centred sums (s, q) around the batch centre `batchMean` — into
   * replica r as a shifted mean and co-moments; then count the weight.
   */
  private foldMoments(r: number, Wb: number): void {
    const V = this.layout.vars,
      pairs = this.layout.pairs,
      P = pairs.length;
    const s = this.s,
      q = this.q,
      rel = this.bm;
    for (let v = 0; v < V; v++) rel[v] = s[v]! / Wb;
    for (let p = 0; p < P; p++) {
      const a = pairs[p]![0],
        b = pairs[p]![1];
      q[p] = q[p]! - (s[a]! * s[b]!) / Wb;
    }
    this.mergeMoments(r, this.W[r]!, Wb, this.batchMean, rel, 0, q, 0);
    this.W[r]! += Wb;
  }

  /**
   * Chan et al.: merge moments (Wb; shift + mean per variable; co-moments) into replica r, which
   * holds weight Wa (W is updated by the caller). The mean difference is taken as
   * (shift_b − shift_a) + (mean_b − mean_a), each part exact or small.
   */
  private mergeMoments(
    r: number,
    Wa: number,
    Wb: number,
    shiftB: Float64Array,
    meanB: Float64Array,
    mbOff: number,
    comB: Float64Array,
    cbOff: number,
  ): void {
    const V = this.layout.vars,
      pairs = this.layout.pairs,
      P = pairs.length;
    const shift = this.shift,
      mean = this.mean,
      com = this.comoments;
    const vBase = r * V,
      pBase = r * P;
    if (Wa === 0) {
      for (let v = 0; v < V; v++) {
        shift[vBase + v] = shiftB[mbOff + v]!;
        mean[vBase + v] = meanB[mbOff + v]!;
      }
      for (let p = 0; p < P; p++) com[pBase + p] = comB[cbOff + p]!;
      return;
    }
    const Wt = Wa + Wb;
    const f = (Wa * Wb) / Wt;
    const d = this.delta;
    for (let v = 0; v < V; v++) d[v] = shiftB[mbOff + v]! - shift[vBase + v]! + (meanB[mbOff + v]! - mean[vBase + v]!);
    for (let p = 0; p < P; p++) {
      const a = pairs[p]![0],
        b = pairs[p]![1];
      com[pBase + p] = com[pBase + p]! + comB[cbOff + p]! + d[a]! * d[b]! * f;
    }
    for (let v = 0; v < V; v++) mean[vBase + v] = mean[vBase + v]! + (d[v]! * Wb) / Wt;
  }

  /** Merge another bank with the same layout and replica count into this one. */
  merge(o: ReplicaBank): void {
    if (o.replicas !== this.replicas || !sameLayout(o.layout, this.layout)) {
      throw new MetricsStateError('cannot merge accumulators with different layouts or resample counts');
    }
    const L = this.layout;
    // Replica 0 is the point estimate on both sides or on neither (an empty side adopts the other's role).
    const pointA = this.point !== null || this.W[0] === 0,
      pointB = o.point !== null || o.W[0] === 0;
    if ((this.point !== null || o.point !== null) && !(pointA && pointB)) {
      throw new MetricsStateError('cannot merge a point-estimate bank with a resample bank');
    }
    if (o.point !== null) {
      this.point ??= new ExactSums(this.pointChannels());
      this.point.merge(o.point);
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i]!;
    for (let i = 0; i < this.sums.length; i++) this.sums[i]! += o.sums[i]!;
    for (let i = 0; i < this.maxes.length; i++) if (o.maxes[i]! > this.maxes[i]!) this.maxes[i] = o.maxes[i]!;
    for (let i = 0; i < this.vmin.length; i++) {
      if (o.vmin[i]! < this.vmin[i]!) this.vmin[i] = o.vmin[i]!;
      if (o.vmax[i]! > this.vmax[i]!) this.vmax[i] = o.vmax[i]!;
    }
    const V = L.vars,
      P = L.pairs.length;
    for (let r = 0; r < this.replicas; r++) {
      const Wb = o.W[r]!;
      if (Wb === 0) continue;
      if (V > 0 && !(r === 0 && this.point !== null)) {
        // The other's shifts/means live at offset r·V; mergeMoments reads both at the same offset.
        this.mergeMoments(r, this.W[r]!, Wb, o.shift.subarray(r * V), o.mean.subarray(r * V), 0, o.comoments, r * P);
      }
      this.W[r]! += Wb;
    }
  }

  toState(): BankState {
    return {
      replicas: this.replicas,
      W: encodeArray(this.W),
      counts: encodeArray(this.counts),
      sums: encodeArray(this.sums),
      point: this.point === null ? null : this.point.toState(),
      maxes: encodeArray(this.maxes),
      shift: encodeArray(this.shift),
      mean: encodeArray(this.mean),
      vmin: encodeArray(this.vmin),
      vmax: encodeArray(this.vmax),
      comoments: encodeArray(this.comoments),
    };
  }

  static fromState(layout: BankLayout, s: BankState): ReplicaBank {
    if (s === null || typeof s !== 'object' || !Number.isInteger(s.replicas) || s.replicas < 1) {
      throw new MetricsStateError('bank state: bad replica count');
    }
    const b = new ReplicaBank(layout, s.replicas);
    const R = s.replicas,
      V = layout.vars,
      P = layout.pairs.length;
    b.W.set(decodeF64Length(s.W, R, 'W'));
    b.counts.set(decodeF64Length(s.counts, R * layout.counts, 'counts'));
    b.sums.set(decodeF64Length(s.sums, R * layout.sums, 'sums'));
    if (!('point' in s)) throw new MetricsStateError('bank state has no exact sums: it was made by an older m4');
    b.point = s.point === null ? null : ExactSums.fromState(b.pointChannels(), s.point);
    b.maxes.set(decodeF64Length(s.maxes, R * layout.maxes, 'maxes'));
    b.shift.set(decodeF64Length(s.shift, R * V, 'shift'));
    b.mean.set(decodeF64Length(s.mean, R * V, 'mean'));
    b.vmin.set(decodeF64Length(s.vmin, R * V, 'vmin'));
    b.vmax.set(decodeF64Length(s.vmax, R * V, 'vmax'));
    b.comoments.set(decodeF64Length(s.comoments, R * P, 'comoments'));
    return b;
  }
}

/**
 * `counts[base + slot] += w` for each row's slot (−1: none). Rows go to four interleaved int32
 * copies of the cells so that runs of rows hitting the same cell do not wait on each other's store,
 * and integer adds skip float conversions; the copies are added at the end (integers, so the total
 * is exact in any order). Chunks of 2^26 rows keep each int32 copy below 2^31 (weights are ≤ 13).
 */
function addWeightedCounts(counts: Float64Array, base: number, C: number, slots: Int32Array, o: number, w: Uint8Array, n: number): void {
  if (countScratch.length < 4 * C) countScratch = new Int32Array(4 * C);
  const k = countScratch,
    C2 = 2 * C,
    C3 = 3 * C;
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    k.fill(0, 0, 4 * C);
    let i = from;
    for (; i + 4 <= to; i += 4) {
      const a = slots[o + i]!,
        b = slots[o + i + 1]!,
        c = slots[o + i + 2]!,
        d = slots[o + i + 3]!;
      if (a >= 0) k[a] = k[a]! + w[i]!;
      if (b >= 0) k[C + b] = k[C + b]! + w[i + 1]!;
      if (c >= 0) k[C2 + c] = k[C2 + c]! + w[i + 2]!;
      if (d >= 0) k[C3 + d] = k[C3 + d]! + w[i + 3]!;
    }
    for (; i < to; i++) {
      const a = slots[o + i]!;
      if (a >= 0) k[a] = k[a]! + w[i]!;
    }
    for (let c = 0; c < C; c++) counts[base + c]! += k[c]! + k[C + c]! + k[C2 + c]! + k[C3 + c]!;
  }
}
const CHUNK = 1 << 26;
let countScratch = new Int32Array(64);

/**
 * `out[at + k + j] += Σ_i w[i]·x[(k + j)·rows + i]` for j < m ≤ 4, each sum accumulated from 0 in
 * row order exactly as a one-channel loop would (bit-for-bit the same), four chains in one pass.
 */
function weightedSums(x: Float64Array, rows: number, k: number, m: number, w: Uint8Array, n: number, out: Float64Array, at: number): void {
  // Channels beyond m read channel k again; their sums are discarded.
  const o0 = k * rows,
    o1 = (m > 1 ? k + 1 : k) * rows,
    o2 = (m > 2 ? k + 2 : k) * rows,
    o3 = (m > 3 ? k + 3 : k) * rows;
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    a0 += wi * x[o0 + i]!;
    a1 += wi * x[o1 + i]!;
    a2 += wi * x[o2 + i]!;
    a3 += wi * x[o3 + i]!;
  }
  out[at + k]! += a0;
  if (m > 1) out[at + k + 1]! += a1;
  if (m > 2) out[at + k + 2]! += a2;
  if (m > 3) out[at + k + 3]! += a3;
}

function sameLayout(a: BankLayout, b: BankLayout): boolean {
  return (
    a.counts === b.counts &&
    a.jointCells === b.jointCells &&
    a.slotsPerRow === b.slotsPerRow &&
    a.sums === b.sums &&
    a.maxes === b.maxes &&
    a.vars === b.vars &&
    a.pairs.length === b.pairs.length &&
    a.pairs.every((p, i) => p[0] === b.pairs[i]![0] && p[1] === b.pairs[i]![1])
  );
}

/** Read-only access to one replica, what metric derivations see. */
export class ReplicaView {
  constructor(
    readonly bank: ReplicaBank,
    readonly r: number,
  ) {}
  get W(): number {
    return this.bank.W[this.r]!;
  }
  count(c: number): number {
    return this.bank.count(this.r, c);
  }
  sum(k: number): number {
    return this.bank.sum(this.r, k);
  }
  max(m: number): number {
    return this.bank.max(this.r, m);
  }
  mean(v: number): number {
    return this.bank.meanOf(this.r, v);
  }
  min(v: number): number {
    return this.bank.vmin[this.r * this.bank.layout.vars + v]!;
  }
  maxOf(v: number): number {
    return this.bank.vmax[this.r * this.bank.layout.vars + v]!;
  }
  /** Co-moment of pair index p (see the layout's `pairs`). */
  comoment(p: number): number {
    return this.bank.comomentOf(this.r, p);
  }
  /** True when every row (of non-zero weight) had the same value of variable v. */
  constant(v: number): boolean {
    return this.min(v) === this.maxOf(v);
  }
}
