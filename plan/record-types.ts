/**
 * Who, what, where and when of one run, and the record a sink stores for each of its comparisons:
 * the documents the sinks write and the dashboard, `m4c merge`, servers and workers read.
 *
 * `RunSubject` is the part that comes from the plan (hash, models, comparison declarations). State
 * files carry it so `m4c merge` can judge gates and write sinks without the `.m4` file. `RunMeta`
 * adds what only the run knows: the data source, row counts, times, shard, interruption. A
 * `RunRecord` is one comparison of one run, as plain JSON: the SQLite sink spreads it over tables,
 * the JSONL sink writes it as one line. Any incompatible change bumps `RUN_RECORD_VERSION` (version.ts).
 *
 * Invariant: a record's `passed` is true only when `status` is `complete` and every gate verdict
 * passed: a record of an interrupted run never passes, whatever its partial metrics say.
 */
import type { PlanComparison, PlanGate, PlanTask } from './plan-types.ts';
import type { ComparisonResult, GateVerdict } from './result-types.ts';
import type { RUN_RECORD_VERSION } from './version.ts';

/** `complete`: the source was read to its end. `interrupted`: stopped early (Ctrl-C); never passes. */
export type RunStatus = 'complete' | 'interrupted';

/** Which side of a comparison a model feeds. `both`: a model upstream of control and treatment. */
export type ModelRole = 'control' | 'treatment' | 'both' | 'label' | 'slice';

/** A model of the plan, as a record names it. */
export interface RunModel {
  name: string;
  /** Absolute path at compile time. */
  path: string;
  sha256: string;
}

/** A plan comparison plus the roles of the models upstream of it. */
export interface SubjectComparison extends PlanComparison {
  /** Model name → role, for the models this comparison reads (directly or through nodes). */
  model_roles: Record<string, ModelRole>;
  /** dtype of the control (= treatment) signal per the plan; decides the precision of the binary threshold. */
  score_dtype?: string;
}

/** The plan-derived part of a run: enough to judge gates and write records without the plan. */
export interface RunSubject {
  plan_hash: string;
  /** The `.m4` file the plan was compiled from (or a description such as `m4c compare`). */
  source_file: string;
  /** The m4 version that compiled the plan. */
  plan_m4_version: string;
  models: RunModel[];
  comparisons: SubjectComparison[];
}

/**
 * Identity of the data a run read, hashed while reading (a pipe or standard input is read once).
 * Shards of one replay each read the whole file (keeping their rows), so they must agree on all of it;
 * `m4c merge` also checks that each shard read to the end and that the shards' rows add up.
 */
export interface DataSourceInfo {
  /** Absolute path, or `-` for standard input. */
  path: string;
  /** Bytes read (decompressed for `.gz`). */
  bytes: number;
  /** sha256 of the bytes read: of the whole file when `complete`. */
  sha256: string;
  /** True when the data was read to its end (no `--limit`, no interrupt). */
  complete: boolean;
  /** Data rows in the part read, all shards together (this run's own are `rows_seen`). */
  rows_total: number;
}

/** Everything a record says about its run besides the metrics. Plain JSON. */
export interface RunMeta {
  /** UUID of this invocation; every record it writes carries it. */
  run_id: string;
  plan_hash: string;
  source_file: string;
  /** The m4 version that ran (M4_VERSION). */
  m4_version: string;
  plan_m4_version: string;
  models: RunModel[];
  data_source: DataSourceInfo | null;
  /** Data rows examined by the source (good and bad; this shard's only when sharded). */
  rows_seen: number;
  /** Rows the source rejected, by reason (`invalid-json`, `missing-field`, ...). */
  rows_skipped: Record<string, number>;
  /** ISO 8601, UTC. */
  started_at: string;
  ended_at: string;
  /** 0-based shard index and shard count (`--shard 2/3` is index 1, count 3); null when unsharded. */
  shard: { index: number; count: number } | null;
  /** For `m4c merge`: how many shard states were combined; null otherwise. */
  merged_shards: number | null;
  /** True when the run stopped before the end of its data (Ctrl-C): its record never passes. */
  interrupted: boolean;
}

/** The comparison's settings as the run used them (after dropping metrics the data could not feed). */
export interface RecordComparison {
  name: string;
  task: PlanTask;
  metrics: string[];
  /** The plan's gates without their spans. */
  gates: Omit<PlanGate, 'span'>[];
  options: { bootstrap: number; seed: number; confidence: number; max_slices: number };
  has_label: boolean;
  has_slices: boolean;
  model_roles: Record<string, ModelRole>;
  notes: string[];
}

/** One comparison of one run, as a sink stores it. */
export interface RunRecord {
  record_version: typeof RUN_RECORD_VERSION;
  status: RunStatus;
  passed: boolean;
  meta: RunMeta;
  comparison: RecordComparison;
  result: ComparisonResult;
  verdicts: GateVerdict[];
}
