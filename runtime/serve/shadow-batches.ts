/**
 * Shadow batches queued while the shadow arm was busy run as one executor batch: under load the answering
 * arm's batches are small (a few rows each), and each model call, worker message and comparison update has a
 * cost of its own. Their rows are concatenated in queue order and the outputs handed back to each batch as
 * row ranges (views, not copies: the executor never writes an output after returning it).
 */
import { allocData, type Tensor } from '../../stdlib/types.ts';
import type { Batch } from '../batch.ts';

/** Whether two batches can be concatenated: the same tensors, dtypes and trailing dims. */
export function sameLayout(a: Batch, b: Batch): boolean {
  const names = Object.keys(a.tensors);
  if (names.length !== Object.keys(b.tensors).length) return false;
  for (const name of names) {
    const x = a.tensors[name];
    const y = b.tensors[name];
    if (x === undefined || y === undefined) {
      if (x !== y) return false;
      continue;
    }
    if (x.dtype !== y.dtype || x.dims.length !== y.dims.length) return false;
    for (let k = 1; k < x.dims.length; k++) if (x.dims[k] !== y.dims[k]) return false;
  }
  return true;
}

/** Concatenate batches of one layout ({@link sameLayout}), rows in order. */
export function concatBatches(batches: readonly Batch[]): Batch {
  let rows = 0;
  for (const b of batches) rows += b.rows;
  const rowIds = new Float64Array(rows);
  const lines = new Float64Array(rows);
  let at = 0;
  for (const b of batches) {
    rowIds.set(b.rowIds, at);
    lines.set(b.lines, at);
    at += b.rows;
  }
  const tensors: Batch['tensors'] = {};
  for (const [name, first] of Object.entries(batches[0]!.tensors)) {
    if (first === undefined) {
      tensors[name] = undefined;
      continue;
    }
    const data = allocData(first.dtype, (first.data.length / Math.max(1, first.dims[0]!)) * rows);
    let off = 0;
    for (const b of batches) {
      const src = b.tensors[name]!.data;
      if (Array.isArray(data)) for (let i = 0; i < src.length; i++) (data as unknown[])[off + i] = (src as unknown[])[i];
      else (data as Float32Array).set(src as Float32Array, off);
      off += src.length;
    }
    tensors[name] = { dtype: first.dtype, data, dims: [rows, ...first.dims.slice(1)] } as Tensor;
  }
  return { rows, rowIds, lines, tensors };
}

/** Rows [start, start + n) of every output, as tensors of n rows. */
export function rowRange(values: Record<string, Tensor>, start: number, n: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(values)) {
    const w = t.dims[0] === 0 ? 0 : t.data.length / t.dims[0]!;
    const data = Array.isArray(t.data) ? t.data.slice(start * w, (start + n) * w) : (t.data as Float32Array).subarray(start * w, (start + n) * w);
    out[name] = { dtype: t.dtype, data, dims: [n, ...t.dims.slice(1)] } as Tensor;
  }
  return out;
}
