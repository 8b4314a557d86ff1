/**
 * Run-time tensors: the typed arrays kernels and the executor pass around. The static vocabulary
 * (`DType`, `Dim`, `TensorType`) is the plan's (plan/tensor-type.ts).
 */
import type { DType } from '../plan/tensor-type.ts';

/** The typed array that holds each dtype at run time (what onnxruntime-node expects too). */
export interface DataOf {
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  i64: BigInt64Array;
  bool: Uint8Array;
  str: string[];
}

export type TensorData = DataOf[DType];

/**
 * A run-time tensor: batch-major, row-major data plus its concrete dims. Structurally the same as
 * the subset of an ORT `Tensor` the executor needs, so kernels never depend on onnxruntime.
 */
export interface Tensor<D extends DType = DType> {
  dtype: D;
  data: DataOf[D];
  dims: number[];
}

/** Number of elements of a concrete shape. */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Allocate the typed array for `n` elements of `dtype`. */
export function allocData<D extends DType>(dtype: D, n: number): DataOf[D] {
  switch (dtype) {
    case 'f32': return new Float32Array(n) as DataOf[D];
    case 'f64': return new Float64Array(n) as DataOf[D];
    case 'i32': return new Int32Array(n) as DataOf[D];
    case 'i64': return new BigInt64Array(n) as DataOf[D];
    case 'bool': return new Uint8Array(n) as DataOf[D];
    case 'str': return new Array<string>(n).fill('') as DataOf[D];
  }
  throw new Error(`unknown dtype ${String(dtype)}`);
}
