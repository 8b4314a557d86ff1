/**
 * Tensor types and values shared by the compiler (type rules) and the runtime (kernels).
 *
 * stdlib imports nothing of ours, so the vocabulary both sides speak lives here.
 */

/** Element types of the language. `str` exists only for inputs that ops such as slicing keys read. */
export type DType = 'f32' | 'f64' | 'i32' | 'i64' | 'bool' | 'str';

export const DTYPES: readonly DType[] = ['f32', 'f64', 'i32', 'i64', 'bool', 'str'];

/**
 * One dimension of a static type: a fixed size, a symbolic name that unifies across the graph
 * (`batch`), or `null` for a dimension nobody knows (`?`).
 */
export type Dim = number | string | null;

/** The static type of an edge: an element type and a shape. */
export interface TensorType {
  dtype: DType;
  dims: Dim[];
}

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

/** Render a type the way users write it: `f32[batch, 30]`. */
export function formatType(t: TensorType): string {
  return `${t.dtype}[${t.dims.map(formatDim).join(', ')}]`;
}

export function formatDim(d: Dim): string {
  return d === null ? '?' : String(d);
}

export function isNumericDType(d: DType): boolean {
  return d !== 'str';
}

export function isFloatDType(d: DType): boolean {
  return d === 'f32' || d === 'f64';
}
