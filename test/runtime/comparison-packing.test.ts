/** runtime/comparison-packing.ts: a batch packed into one buffer comes back value for value, type for type. */
import { describe, expect, it } from 'vitest';
import { packBatch, unpackBatch } from '../../runtime/comparison-packing.ts';
import type { ComparisonBatch } from '../../stdlib/metrics/comparison-types.ts';

/** The batch's arrays as plain values (type name and elements), to compare two batches. */
function plain(b: ComparisonBatch): unknown {
  const arr = (a: ArrayLike<unknown> | undefined) => (a === undefined ? undefined : [a.constructor.name, Array.from(a as ArrayLike<unknown>)]);
  return {
    rows: b.rows,
    width: b.width,
    rowIds: arr(b.rowIds),
    control: arr(b.control),
    treatment: arr(b.treatment),
    label: arr(b.label),
    slice: b.slice,
  };
}

describe('packBatch / unpackBatch', () => {
  it('keeps every array type, odd lengths and views into larger buffers', () => {
    const big = new Float64Array(20).map((_, i) => i + 0.5);
    const labels = [
      new BigInt64Array([1n, 0n, -3n, 2n ** 40n, 1n]),
      new Int32Array([1, 0, -2, 7, 1]),
      new Uint8Array([1, 0, 1, 1, 0]),
      new Float32Array([0.5, 1, 0, NaN, -0]),
      new Float64Array([0.25, -1e300, Infinity, 3, -0]),
    ];
    for (const label of labels) {
      const b: ComparisonBatch = {
        rows: 5,
        width: 1,
        rowIds: big.subarray(3, 8),
        control: new Float32Array([0.1, 0.2, -0, NaN, Infinity]),
        treatment: new Float64Array(big.buffer, 8 * 10, 5),
        label,
      };
      const back = unpackBatch(packBatch(b));
      expect(plain(back)).toEqual(plain(b));
      // Bits too: -0 and NaN survive as they were.
      expect(new Uint8Array(back.control.buffer, back.control.byteOffset, back.control.byteLength)).toEqual(
        new Uint8Array(b.control.buffer, b.control.byteOffset, b.control.byteLength),
      );
    }
  });

  it('packs only the batch rows of longer arrays, rows × width scores', () => {
    const b: ComparisonBatch = {
      rows: 2,
      width: 3,
      rowIds: new Float64Array([4, 9, 100]),
      control: new Float32Array([0.1, 0.2, 0.7, 0.3, 0.3, 0.4, 9, 9, 9]),
      treatment: new Float32Array([0.2, 0.2, 0.6, 0.5, 0.1, 0.4, 9, 9, 9]),
      label: new Int32Array([2, 0, 5]),
    };
    const back = unpackBatch(packBatch(b));
    expect(Array.from(back.rowIds)).toEqual([4, 9]);
    expect(back.control.length).toBe(6);
    expect(Array.from(back.label as Int32Array)).toEqual([2, 0]);
  });

  it('codes slice values per batch, in the narrowest type, and restores the strings', () => {
    for (const distinct of [1, 3, 256, 257, 70000]) {
      const rows = Math.max(distinct, 10);
      const slice = Array.from({ length: rows }, (_, i) => `s${(rows - 1 - i) % distinct}`);
      const b: ComparisonBatch = {
        rows,
        width: 1,
        rowIds: Float64Array.from({ length: rows }, (_, i) => i),
        control: new Float32Array(rows),
        treatment: new Float32Array(rows),
        slice,
      };
      const p = packBatch(b);
      expect(p.names!.length).toBe(distinct);
      expect(p.slice!.type).toBe(distinct <= 256 ? 'u8' : distinct <= 65536 ? 'u16' : 'u32');
      expect(unpackBatch(p).slice).toEqual(slice);
    }
  });

  it('copies: the packed batch does not change when the caller reuses its arrays', () => {
    const control = new Float32Array([0.5, 0.25]);
    const b: ComparisonBatch = { rows: 2, width: 1, rowIds: new Float64Array([0, 1]), control, treatment: new Float32Array([1, 0]) };
    const p = packBatch(b);
    control.fill(9);
    expect(Array.from(unpackBatch(p).control)).toEqual([0.5, 0.25]);
  });
});
