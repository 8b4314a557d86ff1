/**
 * The public types of the comparison accumulator: what the runtime feeds it and the state that shards
 * exchange. The result it produces (`ComparisonResult`, read by the report, the sinks and the dashboard)
 * is part of the contract: plan/result-types.ts.
 *
 * Results and states are plain JSON (no NaN, no Infinity, no typed arrays, no class instances), so
 * they can be written to a database or sent between processes as they are. Field names are
 * snake_case like the execution plan's. Any incompatible change bumps the version constants.
 */
import type { PlanTask } from '../../plan/plan-types.ts';
import type { ComparisonResult, SkipReason } from '../../plan/result-types.ts';
import type { COMPARISON_STATE_VERSION } from '../../plan/version.ts';
import type { EncodedArray } from './state-codec.ts';
import type { BankState } from './replica-bank.ts';

export type TaskKind = PlanTask['kind'];

/** What a comparison computes; built by the runtime from a plan's `PlanComparison`. */
export interface ComparisonSpec {
  task: PlanTask;
  /** Catalogue names, in report order. */
  metrics: string[];
  hasLabel: boolean;
  hasSlices: boolean;
  /** Bootstrap resamples; 0 disables the bootstrap (intervals then come from DeLong or are absent). */
  bootstrap: number;
  seed: number;
  /** Interval level of the report, in (0, 1). */
  confidence: number;
  /** Slices shown individually; the rest fold into `(other)`. */
  maxSlices: number;
}

export type ScoreArray = Float32Array | Float64Array;
export type LabelArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** One batch of rows, as the executor produces it (batch-major, no per-row objects). */
export interface ComparisonBatch {
  rows: number;
  /** Global 0-based row ordinal in the source: keys the bootstrap weights, so it must be unique per row. */
  rowIds: Float64Array;
  /** rows × width, row-major. */
  control: ScoreArray;
  treatment: ScoreArray;
  /**
   * 1 for binary scores and regression values; k for multiclass probability rows. Binary also
   * accepts 2: a probability row whose column 1 is the positive score.
   */
  width: number;
  /** Binary: 0/1. Multiclass: class index. Regression: the target value. */
  label?: LabelArray;
  /** The `slice_by` value of each row. */
  slice?: string[];
}

/** The accumulator the runtime drives. */
export interface ComparisonAccumulator {
  readonly spec: ComparisonSpec;
  update(batch: ComparisonBatch): void;
  /** Add another accumulator's rows (same spec). Equivalent to having seen its rows here. */
  merge(other: ComparisonAccumulator): void;
  toState(): ComparisonState;
  /**
   * The result of the rows so far. `last`: the accumulator is not used afterwards (the end of a run),
   * so the result may spend its stored rows' memory (comparison-result.ts `buildResult`); it then
   * takes no more rows and has no state.
   */
  result(last?: boolean): ComparisonResult;
}

/** Serialized accumulator: plain JSON, typed arrays as base64. */
export interface ComparisonState {
  state_version: typeof COMPARISON_STATE_VERSION;
  spec: ComparisonSpec;
  /** Multiclass classes once known; binary/regression 1. null before the first batch. */
  width: number | null;
  rows_seen: number;
  skipped: Partial<Record<SkipReason, number>>;
  bank: BankState | null;
  charts: ChartsState | null;
  store: StoreState | null;
  slices: SlicesState | null;
}

export interface ChartsState {
  arrays: Record<string, EncodedArray>;
}

export interface StoreState {
  n: number;
  scoreType: 'f32' | 'f64';
  rowIds: EncodedArray;
  control: EncodedArray;
  treatment: EncodedArray;
  label: EncodedArray | null;
  slice: EncodedArray | null;
}

export interface SlicesState {
  names: string[];
  banks: BankState[];
  overflow: BankState | null;
  overflowed: boolean;
}
