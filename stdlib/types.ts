/**
 * Run-time tensors: the typed arrays kernels and the executor pass around. The static vocabulary
 * (`DType`, `Dim`, `TensorType`) is the plan's (plan/tensor-type.ts).
 */
import type { DType } from '../plan/tensor-type.ts';

/**
 * One image of an `image` tensor: the encoded bytes, their format (from the magic bytes), the channels
 * asked for, and the resize `resize` asked for. Decoding the pixels is deferred to `to_tensor`, which
 * runs decode and resize as one sharp pipeline off the main thread (libvips shrinks a JPEG while
 * decoding it, so deferring is several times faster than materialising full-size pixels first).
 *
 * An `image` tensor holds ONE value per row whatever its static dims: `image[batch, 224, 224, 3]`
 * describes the pixels `to_tensor` will produce (height, width, channels), so `data.length === dims[0]`
 * (see {@link elementsPerRow}).
 */
export interface ImageValue {
  bytes: Uint8Array;
  /** `png`, `jpeg` or `webp`. */
  format: string;
  /** Channels the pixels are delivered with: 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: number;
  /** Images with more pixels than this are refused before decoding (`decode_image(max_pixels:)`). */
  maxPixels: number;
  /** The size `resize` asked for, when it was called. */
  resize?: { width: number; height: number; fit: string };
}

/** Elements of `data` per row (axis 0): the product of the other dims, or 1 for an `image` tensor. */
export function elementsPerRow(t: { dtype: DType; dims: readonly number[] }): number {
  if (t.dtype === 'image') return 1;
  let n = 1;
  for (let i = 1; i < t.dims.length; i++) n *= t.dims[i];
  return n;
}

/** The typed array that holds each dtype at run time (what onnxruntime-node expects too). */
export interface DataOf {
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  i64: BigInt64Array;
  bool: Uint8Array;
  str: string[];
  bytes: Uint8Array[];
  image: ImageValue[];
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

const EMPTY_BYTES = new Uint8Array(0);

/** Allocate the typed array for `n` elements of `dtype`. */
export function allocData<D extends DType>(dtype: D, n: number): DataOf[D] {
  switch (dtype) {
    case 'f32':
      return new Float32Array(n) as DataOf[D];
    case 'f64':
      return new Float64Array(n) as DataOf[D];
    case 'i32':
      return new Int32Array(n) as DataOf[D];
    case 'i64':
      return new BigInt64Array(n) as DataOf[D];
    case 'bool':
      return new Uint8Array(n) as DataOf[D];
    case 'str':
      return new Array<string>(n).fill('') as DataOf[D];
    case 'bytes':
      return new Array<Uint8Array>(n).fill(EMPTY_BYTES) as DataOf[D];
    case 'image':
      return new Array<ImageValue>(n) as DataOf[D];
  }
  throw new Error(`unknown dtype ${String(dtype)}`);
}
