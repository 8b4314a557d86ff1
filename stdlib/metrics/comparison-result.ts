/**
 * Turning an accumulator into a {@link ComparisonResult}.
 *
 * Every replica (0 = point estimate, 1..B = bootstrap resamples) goes through the same derivation:
 * the family's metrics from a replica bank, ranking metrics from the stored rows (resamples: under
 * the resample's Poisson weights; see resample-engine.ts). Each field's bootstrap distribution is
 * the list of its values over replicas 1..B.
 */
import { METRIC_CATALOGUE } from './catalogue.ts';
import { COMPARISON_RESULT_VERSION } from '../../plan/version.ts';
import type {
  BootstrapDistribution,
  ComparisonCharts,
  ComparisonResult,
  DeLongResult,
  MatrixMetricResult,
  MetricField,
  MetricInterval,
  MetricResult,
  ModelField,
  ModelMetricResult,
  OneVsRestCurves,
  PairMetricResult,
  PairedTests,
  SliceMetric,
  SliceResult,
  SlicesResult,
  WorseSlice,
} from '../../plan/result-types.ts';
import type { ComparisonParts } from './comparison-parts.ts';
import type { Derived, SideOutcomes } from './metric-family.ts';
import { BinaryFamily } from './binary-family.ts';
import { ReplicaBank, ReplicaView } from './replica-bank.ts';
import { rankingContext, rankingMetrics, rankingOutcomes, type RankingContext } from './ranking-context.ts';
import { resamplesReadControl, type ResampleInput } from './resample-engine.ts';
import { resampleThreads, startResamples, type StartedResamples } from './resample-pool.ts';
import { normalInterval } from './delong.ts';
import { binaryPoint, finishPoint, rocAndPr, type BinaryPoint } from './binary-point.ts';
import { modelsOnTwoThreads } from './rank-thread.ts';
import type { SortScratch } from './radix-sort.ts';
import { mcnemar } from './mcnemar.ts';
import { percentileInterval } from './bootstrap-interval.ts';
import { MAX_CURVE_POINTS, MAX_OVR_CLASSES, MAX_OVR_CURVE_POINTS, valueHistogram } from './charts.ts';
import { aurocAuprc } from './ranking-metrics.ts';
import { deltaOf, isDefined, ratioOf, undef, type Outcome } from './metric-value.ts';
import { overflowIn, sharedArray } from './row-store.ts';
import { phaseMark } from '../phase-log.ts';
import { sliceCutter } from './slice-rankings.ts';

const MODEL_FIELDS: readonly ModelField[] = ['control', 'treatment', 'delta', 'ratio'];
const BINARY_POINT_METRICS = new Set(['auroc', 'auprc']);

function fieldOutcome(v: SideOutcomes | Outcome | undefined, field: MetricField): Outcome {
  if (v === undefined) return undef('not computed');
  if (typeof v === 'number' || !('control' in v)) return field === 'value' ? v : undef('a pair metric has only a value');
  switch (field) {
    case 'control':
      return v.control;
    case 'treatment':
      return v.treatment;
    case 'delta':
      return deltaOf(v.control, v.treatment);
    case 'ratio':
      return ratioOf(v.control, v.treatment);
    default:
      return undef('a per-model metric has no single value');
  }
}

function distribution(replicas: Derived[], name: string, field: MetricField): BootstrapDistribution {
  const vals: number[] = [];
  let undefinedCount = 0;
  for (let r = 1; r < replicas.length; r++) {
    const o = fieldOutcome(replicas[r]!.get(name), field);
    if (isDefined(o)) vals.push(o);
    else undefinedCount++;
  }
  return { values: Array.from(Float64Array.from(vals).sort()), undefined: undefinedCount };
}

/**
 * Derive every replica: the point estimate here, the bootstrap resamples through the resample
 * engine (on worker threads when the work is large). `resamples`: the resamples, already started
 * ({@link startBootstrap}) or started here.
 */
function deriveReplicas(
  acc: ComparisonParts,
  ctx: RankingContext | null,
  bp: BinaryPoint | null,
  resamples: StartedResamples = startBootstrap(acc, ctx),
): Derived[] {
  return [pointDerived(acc, ctx, bp), ...resamples.finish()];
}

/** The point estimate's metric values (replica 0): the family's, and the ranking metrics' from `ctx`. */
function pointDerived(acc: ComparisonParts, ctx: RankingContext | null, bp: BinaryPoint | null): Derived {
  const point: Derived = new Map();
  acc.family!.derive(new ReplicaView(acc.bank!, 0), point);
  if (ctx !== null) {
    if (bp === null) rankingOutcomes(ctx, null, point);
    else {
      // AUROC and AUPRC are the binary point's (the same walk `rankingOutcomes` would repeat).
      rankingOutcomes(ctx, null, point, BINARY_POINT_METRICS);
      if (ctx.wanted.has('auroc')) point.set('auroc', { control: bp.control.auroc, treatment: bp.treatment.auroc });
      if (ctx.wanted.has('auprc')) point.set('auprc', { control: bp.control.auprc, treatment: bp.treatment.auprc });
    }
  }
  return point;
}

/** Threads for the bootstrap of `acc`'s stored rows. */
function bootstrapThreads(acc: ComparisonParts): number {
  return resampleThreads((acc.store?.n ?? 0) * acc.spec.bootstrap);
}

/**
 * Start the bootstrap resamples of `acc` (on worker threads when the work is large: resample-pool.ts
 * `startResamples`), to be finished or cancelled. They read the rankings of `ctx`,
 * the store and its cells — never the point estimate, nor the sort buffers: those can be used in between.
 */
function startBootstrap(acc: ComparisonParts, ctx: RankingContext | null): StartedResamples {
  const B = acc.spec.bootstrap;
  if (B === 0) return { finish: () => [], cancel: () => {} };
  const store = acc.store;
  const L = acc.family!.layout;
  const input: ResampleInput = {
    spec: acc.spec,
    width: acc.width!,
    cells: L.jointCells > 0 ? acc.bank!.counts.slice(0, L.jointCells) : null,
    store:
      store === null
        ? null
        : {
            n: store.n,
            width: store.width,
            // Consecutive ids are kept as one number, and the resamples take them so.
            rowIds: store.resampleIds(),
            label: store.label?.subarray(0, store.n) ?? null,
            // Spent by the final result's rankings only when the resamples do not read it (contextOf).
            control: store.spent ? new Float32Array(0) : store.scores('control'),
            treatment: store.scores('treatment'),
          },
    rc: ctx?.rc ?? null,
    rt: ctx?.rt ?? null,
  };
  return startResamples(input, bootstrapThreads(acc));
}

/**
 * Every replica's metric values — index 0 the point estimate, r ≥ 1 bootstrap resample r — as the
 * result is built from them. For inspection and tests (a resample must equal the point estimate of
 * its rows repeated by their weights). Empty before the first row.
 */
export function replicaValues(acc: ComparisonParts): Derived[] {
  if (acc.family === null) return [];
  const sorts: SortScratch = { a: null, b: null };
  const ctx = contextOf(acc, sorts, false);
  return deriveReplicas(acc, ctx, pointOf(acc, ctx, sorts));
}

/**
 * The whole store's ranking context, once the store is in canonical order (null without stored
 * rows), sorted in the buffers `sorts` (free again afterwards). `last`: the accumulator's last
 * result — a binary store's control scores, once ranked, are spent as the sort buffer when nothing
 * after reads them by row (ranking-context.ts `rankBinary`; the multiclass slices rank the store again).
 */
function contextOf(acc: ComparisonParts, sorts: SortScratch, last: boolean): RankingContext | null {
  const store = acc.store;
  if (store === null) return null;
  store.canonicalize();
  const n = store.n;
  const wanted = rankingMetrics(acc.spec.metrics);
  const spend =
    last && acc.kind === 'binary' && !resamplesReadControl(acc.spec, acc.width!, n, store.label !== null)
      ? () => store.spendControl(n + (n & 1))
      : undefined;
  return rankingContext(acc.kind, wanted, store, null, n, spearmanScratch(wanted, n), undefined, sorts, spend);
}

/** Spearman's per-row rank buffers: n doubles each when it is wanted, else none (16 B per row saved). */
function spearmanScratch(wanted: Set<string>, n: number): [Float64Array, Float64Array] {
  const m = wanted.has('spearman') ? n : 0;
  return [new Float64Array(m), new Float64Array(m)];
}

/**
 * The labelled binary point estimate (AUROC, AUPRC, curves, DeLong) from the whole store's rankings;
 * null for other tasks or without rankings.
 */
function pointOf(acc: ComparisonParts, ctx: RankingContext | null, sorts: SortScratch): BinaryPoint | null {
  if (acc.kind !== 'binary' || ctx === null || ctx.rc === null || ctx.rt === null || ctx.posC === null || ctx.posT === null) return null;
  const delong = acc.spec.hasLabel && acc.spec.metrics.includes('auroc');
  // DeLong's per-row numerators go into the sort buffers, free once the rankings are built.
  return binaryPoint(ctx.rc, ctx.posC, ctx.rt, ctx.posT, acc.store!.label!, acc.store!.n, delong, acc.spec.confidence, sorts);
}

/**
 * The rankings and the labelled binary point estimate with the two models' shares on two threads
 * (rank-thread.ts: many rows, a warm worker); null when that does not apply (the caller then uses
 * {@link contextOf} and {@link pointOf}, which give the same values on one thread).
 */
function pointOnTwoThreads(acc: ComparisonParts, sorts: SortScratch): { ctx: RankingContext; bp: BinaryPoint } | null {
  const store = acc.store;
  if (acc.kind !== 'binary' || store === null || !(store.label instanceof Uint8Array)) return null;
  const wanted = rankingMetrics(acc.spec.metrics);
  if (wanted.size === 0) return null;
  store.canonicalize();
  const n = store.n;
  const delong = acc.spec.hasLabel && acc.spec.metrics.includes('auroc');
  const two = modelsOnTwoThreads(store.scores('control'), store.scores('treatment'), store.label, n, delong, MAX_CURVE_POINTS, sorts);
  if (two === null) return null;
  const ctx = rankingContext(acc.kind, wanted, store, null, n, spearmanScratch(wanted, n), { rc: two.rc, rt: two.rt }, sorts);
  return { ctx, bp: finishPoint(two.c, two.t, store.label, n, delong, acc.spec.confidence) };
}

function emptyMetric(name: string, reason: string): MetricResult {
  const info = METRIC_CATALOGUE[name]!;
  if (info.value === 'matrix') {
    return { name, kind: 'model', shape: 'matrix', classes: [], control: null, treatment: null, reasons: { control: reason, treatment: reason } };
  }
  if (info.kind === 'pair') {
    return {
      name,
      kind: 'pair',
      shape: 'scalar',
      higher_is_better: info.higherIsBetter,
      value: null,
      reasons: { value: reason },
      intervals: {},
      bootstrap: {},
      test: null,
    };
  }
  return {
    name,
    kind: 'model',
    shape: 'scalar',
    higher_is_better: info.higherIsBetter,
    control: null,
    treatment: null,
    delta: null,
    ratio: null,
    reasons: { control: reason, treatment: reason, delta: reason, ratio: reason },
    intervals: {},
    bootstrap: {},
    test: null,
  };
}

/**
 * The comparison's result. `overlap` false starts the resamples after the point estimate, as on one
 * thread (the tests compare the two orders, which give the same bits). `last`: the accumulator is
 * not used after this result (the end of a run): its stored rows may be spent to lower the result
 * phase's peak memory (see {@link contextOf}); it then takes no more rows and has no state.
 */
export function buildResult(acc: ComparisonParts, overlap = true, last = false): ComparisonResult {
  const spec = acc.spec;
  const level = spec.confidence;
  const base = {
    result_version: COMPARISON_RESULT_VERSION as typeof COMPARISON_RESULT_VERSION,
    task: structuredClone(spec.task),
    classes: acc.kind === 'multiclass' ? acc.width : null,
    rows_seen: acc.rowsSeen,
    skipped: { ...acc.skipped },
    bootstrap: { resamples: spec.bootstrap, seed: spec.seed, level },
  };
  if (acc.family === null) {
    const reason = 'no rows';
    return {
      ...base,
      rows: 0,
      metrics: spec.metrics.map((m) => emptyMetric(m, reason)),
      tests: { mcnemar: null, delong: null, reasons: {} },
      slices: spec.hasSlices ? { distinct: 0, folded: 0, overflowed: false, main_metric: mainMetric(acc), items: [], worse: [] } : null,
      charts: { roc: null, pr: null, histogram: null, calibration: null, confusion: null, reasons: {} },
    };
  }
  const sorts: SortScratch = { a: null, b: null };
  phaseMark('result: start');
  const two = pointOnTwoThreads(acc, sorts);
  let ctx = two?.ctx ?? contextOf(acc, sorts, last);
  phaseMark('result: rankings');
  // With worker threads (and the point on this one), the workers start taking resamples right after
  // the rankings, under the point estimate (DeLong, curves: one thread); this thread joins them
  // after. The resamples read the rankings and the store, never the point nor the sort buffers
  // (consecutive row ids go as their first one), so the bits are those of the sequential order.
  const early = overlap && two === null && bootstrapThreads(acc) > 1 ? startBootstrap(acc, ctx) : undefined;
  // DeLong's numerators in the sort buffers, which are then dropped.
  let bp: BinaryPoint | null;
  try {
    bp = two?.bp ?? pointOf(acc, ctx, sorts);
  } catch (err) {
    early?.cancel();
    throw err;
  }
  // The slices' rankings are cut from the whole store's (slice-rankings.ts) when it has one per model;
  // else (multiclass) the sort buffer (2 words per row), free once DeLong is done, takes the slices'
  // row lists and sorts after the bootstrap (kept only then).
  let whole = acc.slices !== null && acc.kind !== 'multiclass' && ctx?.rc != null && ctx.rt !== null ? ctx : null;
  // The cut takes its per-position slice groups from it when it holds the spent control scores.
  let free = acc.slices !== null && (whole === null || acc.store?.spent === true) ? sorts.a : null;
  sorts.a = sorts.b = null;
  phaseMark('result: point, DeLong, curves');
  const point = pointDerived(acc, ctx, bp);
  // Started now (if not already): with worker threads, the slices are built while they take resamples.
  const resamples = early ?? startBootstrap(acc, ctx);
  let slices: SlicesResult | null;
  try {
    slices = acc.slices !== null ? buildSlices(acc, point, free, whole) : null;
  } catch (err) {
    resamples.cancel();
    throw err;
  }
  // Let go of what only the slices read (the spent control scores' buffer among them) before the bootstrap is joined.
  whole = null;
  free = null;
  phaseMark('result: slices');
  const replicas = [point, ...resamples.finish()];
  phaseMark('result: bootstrap');
  // Only multiclass charts read the rankings again: the others' are let go after the slices cut theirs.
  if (acc.kind !== 'multiclass') ctx = null;
  const tests = pairedTests(acc, bp);

  const metrics: MetricResult[] = spec.metrics.map((name) => {
    const info = METRIC_CATALOGUE[name]!;
    if (info.value === 'matrix') return matrixMetric(acc, name);
    if (info.kind === 'pair') {
      const v = fieldOutcome(point.get(name), 'value');
      const r: PairMetricResult = {
        name,
        kind: 'pair',
        shape: 'scalar',
        higher_is_better: info.higherIsBetter,
        value: isDefined(v) ? v : null,
        reasons: {},
        intervals: {},
        bootstrap: {},
        test: null,
      };
      if (!isDefined(v)) r.reasons.value = v.reason;
      if (spec.bootstrap > 0) {
        r.bootstrap.value = distribution(replicas, name, 'value');
        r.intervals.value = percentileInterval(r.bootstrap.value, level);
      }
      return r;
    }
    const r: ModelMetricResult = {
      name,
      kind: 'model',
      shape: 'scalar',
      higher_is_better: info.higherIsBetter,
      control: null,
      treatment: null,
      delta: null,
      ratio: null,
      reasons: {},
      intervals: {},
      bootstrap: {},
      test: null,
    };
    for (const f of MODEL_FIELDS) {
      const v = fieldOutcome(point.get(name), f);
      if (isDefined(v)) r[f] = v;
      else r.reasons[f] = v.reason;
      if (spec.bootstrap > 0) {
        const d = distribution(replicas, name, f);
        r.bootstrap[f] = d;
        r.intervals[f] = percentileInterval(d, level);
      }
    }
    if (name === 'accuracy' && spec.hasLabel) {
      r.test =
        tests.mcnemar !== null
          ? { test: 'mcnemar', pvalue: tests.mcnemar.pvalue, reason: null }
          : { test: 'mcnemar', pvalue: null, reason: tests.reasons.mcnemar ?? 'not computed' };
    }
    if (name === 'auroc' && acc.kind === 'binary') {
      const d = tests.delong;
      r.test =
        d !== null
          ? { test: 'delong', pvalue: d.pvalue, reason: null }
          : { test: 'delong', pvalue: null, reason: tests.reasons.delong ?? 'not computed' };
      if (spec.bootstrap === 0 && d !== null) delongIntervals(r, d, level);
    }
    return r;
  });

  phaseMark('result: intervals');
  const charts = buildCharts(acc, ctx, bp);
  phaseMark('result: charts');
  return { ...base, rows: acc.bank!.W[0]!, metrics, tests, slices, charts };
}

/** Without a bootstrap, binary AUROC still gets normal-theory DeLong intervals. */
function delongIntervals(r: ModelMetricResult, d: DeLongResult, level: number): void {
  const mk = (center: number | null, se: number): MetricInterval => {
    if (center === null) return { low: null, high: null, level, method: 'delong', reason: 'the AUROC is undefined' };
    const { low, high } = normalInterval(center, se, level);
    return { low, high, level, method: 'delong', reason: null };
  };
  r.intervals.control = mk(r.control, d.se_control);
  r.intervals.treatment = mk(r.treatment, d.se_treatment);
  r.intervals.delta = mk(r.delta, d.se);
}

function pairedTests(acc: ComparisonParts, bp: BinaryPoint | null): PairedTests {
  const spec = acc.spec;
  const tests: PairedTests = { mcnemar: null, delong: null, reasons: {} };
  if (spec.hasLabel && spec.metrics.includes('accuracy')) {
    const view = new ReplicaView(acc.bank!, 0);
    const d = acc.family!.discordant(view);
    if (view.W === 0) tests.reasons.mcnemar = 'no rows';
    else if (d !== null) tests.mcnemar = mcnemar(d.controlOnly, d.treatmentOnly);
  }
  if (acc.kind === 'binary' && spec.hasLabel && spec.metrics.includes('auroc')) {
    const d = bp?.delong ?? null;
    if (d === null) tests.reasons.delong = 'no rows';
    else if ('reason' in d) tests.reasons.delong = d.reason;
    else tests.delong = d;
  }
  return tests;
}

function matrixMetric(acc: ComparisonParts, name: string): MatrixMetricResult {
  const m = acc.charts!.multiclassConfusion();
  if (m === null || acc.bank!.W[0] === 0) {
    return {
      name,
      kind: 'model',
      shape: 'matrix',
      classes: m?.classes ?? [],
      control: null,
      treatment: null,
      reasons: { control: 'no rows', treatment: 'no rows' },
    };
  }
  return { name, kind: 'model', shape: 'matrix', classes: m.classes, control: m.control, treatment: m.treatment, reasons: {} };
}

/** The metric that ranks slices: the task's main metric if requested, else the first scalar one of the right kind. */
export function mainMetric(acc: ComparisonParts): string | null {
  const spec = acc.spec;
  const preferred = spec.hasLabel
    ? { binary: 'auroc', multiclass: 'accuracy', regression: 'mse' }[acc.kind]
    : { binary: 'agreement', multiclass: 'agreement', regression: 'mean_abs_diff' }[acc.kind];
  if (spec.metrics.includes(preferred)) return preferred;
  const want = spec.hasLabel ? 'model' : 'pair';
  return (
    spec.metrics.find((m) => METRIC_CATALOGUE[m]!.kind === want && METRIC_CATALOGUE[m]!.value === 'scalar') ??
    spec.metrics.find((m) => METRIC_CATALOGUE[m]!.value === 'scalar') ??
    null
  );
}

function sliceMetrics(acc: ComparisonParts, d: Derived): SliceMetric[] {
  const out: SliceMetric[] = [];
  for (const name of acc.spec.metrics) {
    const info = METRIC_CATALOGUE[name]!;
    if (info.value === 'matrix') continue;
    const m: SliceMetric = { name, kind: info.kind, control: null, treatment: null, delta: null, value: null, reasons: {} };
    const fields: MetricField[] = info.kind === 'pair' ? ['value'] : ['control', 'treatment', 'delta'];
    for (const f of fields) {
      const v = fieldOutcome(d.get(name), f);
      if (isDefined(v)) m[f as 'control'] = v;
      else m.reasons[f] = v.reason;
    }
    out.push(m);
  }
  return out;
}

/**
 * `free`: the main rankings' sort buffer (2 words per row), unused since the bootstrap: the slices'
 * row lists and sorts go into it instead of 4 B per row and 8 B per row of the largest slice.
 */
function buildSlices(acc: ComparisonParts, overall: Derived, free: Uint32Array | null, whole: RankingContext | null): SlicesResult {
  const table = acc.slices!;
  const spec = acc.spec;
  const S = table.names.length;
  const order = Array.from({ length: S }, (_, i) => i).sort((a, b) => {
    const d = table.banks[b]!.W[0]! - table.banks[a]!.W[0]!;
    return d !== 0 ? d : table.names[a]! < table.names[b]! ? -1 : table.names[a]! > table.names[b]! ? 1 : 0;
  });
  const shown = order.slice(0, spec.maxSlices);
  const folded = order.slice(spec.maxSlices);
  const hasOther = folded.length > 0 || table.overflow !== null;
  // Group id per slice index: shown slices 0..shown-1, everything else the `(other)` group.
  const OTHER = shown.length;
  const groupOf = new Uint32Array(S).fill(OTHER);
  shown.forEach((s, g) => {
    groupOf[s] = g;
  });
  const groups = shown.length + (hasOther ? 1 : 0);
  // Stored rows per group (CSR), for ranking metrics.
  const store = acc.store;
  let starts: Uint32Array | null = null,
    rows: Uint32Array | null = null;
  // One set of sort buffers for every slice (sized by the largest), not one per slice.
  const sorts: SortScratch = { a: free, b: null };
  const scratch = spearmanScratch(rankingMetrics(acc.spec.metrics), store?.n ?? 0);
  const over = store?.slice != null ? overflowIn(store.slice) : -1;
  const cutter =
    whole !== null && store !== null && store.slice !== null
      ? sliceCutter(whole, store, store.slice, (s) => (s === over ? OTHER : (groupOf[s] ?? OTHER)), groups, scratch, free)
      : null;
  if (cutter === null && store !== null && store.slice !== null) {
    const counts = new Uint32Array(groups + 1);
    const g = (s: number): number => (s === over ? OTHER : groupOf[s]!);
    for (let i = 0; i < store.n; i++) counts[g(store.slice[i]!) + 1]!++;
    for (let i = 1; i <= groups; i++) counts[i]! += counts[i - 1]!;
    starts = counts.slice();
    let largest = 0;
    for (let i = 0; i < groups; i++) largest = Math.max(largest, counts[i + 1]! - counts[i]!);
    // The row lists and the largest slice's sort both fit in the free buffer when no slice has more than half the rows.
    if (free !== null && free.length >= store.n + 2 * largest) {
      rows = free.subarray(0, store.n);
      sorts.a = free.subarray(store.n);
    } else rows = new Uint32Array(store.n);
    const fill = counts.slice();
    for (let i = 0; i < store.n; i++) rows[fill[g(store.slice[i]!)]!++] = i;
  }
  const derive = (bank: ReplicaBank, group: number): Derived => {
    const d: Derived = new Map();
    acc.family!.derive(new ReplicaView(bank, 0), d);
    if (cutter !== null) rankingOutcomes(cutter.context(group), null, d);
    else if (store !== null && starts !== null && rows !== null) {
      const sub = rows.subarray(starts[group]!, starts[group + 1]!);
      rankingOutcomes(rankingContext(acc.kind, rankingMetrics(acc.spec.metrics), store, sub, sub.length, scratch, undefined, sorts), null, d);
    }
    return d;
  };
  const items: SliceResult[] = [];
  const derivedOf: Derived[] = [];
  shown.forEach((s, g) => {
    const d = derive(table.banks[s]!, g);
    derivedOf.push(d);
    items.push({ slice: table.names[s]!, rows: table.banks[s]!.W[0]!, values: 1, metrics: sliceMetrics(acc, d) });
  });
  if (hasOther) {
    const other = new ReplicaBank(table.layout, 1);
    for (const s of folded) other.merge(table.banks[s]!);
    if (table.overflow !== null) other.merge(table.overflow);
    const d = derive(other, OTHER);
    derivedOf.push(d);
    items.push({ slice: '(other)', rows: other.W[0]!, values: folded.length, metrics: sliceMetrics(acc, d) });
  }
  const main = mainMetric(acc);
  return {
    distinct: S,
    folded: folded.length,
    overflowed: table.overflowed,
    main_metric: main,
    items,
    worse: worseSlices(main, items, derivedOf, overall),
  };
}

function worseSlices(main: string | null, items: SliceResult[], derived: Derived[], overall: Derived): WorseSlice[] {
  if (main === null) return [];
  const info = METRIC_CATALOGUE[main]!;
  const up = info.higherIsBetter !== false;
  const out: (WorseSlice & { badness: number })[] = [];
  const overallValue = fieldOutcome(overall.get(main), 'value');
  items.forEach((it, i) => {
    const d = derived[i]!.get(main);
    if (info.kind === 'model') {
      const delta = fieldOutcome(d, 'delta');
      if (!isDefined(delta) || (up ? delta >= 0 : delta <= 0)) return;
      const c = fieldOutcome(d, 'control'),
        t = fieldOutcome(d, 'treatment');
      out.push({
        slice: it.slice,
        rows: it.rows,
        metric: main,
        control: c as number,
        treatment: t as number,
        delta,
        value: null,
        badness: up ? -delta : delta,
      });
    } else {
      const v = fieldOutcome(d, 'value');
      if (!isDefined(v) || !isDefined(overallValue) || (up ? v >= overallValue : v <= overallValue)) return;
      out.push({
        slice: it.slice,
        rows: it.rows,
        metric: main,
        control: null,
        treatment: null,
        delta: null,
        value: v,
        badness: up ? overallValue - v : v - overallValue,
      });
    }
  });
  out.sort((a, b) => b.badness - a.badness || b.rows - a.rows || (a.slice < b.slice ? -1 : 1));
  return out.map(({ badness: _b, ...w }) => w);
}

/** One-vs-rest curves of the first MAX_OVR_CLASSES classes, from the per-class rankings multiclass AUROC made; or why none. */
function oneVsRest(ctx: RankingContext | null): OneVsRestCurves[] | string {
  if (ctx === null || ctx.classC.length === 0) return 'scores are kept only when a ranking metric (auroc) is requested';
  const out: OneVsRestCurves[] = [];
  const value = (o: Outcome): number | null => (isDefined(o) ? o : null);
  for (let j = 0; j < Math.min(ctx.classC.length, MAX_OVR_CLASSES); j++) {
    const rc = ctx.classC[j]!,
      rt = ctx.classT[j]!,
      pc = ctx.classPosC[j]!,
      pt = ctx.classPosT[j]!;
    const a = rocAndPr(rc, pc, MAX_OVR_CURVE_POINTS),
      b = rocAndPr(rt, pt, MAX_OVR_CURVE_POINTS);
    if (a === null || b === null) continue;
    let positives = 0;
    for (let i = 0; i < rc.n; i++) positives += pc[i]!;
    const ac = aurocAuprc(rc, pc, null),
      at = aurocAuprc(rt, pt, null);
    out.push({
      class: j,
      positives,
      roc: { control: a.roc, treatment: b.roc },
      pr: { control: a.pr, treatment: b.pr },
      auroc: { control: value(ac.auroc), treatment: value(at.auroc) },
      auprc: { control: value(ac.auprc), treatment: value(at.auprc) },
    });
  }
  return out.length === 0 ? 'every class must be present and absent in some rows' : out;
}

function buildCharts(acc: ComparisonParts, ctx: RankingContext | null, bp: BinaryPoint | null): ComparisonCharts {
  const c: ComparisonCharts = { roc: null, pr: null, histogram: null, calibration: null, confusion: null, reasons: {} };
  const spec = acc.spec;
  const charts = acc.charts!;
  if (acc.kind === 'binary' && spec.hasLabel) {
    if (bp === null) {
      const why = 'scores are kept only when a ranking metric (auroc, auprc, spearman, ks, psi) is requested';
      c.reasons.roc = why;
      c.reasons.pr = why;
    } else if (bp.curves === null) {
      c.reasons.roc = c.reasons.pr = 'both classes must be present';
    } else {
      c.roc = { control: bp.curves.control.roc, treatment: bp.curves.treatment.roc };
      c.pr = { control: bp.curves.control.pr, treatment: bp.curves.treatment.pr };
    }
  } else if (acc.kind === 'multiclass' && spec.hasLabel) {
    c.reasons.roc = c.reasons.pr = 'multiclass: see the one-vs-rest curves per class';
    const ovr = oneVsRest(ctx);
    if (typeof ovr === 'string') c.reasons.ovr = ovr;
    else c.ovr = ovr;
  } else {
    const why = acc.kind === 'binary' ? 'needs labels' : `not drawn for ${acc.kind} tasks`;
    c.reasons.roc = why;
    c.reasons.pr = why;
  }
  if (acc.kind === 'regression') {
    const s = acc.store;
    if (s === null) c.reasons.histogram = 'predictions are kept only when a ranking metric (spearman, ks, psi) is requested or the bootstrap is on';
    else c.histogram = valueHistogram(s.control, s.treatment, s.n);
  } else c.histogram = charts.histogram();
  if (c.histogram === null) c.reasons.histogram ??= 'no rows';
  c.calibration = charts.calibration();
  if (c.calibration === null) c.reasons.calibration = acc.kind === 'regression' ? 'not drawn for regression tasks' : 'needs labels';
  if (!spec.hasLabel || acc.kind === 'regression') {
    c.reasons.confusion = acc.kind === 'regression' ? 'not drawn for regression tasks' : 'needs labels';
  } else if (acc.kind === 'binary') {
    const fam = acc.family as BinaryFamily;
    const v = new ReplicaView(acc.bank!, 0);
    const m = (side: 'control' | 'treatment'): number[][] => {
      const k = fam.counts(v, side);
      return [
        [k.tn, k.fp],
        [k.fn, k.tp],
      ];
    };
    c.confusion = { classes: [0, 1], control: m('control'), treatment: m('treatment') };
  } else {
    c.confusion = charts.multiclassConfusion();
  }
  return c;
}
