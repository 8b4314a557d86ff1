/**
 * The static type vocabulary of the plan: element types, dimensions and tensor types. The compiler
 * writes these into plans, the runtime reads them back, and stdlib's type rules and kernels speak them,
 * so they live in plan/ (which imports nothing of ours) rather than in either side.
 */

/**
 * Element types of the language. `str` exists for inputs that ops such as slicing keys or `tokenize`
 * read; `bytes` holds one opaque byte string per element (an encoded image: base64 in JSONL and CSV);
 * `image` holds one image per element, as `decode_image` and `resize` describe it (stdlib/types.ts
 * `ImageValue`). Neither `bytes` nor `image` is numeric: only the image ops read them, and
 * `to_tensor` turns an image into numbers.
 */
export type DType = 'f32' | 'f64' | 'i32' | 'i64' | 'bool' | 'str' | 'bytes' | 'image';

export const DTYPES: readonly DType[] = ['f32', 'f64', 'i32', 'i64', 'bool', 'str', 'bytes', 'image'];

/** The dtypes a `.m4` `input` may declare (`image` values only come from `decode_image`). */
export const INPUT_DTYPES: readonly DType[] = ['f32', 'f64', 'i32', 'i64', 'bool', 'str', 'bytes'];

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

/** Every dtype but `str`, `bytes` and `image` holds numbers. */
export function isNumericDType(d: DType): boolean {
  return d !== 'str' && d !== 'bytes' && d !== 'image';
}

/** Dtypes whose elements are JS values in a plain array (`string[]`, `Uint8Array[]`, ...), not a typed array. */
export function isObjectDType(d: DType): boolean {
  return d === 'str' || d === 'bytes' || d === 'image';
}

/** `f32` or `f64`. */
export function isFloatDType(d: DType): boolean {
  return d === 'f32' || d === 'f64';
}
