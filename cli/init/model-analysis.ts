/**
 * Signature analysis for `m4c init`: read a model's ONNX signature and describe each input the way a
 * `.m4` file declares it (the row dimension recognised, other symbolic dims made `?`).
 */
import { basename, extname, resolve } from 'node:path';
import { readOnnxSignature, type OnnxSignature, type OnnxValueInfo } from '../../compiler/onnx-signature.ts';
import { formatType, type Dim, type TensorType } from '../../plan/tensor-type.ts';

/**
 * How a model input's first dimension reads as the row dimension: a symbol (`N`, `batch_size`) or an
 * unnamed `?` both become the graph's `batch`; a fixed size is kept (the model takes exactly that many
 * rows per call); a scalar input has no row dimension at all.
 */
export type RowDim = { kind: 'symbolic'; symbol: string } | { kind: 'unknown' } | { kind: 'fixed'; size: number } | { kind: 'none' };

/** One model, read and ready to be written into a graph. */
export interface AnalyzedModel {
  /** The path as the user gave it (for messages). */
  given: string;
  /** Absolute path. */
  path: string;
  /** File name without `.onnx` (`fraud-v1`). */
  stem: string;
  signature: OnnxSignature;
}

export type ModelAnalysis = { ok: true; model: AnalyzedModel } | { ok: false; message: string };

/** Read the model at `given` (relative to `cwd`). Never throws; a failure is one line naming the file. */
export function analyzeModel(given: string, cwd: string): ModelAnalysis {
  const path = resolve(cwd, given);
  const r = readOnnxSignature(path);
  if (!r.ok) return { ok: false, message: `${given}: ${r.message}` };
  const ext = extname(path);
  const stem = basename(path, ext.toLowerCase() === '.onnx' ? ext : '');
  return { ok: true, model: { given, path, stem, signature: r.signature } };
}

/** The row dimension of a model input or output type. */
export function rowDimOf(t: TensorType): RowDim {
  if (t.dims.length === 0) return { kind: 'none' };
  const d = t.dims[0];
  if (d === null) return { kind: 'unknown' };
  if (typeof d === 'string') return { kind: 'symbolic', symbol: d };
  return { kind: 'fixed', size: d };
}

/**
 * The type a graph input feeding this model input is declared with: the row dimension is `batch`
 * unless the model fixes it; later symbolic dims become `?` (their size comes from the data's first
 * row), fixed ones are kept.
 */
export function graphInputType(t: TensorType): TensorType {
  const dims: Dim[] = t.dims.map((d, i) => {
    if (i === 0) return typeof d === 'number' ? d : 'batch';
    return typeof d === 'number' ? d : null;
  });
  return { dtype: t.dtype, dims };
}

/** The dims after the row dimension (what one data row holds). */
export function rowShape(t: TensorType): Dim[] {
  return t.dims.slice(1);
}

/** `f32[N, 2]`, as in the ONNX file (for comments and messages). */
export function describeValue(v: OnnxValueInfo): string {
  return formatType(v.type);
}
