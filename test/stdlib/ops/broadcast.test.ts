import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastIndex, broadcastShape, sameShape } from '../../../stdlib/ops/broadcast.ts';
import { KernelError } from '../../../stdlib/ops/kernel-error.ts';
import { f32 } from './helpers.ts';

describe('broadcastShape', () => {
  it('takes the larger size where one side is 1', () => {
    expect(broadcastShape('t', [f32([2, 1], [0, 0]), f32([1, 3], [0, 0, 0])])).toEqual([2, 3]);
    expect(broadcastShape('t', [f32([0, 1], []), f32([0, 4], [])])).toEqual([0, 4]);
  });
  it('throws a KernelError naming the op and the shapes', () => {
    expect(() => broadcastShape('add', [f32([2], [0, 0]), f32([3], [0, 0, 0])])).toThrow(
      'add: cannot broadcast [2] with [3] (argument 2): axis 0 is 2 against 3',
    );
    expect(() => broadcastShape('add', [f32([2], [0, 0]), f32([2, 1], [0, 0])])).toThrow(KernelError);
  });
});

describe('broadcastIndex', () => {
  it('repeats a column across a row and a row across columns', () => {
    expect(Array.from(broadcastIndex([2, 1], [2, 3]))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(broadcastIndex([1, 3], [2, 3]))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(broadcastIndex([1, 1], [2, 2]))).toEqual([0, 0, 0, 0]);
    expect(broadcastIndex([0, 1], [0, 5]).length).toBe(0);
  });
  it('agrees with coordinates computed one by one, for any broadcastable shape (property)', () => {
    const shape = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(shape, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (out, ones) => {
        const inDims = out.map((d, a) => (ones[a] ? 1 : d));
        const index = broadcastIndex(inDims, out);
        const n = out.reduce((p, d) => p * d, 1);
        expect(index.length).toBe(n);
        for (let o = 0; o < n; o++) {
          // Unravel o into coordinates, clamp broadcast axes to 0, ravel into the input.
          let rest = o;
          const coord = new Array<number>(out.length);
          for (let a = out.length - 1; a >= 0; a--) {
            coord[a] = rest % out[a];
            rest = Math.floor(rest / out[a]);
          }
          let flat = 0;
          for (let a = 0; a < out.length; a++) flat = flat * inDims[a] + (inDims[a] === 1 ? 0 : coord[a]);
          expect(index[o]).toBe(flat);
        }
      }),
      { numRuns: 200 },
    );
  });
  it('sameShape compares rank and sizes', () => {
    expect(sameShape([2, 3], [2, 3])).toBe(true);
    expect(sameShape([2, 1], [2, 3])).toBe(false);
    expect(sameShape([6], [2, 3])).toBe(false);
  });
});

describe('broadcastIndex on scalars', () => {
  it('reads position 0 for a rank-0 output', () => {
    expect(Array.from(broadcastIndex([], []))).toEqual([0]);
  });
});
