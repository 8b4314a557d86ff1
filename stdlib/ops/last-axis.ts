import { sizeOf } from '../types.ts';
import { KernelError } from './kernel-error.ts';

/**
 * The shape of a tensor that an op works on along its last axis: `rows` vectors of `k` elements. Rank 1 is
 * refused, because there the last axis is the rows themselves and the result would depend on batching.
 */
export function lastAxis(op: string, dims: readonly number[]): { rows: number; k: number } {
  if (dims.length < 2) throw new KernelError(op, `needs rank 2 or more, got shape [${dims.join(', ')}]`);
  return { rows: sizeOf(dims.slice(0, -1)), k: dims[dims.length - 1]! };
}
