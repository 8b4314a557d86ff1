/**
 * The comparison accumulator: what the runtime feeds every batch reaching a `compare` block.
 *
 * One accumulator streams rows into
 * - a replica bank (counting metrics: point estimate + one replica per bootstrap resample),
 * - a row store (only when a ranking metric is requested: AUROC, AUPRC, Spearman, KS, PSI),
 * - chart accumulators, and per-slice banks.
 * All of them merge exactly, so `merge` of shard accumulators equals one pass over all rows, and
 * the state round-trips through JSON. `result()` computes everything at the end (see
 * comparison-result.ts).
 */
import { METRIC_CATALOGUE, metricProblem } from './catalogue.ts';
import type { ComparisonAccumulator, ComparisonBatch, ComparisonSpec, ComparisonState } from './comparison-types.ts';
import { COMPARISON_STATE_VERSION } from '../../plan/version.ts';
import type { ComparisonResult, SkipReason } from '../../plan/result-types.ts';
import type { MetricFamily, ValidRows } from './metric-family.ts';
import { familyFor } from './families.ts';
import { hasRowChannels, ReplicaBank } from './replica-bank.ts';
import { RowStore, type SharedRows } from './row-store.ts';
import { resampleThreads, warmResampleWorkers } from './resample-pool.ts';
import { rankThreadRows, warmRankThread } from './rank-thread.ts';
import { rankingMetrics } from './ranking-context.ts';
import { ChartAccumulator } from './charts.ts';
import { SliceTable, sliceStateCap } from './slice-table.ts';
import { MetricsStateError } from './state-codec.ts';
import { verbatimStates } from './exact-sum.ts';
import { buildResult } from './comparison-result.ts';
import type { ComparisonParts } from './comparison-parts.ts';
import { EXIT, M4Error } from '../../plan/errors.ts';

/** A batch that does not match the spec (a runtime bug, not a user error). */
export class MetricsInputError extends Error {
  override readonly name = 'MetricsInputError';
}

/** A spec the compiler would have rejected (a hand-written plan can still carry one): exit 2. */
export class MetricsSpecError extends M4Error {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** Problems that make a spec impossible to run; empty when it is valid. */
export function validateComparisonSpec(spec: ComparisonSpec): string[] {
  const problems: string[] = [];
  const kind = spec.task?.kind;
  if (kind !== 'binary' && kind !== 'multiclass' && kind !== 'regression') return [`unknown task ${String(kind)}`];
  for (const m of spec.metrics) {
    const p = metricProblem(m, kind, spec.hasLabel);
    if (p !== null) problems.push(p);
  }
  if (new Set(spec.metrics).size !== spec.metrics.length) problems.push('a metric is listed twice');
  if (!Number.isInteger(spec.bootstrap) || spec.bootstrap < 0) problems.push('bootstrap must be a non-negative integer');
  if (spec.bootstrap === 1) problems.push('bootstrap needs at least 2 resamples (or 0 to disable it)');
  if (!Number.isSafeInteger(spec.seed)) problems.push('seed must be a safe integer');
  if (!(spec.confidence > 0 && spec.confidence < 1)) problems.push('confidence must be in (0, 1)');
  if (!Number.isInteger(spec.maxSlices) || spec.maxSlices < 1) problems.push('maxSlices must be a positive integer');
  if (spec.task.kind === 'binary' && !Number.isFinite(spec.task.threshold)) problems.push('binary threshold must be finite');
  if (spec.task.kind === 'multiclass' && (!Number.isInteger(spec.task.top_k) || spec.task.top_k < 1))
    problems.push('top_k must be a positive integer');
  return problems;
}

/** Create an empty accumulator. Throws {@link MetricsSpecError} on a spec that {@link validateComparisonSpec} rejects. */
export function createComparison(spec: ComparisonSpec): ComparisonAccumulator {
  const problems = validateComparisonSpec(spec);
  if (problems.length > 0) throw new MetricsSpecError(`invalid comparison spec: ${problems.join('; ')}`);
  return new Comparison(structuredClone(spec));
}

/**
 * Start, ahead of the result, the worker threads its bootstrap and rankings will use for a store of
 * `storeRows` rows (`labelled`: the store keeps labels). Cheap per batch: once started, it does nothing.
 */
export function warmResultThreads(spec: ComparisonSpec, storeRows: number, labelled: boolean): void {
  // Rows enough for more bootstrap threads: start them now, so they are ready at the result.
  if (spec.bootstrap > 0) warmResampleWorkers(resampleThreads(storeRows * spec.bootstrap));
  // Rows enough to rank the two models on two threads at the result (rank-thread.ts): start its worker now.
  if (spec.task.kind === 'binary' && labelled && storeRows >= rankThreadRows() && rankingMetrics(spec.metrics).size > 0) warmRankThread();
}

/**
 * An accumulator on its way to another thread: its state but the stored rows, which travel as their
 * shared arrays (not copied, not encoded).
 */
export interface ComparisonTransfer {
  state: ComparisonState;
  store: SharedRows | null;
}

/** The accumulator {@link Comparison.toTransfer} gave (on another thread), for the same spec. */
export function comparisonFromTransfer(spec: ComparisonSpec, t: ComparisonTransfer): Comparison {
  const acc = createComparison(spec) as Comparison;
  // The exact sums partial for partial as they were on the other thread (a state written from here is the same bytes).
  verbatimStates(() => acc.restore(t.state, t.store === null ? undefined : RowStore.fromShared(t.store)));
  return acc;
}

/** Restore an accumulator from {@link ComparisonAccumulator.toState} output (for the same spec). */
export function comparisonFromState(spec: ComparisonSpec, state: ComparisonState): ComparisonAccumulator {
  const acc = createComparison(spec) as Comparison;
  acc.restore(state);
  return acc;
}

function specKey(s: ComparisonSpec): string {
  return JSON.stringify([s.task, s.metrics, s.hasLabel, s.hasSlices, s.bootstrap, s.seed, s.confidence, s.maxSlices]);
}

const TWO_53 = 9007199254740992;

/** Typed arrays store their elements in the platform's byte order; the fast path below reads little-endian words. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * `out[i] = Number(src[i])` for i < n. Reading a BigInt64Array element makes a BigInt (a heap
 * object per row: i64 labels cost the replay's main thread and its garbage collector more than the
 * rest of a row's comparison work), so a value whose high word is its low word's sign extension —
 * every int32, i.e. every label — is taken from the two 32-bit words instead; the others go through
 * `Number`, which gives the same value.
 */
function bigIntsToNumbers(src: BigInt64Array, n: number, out: Float64Array): void {
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
    return;
  }
  const w = new Int32Array(src.buffer, src.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    const lo = w[2 * i]!,
      hi = w[2 * i + 1]!;
    out[i] = hi === lo >> 31 ? lo : Number(src[i]!);
  }
}

/** Grow-only float64 scratch. */
function ensure(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  return a.length >= n ? (a as Float64Array<ArrayBuffer>) : new Float64Array(Math.max(n, a.length * 2));
}

export class Comparison implements ComparisonAccumulator, ComparisonParts {
  readonly spec: ComparisonSpec;
  readonly kind: ComparisonSpec['task']['kind'];
  /** Multiclass: classes; else 1. null until known. */
  width: number | null;
  rowsSeen = 0;
  readonly skipped: Partial<Record<SkipReason, number>> = {};
  family: MetricFamily | null = null;
  bank: ReplicaBank | null = null;
  charts: ChartAccumulator | null = null;
  store: RowStore | null = null;
  slices: SliceTable | null = null;
  /** A ranking metric is requested: the rows are kept whatever the bootstrap. */
  readonly rankingWanted: boolean;
  /**
   * Start the result's worker threads as the stored rows grow ({@link warmResultThreads}). Off where
   * the accumulator is fed on a thread other than the one that will compute its result
   * (runtime/comparison-feed.ts): that thread warms them from the rows it is told about.
   */
  warmThreads = true;
  // Batch scratch.
  private vc = new Float64Array(0);
  private vt = new Float64Array(0);
  private vl = new Float64Array(0);
  private vid = new Float64Array(0);
  private vslice: string[] = [];
  private sliceIdx = new Uint32Array(0);

  constructor(spec: ComparisonSpec) {
    this.spec = spec;
    this.kind = spec.task.kind;
    this.width = this.kind === 'multiclass' ? null : 1;
    this.rankingWanted = spec.metrics.some((m) => METRIC_CATALOGUE[m]!.ranking);
    if (this.width !== null) this.init(this.width);
  }

  /** Build the family and accumulators once the row width is known. */
  private init(width: number): void {
    const s = this.spec;
    this.width = width;
    this.family = familyFor(s, width);
    // The bank streams the point estimate only: resamples are built at result time.
    this.bank = new ReplicaBank(this.family.layout, 1);
    this.charts = new ChartAccumulator(this.kind, s.hasLabel, width);
    // Rows are kept for ranking metrics, and for the bootstrap of per-row channels (log loss,
    // Brier, differences, regression errors, multiclass counts): joint cells need no rows.
    if (this.rankingWanted || (s.bootstrap > 0 && hasRowChannels(this.family.layout))) {
      this.store = new RowStore(
        width,
        !s.hasLabel ? 'none' : this.kind === 'regression' ? 'value' : this.kind === 'binary' ? 'binary' : 'class',
        s.hasSlices,
      );
    }
    if (s.hasSlices) this.slices = new SliceTable(this.family.layout, sliceStateCap(s.maxSlices));
  }

  private skip(reason: SkipReason): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  update(batch: ComparisonBatch): void {
    const s = this.spec;
    const { rows, width } = batch;
    if (!Number.isInteger(rows) || rows < 0) throw new MetricsInputError(`batch rows must be a non-negative integer, got ${rows}`);
    if (rows === 0) return;
    let scoreCol = 0,
      rowWidth = 1;
    if (this.kind === 'binary') {
      if (width !== 1 && width !== 2) throw new MetricsInputError(`binary comparison: width must be 1 or 2, got ${width}`);
      scoreCol = width === 2 ? 1 : 0;
    } else if (this.kind === 'multiclass') {
      if (!Number.isInteger(width) || width < 2)
        throw new MetricsInputError(`multiclass comparison: width must be the number of classes (≥ 2), got ${width}`);
      if (this.width === null) this.init(width);
      else if (this.width !== width) throw new MetricsInputError(`multiclass comparison: width ${width} after batches of width ${this.width}`);
      rowWidth = width;
    } else if (width !== 1) throw new MetricsInputError(`regression comparison: width must be 1, got ${width}`);
    if (batch.control.length !== rows * width || batch.treatment.length !== rows * width) {
      throw new MetricsInputError(`control/treatment must hold rows × width = ${rows * width} values`);
    }
    if (batch.rowIds.length < rows) throw new MetricsInputError('rowIds must hold one id per row');
    if (s.hasLabel && (batch.label === undefined || batch.label.length < rows))
      throw new MetricsInputError('this comparison has labels: every batch must carry one per row');
    if (s.hasSlices && (batch.slice === undefined || batch.slice.length < rows))
      throw new MetricsInputError('this comparison has slices: every batch must carry one per row');

    this.rowsSeen += rows;
    const n = this.compact(batch, scoreCol, rowWidth);
    if (n === 0) return;
    const valid: ValidRows = { n, width: rowWidth, control: this.vc, treatment: this.vt, label: s.hasLabel ? this.vl : null };
    const features = this.family!.features(valid);
    this.bank!.add(features, null, n);
    this.charts!.add(valid);
    let sliceIdx: Uint32Array | null = null;
    if (this.slices !== null) {
      if (this.sliceIdx.length < n) this.sliceIdx = new Uint32Array(Math.max(n, this.sliceIdx.length * 2));
      this.slices.assign(this.vslice, n, this.sliceIdx);
      this.slices.add(features, this.sliceIdx, n);
      sliceIdx = this.sliceIdx;
    }
    const allF32 = batch.control instanceof Float32Array && batch.treatment instanceof Float32Array;
    if (this.store !== null) {
      this.store.append(valid, this.vid, sliceIdx, allF32);
      if (this.warmThreads) warmResultThreads(s, this.store.n, this.store.label !== null);
    }
  }

  /**
   * Copy the batch into float64 scratch (one score column for binary), then validate each row and
   * compact the valid ones to the front, counting the others per reason. Returns the valid count.
   */
  private compact(batch: ComparisonBatch, scoreCol: number, rowWidth: number): number {
    const s = this.spec;
    const { rows, width } = batch;
    const vc = (this.vc = ensure(this.vc, rows * rowWidth));
    const vt = (this.vt = ensure(this.vt, rows * rowWidth));
    const vid = (this.vid = ensure(this.vid, rows));
    vid.set(batch.rowIds.subarray(0, rows));
    if (width === rowWidth) {
      vc.set(batch.control.subarray(0, rows * width));
      vt.set(batch.treatment.subarray(0, rows * width));
    } else {
      // Binary probability rows: column `scoreCol` is the positive score.
      const c = batch.control,
        t = batch.treatment;
      for (let i = 0; i < rows; i++) {
        vc[i] = c[i * width + scoreCol]!;
        vt[i] = t[i * width + scoreCol]!;
      }
    }
    let vl: Float64Array | null = null;
    if (s.hasLabel) {
      vl = this.vl = ensure(this.vl, rows);
      const l = batch.label!;
      if (l instanceof BigInt64Array) bigIntsToNumbers(l, rows, vl);
      else vl.set(l.subarray(0, rows));
    }
    if (s.hasSlices) this.vslice.length = 0;
    const slice = s.hasSlices ? batch.slice! : null;
    return this.kind === 'multiclass' ? this.compactRows(vid, vc, vt, vl, slice, rows, rowWidth) : this.compactScalars(vid, vc, vt, vl, slice, rows);
  }

  /** Why a one-value row (binary score, regression value) is not counted, or null. */
  private scalarProblem(id: number, c: number, t: number, vl: Float64Array | null, i: number): SkipReason | null {
    const regression = this.kind === 'regression';
    if (!(id >= 0 && id < TWO_53 && Math.floor(id) === id)) return 'row_id_invalid';
    // Classification scores may be infinite (they still rank and threshold); regression values may not.
    if (regression ? c - c !== 0 : c !== c) return 'control_invalid';
    if (regression ? t - t !== 0 : t !== t) return 'treatment_invalid';
    if (vl !== null) {
      const y = vl[i]!;
      if (y !== y) return 'label_nan';
      if (regression ? y - y !== 0 : y !== 0 && y !== 1) return 'label_invalid';
    }
    return null;
  }

  /** Validation of one-value rows (binary scores, regression values); see {@link compact}. */
  private compactScalars(
    vid: Float64Array,
    vc: Float64Array,
    vt: Float64Array,
    vl: Float64Array | null,
    slice: string[] | null,
    rows: number,
  ): number {
    // Fast scan: in the common case every row is valid and nothing moves. Checks combine with `&`
    // (no short-circuit jumps: a binary label is 0 or 1 at random, which a branch mispredicts).
    let first = rows;
    if (this.kind === 'regression') {
      for (let i = 0; i < rows; i++) {
        const id = vid[i]!,
          y = vl === null ? 0 : vl[i]!;
        const ok = +(id >= 0) & +(id < TWO_53) & +(Math.floor(id) === id) & +(vc[i]! - vc[i]! === 0) & +(vt[i]! - vt[i]! === 0) & +(y - y === 0);
        if (ok === 0) {
          first = i;
          break;
        }
      }
    } else {
      for (let i = 0; i < rows; i++) {
        const id = vid[i]!,
          c = vc[i]!,
          t = vt[i]!,
          y = vl === null ? 0 : vl[i]!;
        const ok = +(id >= 0) & +(id < TWO_53) & +(Math.floor(id) === id) & +(c === c) & +(t === t) & +(y * (1 - y) === 0);
        if (ok === 0) {
          first = i;
          break;
        }
      }
    }
    if (slice !== null) for (let i = 0; i < first; i++) this.vslice.push(slice[i]!);
    let n = first;
    for (let i = first; i < rows; i++) {
      const bad = this.scalarProblem(vid[i]!, vc[i]!, vt[i]!, vl, i);
      if (bad !== null) {
        this.skip(bad);
        continue;
      }
      vid[n] = vid[i]!;
      vc[n] = vc[i]!;
      vt[n] = vt[i]!;
      if (vl !== null) vl[n] = vl[i]!;
      if (slice !== null) this.vslice.push(slice[i]!);
      n++;
    }
    // -0 becomes +0 (adding +0 does that) so that equal numbers always share a sort key.
    for (let i = 0; i < n; i++) {
      vc[i] = vc[i]! + 0;
      vt[i] = vt[i]! + 0;
    }
    return n;
  }

  /** Validation of multiclass probability rows; see {@link compact}. */
  private compactRows(
    vid: Float64Array,
    vc: Float64Array,
    vt: Float64Array,
    vl: Float64Array | null,
    slice: string[] | null,
    rows: number,
    k: number,
  ): number {
    let n = 0;
    for (let i = 0; i < rows; i++) {
      const id = vid[i]!;
      let bad: SkipReason | null = null;
      if (!(id >= 0 && id < TWO_53 && Math.floor(id) === id)) bad = 'row_id_invalid';
      else {
        for (let j = 0; j < k; j++)
          if (vc[i * k + j] !== vc[i * k + j]) {
            bad = 'control_invalid';
            break;
          }
        if (bad === null)
          for (let j = 0; j < k; j++)
            if (vt[i * k + j] !== vt[i * k + j]) {
              bad = 'treatment_invalid';
              break;
            }
        if (bad === null && vl !== null) {
          const y = vl[i]!;
          if (y !== y) bad = 'label_nan';
          else if (!(y >= 0 && y < k && Math.floor(y) === y)) bad = 'label_invalid';
        }
      }
      if (bad !== null) {
        this.skip(bad);
        continue;
      }
      vid[n] = id;
      for (let j = 0; j < k; j++) {
        vc[n * k + j] = vc[i * k + j]! + 0;
        vt[n * k + j] = vt[i * k + j]! + 0;
      }
      if (vl !== null) vl[n] = vl[i]!;
      if (slice !== null) this.vslice.push(slice[i]!);
      n++;
    }
    return n;
  }

  merge(other: ComparisonAccumulator): void {
    if (!(other instanceof Comparison)) throw new MetricsStateError('can only merge accumulators made by createComparison');
    if (other === this) throw new MetricsStateError('cannot merge an accumulator into itself');
    if (specKey(other.spec) !== specKey(this.spec)) throw new MetricsStateError('cannot merge comparisons with different specs');
    if (other.width !== null) {
      if (this.width === null) this.init(other.width);
      else if (this.width !== other.width) throw new MetricsStateError(`cannot merge comparisons of width ${this.width} and ${other.width}`);
    }
    this.rowsSeen += other.rowsSeen;
    for (const [r, c] of Object.entries(other.skipped) as [SkipReason, number][]) this.skipped[r] = (this.skipped[r] ?? 0) + c;
    if (other.width === null) return;
    this.bank!.merge(other.bank!);
    this.charts!.merge(other.charts!);
    const map = this.slices !== null ? this.slices.merge(other.slices!) : null;
    if (this.store !== null) this.store.merge(other.store!, map);
  }

  /** This accumulator for another thread ({@link comparisonFromTransfer}); it must not be used here afterwards. */
  toTransfer(): ComparisonTransfer {
    const store = this.store;
    this.store = null;
    try {
      return { state: this.toState(), store: store?.toShared() ?? null };
    } finally {
      this.store = store;
    }
  }

  toState(): ComparisonState {
    return {
      state_version: COMPARISON_STATE_VERSION,
      spec: structuredClone(this.spec),
      width: this.width,
      rows_seen: this.rowsSeen,
      skipped: { ...this.skipped },
      bank: this.bank?.toState() ?? null,
      charts: this.charts === null ? null : { arrays: this.charts.toState() },
      store: this.store?.toState() ?? null,
      slices: this.slices?.toState() ?? null,
    };
  }

  /** Load a state into this (empty) accumulator; `store`, the stored rows when the state goes without them ({@link toTransfer}). */
  restore(st: ComparisonState, store?: RowStore): void {
    if (st === null || typeof st !== 'object' || st.state_version !== COMPARISON_STATE_VERSION) {
      const v = (st as { state_version?: unknown } | null)?.state_version;
      const why =
        typeof v === 'number' && v < COMPARISON_STATE_VERSION
          ? ': it was made by an older m4 (its sums are not exact, so it cannot merge bit for bit); re-run the shard with this m4'
          : '';
      throw new MetricsStateError(`unsupported comparison state version ${String(v)} (this m4 reads ${COMPARISON_STATE_VERSION})${why}`);
    }
    if (specKey(st.spec) !== specKey(this.spec)) throw new MetricsStateError('the state was made for a different comparison spec');
    this.rowsSeen = st.rows_seen;
    Object.assign(this.skipped, st.skipped);
    if (st.width === null) return;
    if (this.width === null) this.init(st.width);
    else if (st.width !== this.width) throw new MetricsStateError(`state width ${st.width} does not match ${this.width}`);
    const layout = this.family!.layout;
    if (st.bank === null || st.charts === null) throw new MetricsStateError('state is missing its accumulators');
    this.bank = ReplicaBank.fromState(layout, st.bank);
    if (this.bank.replicas !== 1) throw new MetricsStateError('state has bootstrap replicas: it was made by an older version');
    this.charts = ChartAccumulator.fromState(this.kind, this.spec.hasLabel, this.width!, st.charts.arrays);
    if (this.store !== null) {
      if (store !== undefined) {
        if (store.width !== this.width || store.labelKind !== this.store.labelKind || store.hasSlices !== this.spec.hasSlices)
          throw new MetricsStateError('the stored rows do not fit the comparison');
        this.store = store;
      } else {
        if (st.store === null) throw new MetricsStateError('state is missing its stored rows');
        this.store = RowStore.fromState(this.width!, this.store.labelKind, this.spec.hasSlices, st.store);
      }
    }
    if (this.slices !== null) {
      if (st.slices === null) throw new MetricsStateError('state is missing its slices');
      this.slices = SliceTable.fromState(layout, sliceStateCap(this.spec.maxSlices), st.slices);
    }
  }

  result(last = false): ComparisonResult {
    return buildResult(this, true, last);
  }
}
