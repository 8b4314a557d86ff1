import type { DataOf, TensorData } from '../types.ts';
import type { DType } from '../../plan/tensor-type.ts';

/**
 * Element moves shared by the shape ops (column, slice, concat, expand_dims, squeeze), which work on
 * every dtype, `str` included. The arrays are typed loosely here because the ops copy elements
 * without looking at them; the dtype of source and destination is checked by the caller.
 */

/** Any tensor storage indexed as opaque elements (typed array or `string[]`). */
export type ElementArray = { [i: number]: unknown; length: number };

/**
 * Below this many elements a plain loop beats `set(subarray(...))`, which allocates a view per call.
 * Measured order of magnitude, not a contract.
 */
const SET_THRESHOLD = 16;

/**
 * Copy `len` elements from `src[srcStart..]` to `dst[dstStart..]`.
 * Invariant: both ranges are in bounds and `src`/`dst` hold compatible element kinds
 * (bigint with bigint, number with number, string with string).
 */
export function copyRange(src: TensorData, srcStart: number, dst: TensorData, dstStart: number, len: number): void {
  if (len >= SET_THRESHOLD && !Array.isArray(src) && !Array.isArray(dst)) {
    // Typed array to typed array: one native memcpy (or converting copy f32 → f64).
    (dst as Float64Array).set((src as Float64Array).subarray(srcStart, srcStart + len), dstStart);
    return;
  }
  const s = src as ElementArray;
  const d = dst as ElementArray;
  for (let i = 0; i < len; i++) d[dstStart + i] = s[srcStart + i];
}

/** A fresh copy of a tensor's storage, so a result never aliases an argument. */
export function cloneData<D extends DType>(data: DataOf[D]): DataOf[D] {
  return data.slice() as DataOf[D];
}
