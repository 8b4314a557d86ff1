/**
 * The dashboard's JSON API: what the server sends and the browser UI and the HTML report read.
 *
 * Plain JSON only (no NaN, no Infinity): an undefined value is `null` with its reason next to it.
 * Every string here comes from a results database written by someone else, so the UI must treat all
 * of them as text (never as HTML). Type-only module: imported by the server (Node) and by the UI
 * bundle (browser) alike.
 */
import type { PlanTask } from '../plan/plan-types.ts';
import type { ComparisonResult } from '../plan/result-types.ts';

/** Bumped on any incompatible change of the payloads below. */
export const DASHBOARD_API_VERSION = 2;

/** A run's gate verdict: every gate passed, at least one failed, or the comparison had no gate. */
export type Verdict = 'pass' | 'fail' | 'none';

/** One model of a run, as the plan names it. */
export interface RunModel {
  /** `control`, `treatment`, `both` (upstream of the two sides), `label`, `slice`, or null when the sink did not know. */
  role: string | null;
  name: string;
  path: string;
  sha256: string;
}

/** One row of the runs list (one comparison of one `m4c run`). */
export interface RunSummary {
  id: string;
  /** The invocation that wrote it: the comparisons of one `m4c run` share it. */
  run_key: string;
  /** `interrupted`: stopped before the end of its data (Ctrl-C); such a run never passes. */
  status: 'complete' | 'interrupted';
  /** ISO 8601. */
  started_at: string;
  ended_at: string;
  /** The graph's source file as typed on the command line (what the user recognises). */
  graph: string;
  /**
   * The graph file's stable identity (runtime/graph-identity.ts; the path as typed for runs recorded
   * before it existed): with `comparison`, the key of the run's series (trends).
   */
  graph_key: string;
  plan_hash: string;
  comparison: string;
  /** `binary`, `multiclass` or `regression`. */
  task: string;
  data_source: string | null;
  /** `2/3` for a shard; null otherwise. */
  shard: string | null;
  /** Set for a run made by `m4c merge`: how many shard states it combined. */
  merged_shards: number | null;
  /** Control first, then treatment, then the other roles. */
  models: RunModel[];
  /** Rows counted in every metric. */
  rows: number;
  rows_seen: number;
  rows_skipped: number;
  m4_version: string;
  gates_total: number;
  /** Gates recorded as failed. */
  gates_failed: number;
  /** From the run's recorded `passed` and whether it has gates: never `pass` for an interrupted run. */
  verdict: Verdict;
  /** The metrics the runs query asked for (`metrics=`), by name; absent when none was asked. */
  columns?: Record<string, MetricColumn>;
}

/** One metric of a run as a runs-list column: per-model values and Δ, or a label-free metric's value. */
export interface MetricColumn {
  control: number | null;
  treatment: number | null;
  delta: number | null;
  delta_low: number | null;
  delta_high: number | null;
  value: number | null;
  /** From the metric catalogue: which way the Δ is good; null when neither. */
  higher_is_better: boolean | null;
}

/** Sort keys of the runs list; besides these, `metric:NAME` sorts by a metric's Δ (or label-free value). */
export const RUN_SORT_KEYS = ['started_at', 'graph', 'comparison', 'rows', 'verdict'] as const;
export type RunSortKey = (typeof RUN_SORT_KEYS)[number] | `metric:${string}`;

/** At most this many metric columns in one runs query. */
export const MAX_METRIC_COLUMNS = 4;

/** A query of the runs list; the server validates every field. */
export interface RunsQuery {
  /** Case-insensitive substring of the graph, the comparison or a model name. */
  q?: string;
  /** A graph key (exact). */
  graph?: string;
  comparison?: string;
  verdict?: Verdict;
  /** Metric columns to add to each run (≤ MAX_METRIC_COLUMNS). */
  metrics?: string[];
  sort?: RunSortKey;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface RunsPage {
  /** Runs matching the filter (all pages). */
  total: number;
  offset: number;
  limit: number;
  runs: RunSummary[];
}

/** One gate verdict of a run, as the sink recorded it. */
export interface RunGate {
  text: string;
  metric: string;
  field: string;
  op: string;
  bound: number;
  confidence: number | null;
  passed: boolean;
  value: number | null;
  interval_low: number | null;
  interval_high: number | null;
  reason: string;
}

/** Everything a run page shows. `result.metrics[*].bootstrap` is emptied: the page never needs the resamples. */
export interface RunDetail {
  run: RunSummary;
  gates: RunGate[];
  /** Rows skipped by the data source (`source`) or by the comparison (`comparison`), by reason. */
  skipped: { stage: string; reason: string; count: number }[];
  /** Remarks the run recorded about this comparison. */
  notes: string[];
  result: ComparisonResult;
  /**
   * The task as declared in the graph (its threshold as written: `0.3`), where `result.task` holds
   * the threshold the scores were compared with (rounded to f32 for f32 scores: 0.30000001192…).
   */
  declared_task: PlanTask;
}

/** One comparison series (graph key + comparison name) with its runs, for the trends picker. */
export interface ComparisonEntry {
  /** The graph key (see RunSummary.graph_key). */
  graph: string;
  /** The graph file as typed by its latest run. */
  graph_label: string;
  comparison: string;
  runs: number;
  latest_started_at: string;
  /** Metric names with a scalar value in the latest run, in report order. */
  metrics: string[];
}

/** A metric value with its interval as recorded with one run; null fields are undefined. */
export interface TrendValue {
  value: number | null;
  low: number | null;
  high: number | null;
}

/** One run of a trend. `value` holds a label-free metric's single value (its other fields are null). */
export interface TrendPoint {
  run_id: string;
  started_at: string;
  verdict: Verdict;
  /** This run's own gates on the trend's metric, with their verdicts. */
  gates: TrendGate[];
  control: TrendValue;
  treatment: TrendValue;
  delta: TrendValue;
  value: TrendValue;
}

/** A gate threshold on the trend's metric, drawn as a horizontal line on the panel of its field. */
export interface TrendGate {
  text: string;
  field: string;
  op: string;
  bound: number;
  /** Whether the gate passed in its run. */
  passed: boolean;
}

/** A metric across the runs of one comparison, oldest first. */
export interface Trend {
  graph: string;
  comparison: string;
  metric: string;
  kind: 'model' | 'pair';
  higher_is_better: boolean | null;
  /** The interval level of the most recent run, when any interval is present. */
  level: number | null;
  points: TrendPoint[];
  /** The gates of the newest run that has any on this metric (each point carries its own). */
  gates: TrendGate[];
  /** True when the runs shown do not all have the same gates on this metric (the chart then steps). */
  gates_differ: boolean;
  /** True when older runs were left out (the newest `limit` are shown). */
  truncated: boolean;
}

/** Cheap summary the UI polls to notice new runs. */
export interface DashboardStatus {
  api_version: typeof DASHBOARD_API_VERSION;
  runs: number;
  latest_run_id: string | null;
  latest_started_at: string | null;
  /** The database file, as given on the command line. */
  database: string;
}

/** The body of every error response. */
export interface ApiError {
  error: string;
}

/** What an HTML report embeds: one run, and where and when the report was made. */
export interface ReportPayload {
  detail: RunDetail;
  /** ISO 8601. */
  generated_at: string;
  database: string;
  m4_version: string;
}
