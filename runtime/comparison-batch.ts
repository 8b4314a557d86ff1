/**
 * From the executor's tensors to what a comparison accumulator consumes.
 *
 * The executor hands each comparison its parents as tensors: scores `f32[rows]`, `f32[rows, 1]`,
 * `f32[rows, 2]` (a binary probability row) or `f32[rows, k]` (multiclass), labels of any numeric or
 * bool dtype, slice keys as `str[rows]` or numbers. The accumulator wants flat typed arrays plus a row
 * width, and slice keys as strings. Float scores pass through without a copy.
 */
import type { PlanComparison, PlanTask } from '../plan/plan-types.ts';
import type { Tensor } from '../stdlib/types.ts';
import type { ComparisonBatch, LabelArray, ScoreArray } from '../stdlib/metrics/comparison-types.ts';
import { EXIT, M4Error } from '../plan/errors.ts';

/** One comparison's parents for one batch, as the executor produces them. */
export interface ComparisonParents {
  control: Tensor;
  treatment: Tensor;
  label?: Tensor;
  slice?: Tensor;
  /** Global row ordinal of each row in the data source (unique per row: it keys the bootstrap). */
  rowIds: Float64Array;
}

/**
 * Tensors that do not fit the comparison (wrong shape or dtype). The compiler rules these out for a
 * compiled plan, so this names the comparison and says what arrived, in one line.
 */
export class ComparisonInputError extends M4Error {
  constructor(
    readonly comparison: string,
    detail: string,
  ) {
    super(`comparison \`${comparison}\`: ${detail}`, EXIT.runtime);
  }
}

function shapeText(t: Tensor): string {
  return `${t.dtype}[${t.dims.join(', ')}]`;
}

/** Elements per row: the product of the dims after the first. */
function rowWidth(t: Tensor): number {
  let w = 1;
  for (let i = 1; i < t.dims.length; i++) w *= t.dims[i]!;
  return w;
}

function scores(name: string, role: string, t: Tensor): ScoreArray {
  switch (t.dtype) {
    case 'f32':
      return t.data as Float32Array;
    case 'f64':
      return t.data as Float64Array;
    case 'i32':
      return Float64Array.from(t.data as Int32Array);
    case 'bool':
      return Float64Array.from(t.data as Uint8Array);
    case 'i64': {
      const src = t.data as BigInt64Array;
      const out = new Float64Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
      return out;
    }
    case 'str':
    case 'bytes':
    case 'image':
      throw new ComparisonInputError(name, `${role} must be numeric, got ${shapeText(t)}`);
  }
}

function labels(name: string, t: Tensor, rows: number): LabelArray {
  if (t.dims[0] !== rows || rowWidth(t) !== 1) {
    throw new ComparisonInputError(name, `label must hold one value per row (${rows} rows), got ${shapeText(t)}`);
  }
  if (t.dtype === 'str') throw new ComparisonInputError(name, `label must be numeric or bool, got ${shapeText(t)}`);
  return t.data as LabelArray;
}

function sliceKeys(name: string, t: Tensor, rows: number): string[] {
  if (t.dims[0] !== rows || rowWidth(t) !== 1) {
    throw new ComparisonInputError(name, `slice_by must hold one value per row (${rows} rows), got ${shapeText(t)}`);
  }
  if (t.dtype === 'str') return t.data as string[];
  // Numbers become their shortest decimal text: 3 → "3", 0.5 → "0.5", so equal numbers share a slice.
  const out = new Array<string>(rows);
  const d = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < rows; i++) out[i] = String(d[i]);
  return out;
}

/** The widths a task accepts for its score rows, as words for an error message. */
function checkWidth(name: string, task: PlanTask, width: number, t: Tensor): void {
  const ok = task.kind === 'binary' ? width === 1 || width === 2 : task.kind === 'regression' ? width === 1 : width >= 2;
  if (ok) return;
  const want =
    task.kind === 'binary'
      ? 'a score per row ([rows] or [rows, 1]) or a [rows, 2] probability row'
      : task.kind === 'regression'
        ? 'one value per row ([rows] or [rows, 1])'
        : 'a probability row per input ([rows, k], k ≥ 2)';
  throw new ComparisonInputError(name, `a ${task.kind} comparison needs ${want}, got ${shapeText(t)}`);
}

/**
 * Convert one batch of parents. `hasLabel`/`hasSlices` say what the accumulator was built with; a
 * parent the accumulator expects but the batch lacks is an error (an optional input absent from
 * the data is decided before the first batch, see {@link ComparisonRun}).
 */
export function toComparisonBatch(
  c: Pick<PlanComparison, 'name' | 'task'>,
  p: ComparisonParents,
  has: { label: boolean; slices: boolean },
): ComparisonBatch {
  const { control, treatment } = p;
  const rows = control.dims[0] ?? 0;
  if (control.dims.length === 0) throw new ComparisonInputError(c.name, `control has no row dimension: ${shapeText(control)}`);
  if (treatment.dims.length !== control.dims.length || treatment.dims.some((d, i) => d !== control.dims[i])) {
    throw new ComparisonInputError(c.name, `control ${shapeText(control)} and treatment ${shapeText(treatment)} differ in shape`);
  }
  if (p.rowIds.length !== rows) throw new ComparisonInputError(c.name, `${p.rowIds.length} row ids for ${rows} rows`);
  const width = rowWidth(control);
  checkWidth(c.name, c.task, width, control);
  const batch: ComparisonBatch = {
    rows,
    rowIds: p.rowIds,
    control: scores(c.name, 'control', control),
    treatment: scores(c.name, 'treatment', treatment),
    width,
  };
  if (has.label) {
    if (p.label === undefined) throw new ComparisonInputError(c.name, 'a batch arrived without labels after batches with labels');
    batch.label = labels(c.name, p.label, rows);
  }
  if (has.slices) {
    if (p.slice === undefined) throw new ComparisonInputError(c.name, 'a batch arrived without slice_by values after batches with them');
    batch.slice = sliceKeys(c.name, p.slice, rows);
  }
  return batch;
}
