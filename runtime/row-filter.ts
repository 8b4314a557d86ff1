/**
 * Rows an op rejected (an image that does not decode, a text too long to tokenize without truncation)
 * leave the batch before any model sees it: which steps run first, and how a batch and the values
 * computed so far shrink to the rows that remain.
 */
import type { RowFailureReason } from '../stdlib/ops/op-spec.ts';
import type { OpSpec } from '../stdlib/ops/op-spec.ts';
import { copyRange } from '../stdlib/ops/tensor-copy.ts';
import { allocData, elementsPerRow, type Tensor } from '../stdlib/types.ts';
import type { Batch } from './batch.ts';
import type { Program } from './plan-graph.ts';

/** One row an op rejected, for the run's bad-row counts. */
export interface RejectedRow {
  /** 1-based line of the row in the data file. */
  line: number;
  rowId: number;
  reason: RowFailureReason;
  detail: string;
  /** The plan node whose op rejected it. */
  node: string;
}

/**
 * Steps that must run before the rest of the graph: every op that may reject rows and everything it
 * reads. `null` when the graph has no such op. Returns a message when a model feeds a rejecting op
 * (its rows could not be dropped before it ran).
 */
export function rejectingPrefix(program: Program, ops: readonly (OpSpec | undefined)[]): boolean[] | null | { problem: string } {
  const inPrefix = new Array<boolean>(program.steps.length).fill(false);
  let any = false;
  for (let i = program.steps.length - 1; i >= 0; i--) {
    const step = program.steps[i];
    const rejecting = step.kind === 'op' && ops[i]?.rejectsRows === true;
    if (!rejecting && !inPrefix[i]) continue;
    if (step.kind === 'model') {
      return { problem: `model step \`${step.node.id}\` feeds an op that may reject rows; rejected rows must leave the batch before models run` };
    }
    any = true;
    inPrefix[i] = true;
    for (const d of step.deps) inPrefix[d] = true;
  }
  return any ? inPrefix : null;
}

/** Row indexes (ascending) that are not in `rejected`. */
export function keptRows(rows: number, rejected: ReadonlyMap<number, unknown>): Int32Array {
  const keep = new Int32Array(rows - rejected.size);
  for (let r = 0, k = 0; r < rows; r++) if (!rejected.has(r)) keep[k++] = r;
  return keep;
}

/** The rows `keep` of a batch-major tensor, in a fresh array. */
export function keepTensorRows(t: Tensor, keep: Int32Array): Tensor {
  const per = elementsPerRow(t);
  const out = allocData(t.dtype, keep.length * per);
  for (let k = 0; k < keep.length; k++) copyRange(t.data, keep[k] * per, out, k * per, per);
  return { dtype: t.dtype, data: out, dims: [keep.length, ...t.dims.slice(1)] } as Tensor;
}

/** The batch restricted to the rows `keep`. */
export function keepBatchRows(batch: Batch, keep: Int32Array): Batch {
  const tensors: Batch['tensors'] = {};
  for (const [name, t] of Object.entries(batch.tensors)) tensors[name] = t === undefined ? undefined : keepTensorRows(t, keep);
  const rowIds = new Float64Array(keep.length);
  const lines = new Float64Array(keep.length);
  for (let k = 0; k < keep.length; k++) {
    rowIds[k] = batch.rowIds[keep[k]];
    lines[k] = batch.lines[keep[k]];
  }
  return { rows: keep.length, rowIds, lines, tensors };
}
