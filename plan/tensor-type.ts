/**
 * The static type vocabulary of the plan: element types, dimensions and tensor types. The compiler
 * writes these into plans, the runtime reads them back, and stdlib's type rules and kernels speak them,
 * so they live in plan/ (which imports nothing of ours) rather than in either side.
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

/** Render a type the way users write it: `f32[batch, 30]`. */
export function formatType(t: TensorType): string {
  return `${t.dtype}[${t.dims.map(formatDim).join(', ')}]`;
}

/** Render one dimension: its size or name, `?` when unknown. */
export function formatDim(d: Dim): string {
  return d === null ? '?' : String(d);
}

/** Every dtype but `str` holds numbers. */
export function isNumericDType(d: DType): boolean {
  return d !== 'str';
}

/** `f32` or `f64`. */
export function isFloatDType(d: DType): boolean {
  return d === 'f32' || d === 'f64';
}
