import { sizeOf, type Tensor } from '../types.ts';
import { KernelError } from './kernel-error.ts';

/**
 * Run-time side of `broadcastDims` (type-rules.ts): concrete shapes of equal rank, each axis equal
 * or 1. Kernels read broadcast arguments through an index array rather than an odometer inside
 * their own loop, so each kernel keeps one flat loop over the output.
 */

/** The broadcast shape of the arguments; throws `KernelError` when sizes are incompatible. */
export function broadcastShape(op: string, args: readonly Tensor[]): number[] {
  const rank = args[0].dims.length;
  const out = args[0].dims.slice();
  for (let i = 1; i < args.length; i++) {
    const dims = args[i].dims;
    if (dims.length !== rank) {
      throw new KernelError(op, `argument ${i + 1} has rank ${dims.length}, argument 1 has rank ${rank}`);
    }
    for (let a = 0; a < rank; a++) {
      const d = dims[a];
      if (d === out[a] || d === 1) continue;
      if (out[a] === 1) {
        out[a] = d;
        continue;
      }
      throw new KernelError(
        op,
        `cannot broadcast [${args[0].dims.join(', ')}] with [${dims.join(', ')}] (argument ${i + 1}): ` + `axis ${a} is ${out[a]} against ${d}`,
      );
    }
  }
  return out;
}

/** True when `dims` equals `outDims`, i.e. the argument is read with the identity index. */
export function sameShape(dims: readonly number[], outDims: readonly number[]): boolean {
  if (dims.length !== outDims.length) return false;
  for (let a = 0; a < dims.length; a++) if (dims[a] !== outDims[a]) return false;
  return true;
}

/**
 * For every flat position of the output, the flat position of the argument it reads.
 * Invariant: `inDims` broadcasts to `outDims` (same rank, each axis equal or 1).
 */
export function broadcastIndex(inDims: readonly number[], outDims: readonly number[]): Int32Array {
  const rank = outDims.length;
  const n = sizeOf(outDims);
  const index = new Int32Array(n);
  if (n === 0 || rank === 0) return index; // rank 0: the single element reads position 0
  // Strides of the argument, 0 along broadcast axes, so moving along such an axis reads in place.
  const strides = new Int32Array(rank);
  let s = 1;
  for (let a = rank - 1; a >= 0; a--) {
    strides[a] = inDims[a] === 1 && outDims[a] !== 1 ? 0 : s;
    s *= inDims[a];
  }
  // Walk the output row by row (all axes but the last): an odometer step per row, then a run of
  // the last axis, which reads the argument in place (stride 0) or contiguously (stride 1).
  const inner = outDims[rank - 1];
  const step = strides[rank - 1];
  const rows = n / inner;
  const coord = new Int32Array(rank);
  let base = 0;
  for (let r = 0, o = 0; r < rows; r++) {
    for (let j = 0, at = base; j < inner; j++, at += step) index[o++] = at;
    for (let a = rank - 2; a >= 0; a--) {
      coord[a]++;
      base += strides[a];
      if (coord[a] < outDims[a]) break;
      base -= strides[a] * coord[a];
      coord[a] = 0;
    }
  }
  return index;
}
