/**
 * What flows in and out of the executor per batch. Data sources (`runtime/sources`) produce values
 * assignable to {@link Batch}; the executor hands {@link OutputsBatch} and {@link ComparisonBatch}
 * to its callbacks. All columns are batch-major typed arrays: no per-row objects.
 */
import type { Tensor } from '../stdlib/types.ts';
import type { RejectedRow } from './row-filter.ts';

/** One batch of parsed rows, as the executor needs it. */
export interface Batch {
  /** Number of rows; every tensor's first dim and both columns below have this length. */
  rows: number;
  /** Row ordinal of each row in the data (0-based, counting only rows that were kept). */
  rowIds: Float64Array;
  /** Line of each row in the data file (1-based), used in error messages and `--out`. */
  lines: Float64Array;
  /** One tensor per graph input; absent for an optional input the data does not have. */
  tensors: Record<string, Tensor | undefined>;
}

/** The values of `plan.outputs` for one batch. */
export interface OutputsBatch {
  rows: number;
  rowIds: Float64Array;
  lines: Float64Array;
  values: Record<string, Tensor>;
}

/**
 * The parents of one comparison for one batch: what an accumulator's `update` consumes. `label`
 * and `slice` are absent when the comparison has none or when the (optional) input is missing.
 */
export interface ComparisonBatch {
  control: Tensor;
  treatment: Tensor;
  label?: Tensor;
  slice?: Tensor;
  rowIds: Float64Array;
  lines: Float64Array;
}

/** Everything a batch computed for the requested targets. */
export interface BatchResult {
  /** Over the rows that remain once ops rejected theirs (`outputs.rows` of them; may be 0). */
  outputs: OutputsBatch;
  comparisons: Map<string, ComparisonBatch>;
  /** Rows ops rejected (bad images, texts too long), dropped before any model ran. */
  rejected: RejectedRow[];
}
