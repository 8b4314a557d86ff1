/**
 * The result of a comparison and its gate verdicts: what the accumulator produces and the report
 * renderer, the sinks, the dashboard and remote readers (servers, workers) consume. Plain JSON (no NaN,
 * no Infinity, no typed arrays), snake_case like the plan. Any incompatible change bumps
 * `COMPARISON_RESULT_VERSION` (version.ts).
 */
import type { GateComparator, PlanTask } from './plan-types.ts';
import type { COMPARISON_RESULT_VERSION } from './version.ts';

/** Why a row was not counted. A row with several problems counts under the first in this order. */
export type SkipReason =
  | 'row_id_invalid' // not an integer in [0, 2^53)
  | 'control_invalid' // a NaN score (classification) or a non-finite value (regression)
  | 'treatment_invalid'
  | 'label_nan'
  | 'label_invalid'; // binary: not 0/1; multiclass: not a class index in [0, k); regression: infinite

export type MetricKind = 'model' | 'pair';
export type MetricField = 'control' | 'treatment' | 'delta' | 'ratio' | 'value';
export type ModelField = 'control' | 'treatment' | 'delta' | 'ratio';

/** A confidence interval. `low`/`high` are null, with `reason`, when it cannot be computed. */
export interface MetricInterval {
  low: number | null;
  high: number | null;
  /** e.g. 0.95 */
  level: number;
  method: 'bootstrap' | 'delong';
  reason: string | null;
}

/**
 * The bootstrap distribution of one field: the values of every resample where the field was
 * defined, sorted ascending, and how many resamples left it undefined. Gates use it to compute an
 * interval at their own level.
 */
export interface BootstrapDistribution {
  values: number[];
  undefined: number;
}

/** The paired test attached to a metric: McNemar for accuracy, DeLong for binary AUROC. */
export interface PairedTestSummary {
  test: 'mcnemar' | 'delong';
  pvalue: number | null;
  reason: string | null;
}

/** A per-model scalar metric. Every null field has its reason in `reasons`. */
export interface ModelMetricResult {
  name: string;
  kind: 'model';
  shape: 'scalar';
  higher_is_better: boolean | null;
  control: number | null;
  treatment: number | null;
  /** treatment − control */
  delta: number | null;
  /** treatment / control */
  ratio: number | null;
  reasons: Partial<Record<ModelField, string>>;
  /** At the spec's confidence level; absent fields when the bootstrap is off. */
  intervals: Partial<Record<ModelField, MetricInterval>>;
  bootstrap: Partial<Record<ModelField, BootstrapDistribution>>;
  test: PairedTestSummary | null;
}

/** A label-free metric between the two models: one value. */
export interface PairMetricResult {
  name: string;
  kind: 'pair';
  shape: 'scalar';
  higher_is_better: boolean | null;
  value: number | null;
  reasons: { value?: string };
  intervals: { value?: MetricInterval };
  bootstrap: { value?: BootstrapDistribution };
  test: null;
}

/** `confusion_matrix`: a count matrix per model, rows = true class, columns = predicted class. */
export interface MatrixMetricResult {
  name: string;
  kind: 'model';
  shape: 'matrix';
  classes: number[];
  control: number[][] | null;
  treatment: number[][] | null;
  reasons: { control?: string; treatment?: string };
}

export type MetricResult = ModelMetricResult | PairMetricResult | MatrixMetricResult;

/** McNemar's test on the rows where exactly one model is correct. */
export interface McNemarResult {
  control_only_correct: number;
  treatment_only_correct: number;
  discordant: number;
  /** Two-sided exact binomial test of the discordant pairs (p = 1 with none). */
  pvalue_exact: number;
  /** (|b − c| − 1)² / (b + c); null with no discordant pairs. */
  statistic_chi2_cc: number | null;
  pvalue_chi2_cc: number;
  /** The headline p-value: exact below 25 discordant pairs, else the chi-square one. */
  pvalue: number;
  method: 'exact' | 'chi2_cc';
}

/** DeLong's test of two correlated AUROCs (as R pROC `roc.test(paired = TRUE, method = 'delong')`). */
export interface DeLongResult {
  auc_control: number;
  auc_treatment: number;
  /** auc_treatment − auc_control */
  delta: number;
  /** Standard error of the delta. */
  se: number;
  /** (auc_control − auc_treatment) / se, pROC's orientation. */
  z: number;
  pvalue: number;
  /** Normal-theory interval of the delta at the spec's level. */
  interval: MetricInterval;
  /** Standard errors of each AUROC (for DeLong intervals of control/treatment). */
  se_control: number;
  se_treatment: number;
  positives: number;
  negatives: number;
}

export interface PairedTests {
  mcnemar: McNemarResult | null;
  delong: DeLongResult | null;
  /** Why a test that applies could not be computed. */
  reasons: { mcnemar?: string; delong?: string };
}

/** One metric's point values inside a slice (no intervals: slices are not bootstrapped). */
export interface SliceMetric {
  name: string;
  kind: MetricKind;
  control: number | null;
  treatment: number | null;
  delta: number | null;
  value: number | null;
  reasons: Partial<Record<MetricField, string>>;
}

export interface SliceResult {
  /** The slice value, or `(other)` for the folded bucket. */
  slice: string;
  rows: number;
  /** For `(other)`: how many slice values it holds; 1 otherwise. */
  values: number;
  metrics: SliceMetric[];
}

/** A slice where the treatment does worse than the control (or, label-free, where the models diverge most). */
export interface WorseSlice {
  slice: string;
  rows: number;
  metric: string;
  control: number | null;
  treatment: number | null;
  delta: number | null;
  value: number | null;
}

export interface SlicesResult {
  /** Distinct slice values seen. */
  distinct: number;
  /** Slice values folded into `(other)`. */
  folded: number;
  /**
   * True when more distinct values arrived than the state keeps (10 × maxSlices, at least 1000):
   * the excess went straight to `(other)` and the choice of shown slices may depend on row order.
   */
  overflowed: boolean;
  /** The metric that ranks `worse`: auroc / accuracy / mse with labels, agreement / mean_abs_diff without. */
  main_metric: string | null;
  items: SliceResult[];
  /** Worst first. */
  worse: WorseSlice[];
}

export interface CurvePoint {
  x: number;
  y: number;
  /** Score threshold of the point; null for the conventional end point. */
  threshold: number | null;
}

/** ROC (x = false positive rate, y = true positive rate) or PR (x = recall, y = precision), ≤ 200 points each. */
export interface CurvePair {
  control: CurvePoint[];
  treatment: CurvePoint[];
}

export interface Histogram {
  /** 'score' (binary), 'top_class_probability' (multiclass) or 'prediction' (regression). */
  quantity: string;
  /** bins + 1 ascending edges; bins are [e_i, e_{i+1}) except the last, which is closed. */
  edges: number[];
  control: number[];
  treatment: number[];
  /** Rows whose value fell outside [edges[0], edges[last]]. */
  outside: { control: number; treatment: number };
  /**
   * Binary with labels: the same bins split by the true label (negatives, positives), per model.
   * Absent for other tasks and in results written before it existed.
   */
  by_label?: { negative: { control: number[]; treatment: number[] }; positive: { control: number[]; treatment: number[] } };
}

export interface CalibrationSide {
  count: number;
  /** Mean predicted probability in the bin; null when the bin is empty. */
  mean_predicted: number | null;
  /** Observed frequency (binary: positives; multiclass: correct predictions); null when empty. */
  observed: number | null;
}

export interface CalibrationBin {
  low: number;
  high: number;
  control: CalibrationSide;
  treatment: CalibrationSide;
}

export interface Calibration {
  /** 'score' (binary) or 'top_class_probability' (multiclass). */
  quantity: string;
  bins: CalibrationBin[];
}

export interface ConfusionMatrices {
  classes: number[];
  /** rows = true class, columns = predicted class */
  control: number[][];
  treatment: number[][];
}

/** Multiclass: one class against the rest, both models (≤ MAX_OVR_CURVE_POINTS of stdlib/metrics/charts.ts per curve). */
export interface OneVsRestCurves {
  class: number;
  /** Rows of this class. */
  positives: number;
  roc: CurvePair;
  pr: CurvePair;
  auroc: { control: number | null; treatment: number | null };
  auprc: { control: number | null; treatment: number | null };
}

export type ChartName = 'roc' | 'pr' | 'histogram' | 'calibration' | 'confusion';

export interface ComparisonCharts {
  roc: CurvePair | null;
  pr: CurvePair | null;
  histogram: Histogram | null;
  calibration: Calibration | null;
  confusion: ConfusionMatrices | null;
  /**
   * Multiclass with labels and `auroc` requested: one-vs-rest ROC/PR curves of the first
   * MAX_OVR_CLASSES classes (stdlib/metrics/charts.ts). Absent otherwise and in older results.
   */
  ovr?: OneVsRestCurves[];
  /** Why a chart is null. */
  reasons: Partial<Record<ChartName | 'ovr', string>>;
}

export interface ComparisonResult {
  result_version: typeof COMPARISON_RESULT_VERSION;
  task: PlanTask;
  /** Multiclass: the number of classes (width of the probability rows); null otherwise or before any row. */
  classes: number | null;
  /** Rows counted in every metric. */
  rows: number;
  /** Rows received, counted or not. */
  rows_seen: number;
  skipped: Partial<Record<SkipReason, number>>;
  bootstrap: { resamples: number; seed: number; level: number };
  metrics: MetricResult[];
  tests: PairedTests;
  slices: SlicesResult | null;
  charts: ComparisonCharts;
}

/** The judgement of one gate on one result. */
export interface GateVerdict {
  /** The gate as written. */
  gate: string;
  metric: string;
  field: MetricField;
  op: GateComparator;
  bound: number;
  confidence: number | null;
  passed: boolean;
  /** The point estimate of the gated field, or null when undefined / unavailable. */
  value: number | null;
  /** The interval the gate was judged on (confidence gates), else null. */
  interval: MetricInterval | null;
  /** Why it passed or failed, in one sentence a release engineer can act on. */
  reason: string;
}
