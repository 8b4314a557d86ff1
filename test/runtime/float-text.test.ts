import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F32_TEXT_MAX, f32Text, writeF32 } from '../../runtime/float-text.ts';

/** The formula `--out` used before the byte writer: users' files were written with it. */
const before = (v: number): string => String(+v.toPrecision(9));

const bits = new Uint32Array(1);
const asF32 = new Float32Array(bits.buffer);
/** The float32 with bit pattern `b`. */
const fromBits = (b: number): number => {
  bits[0] = b;
  return asF32[0];
};
const bitsOf = (v: number): number => {
  asF32[0] = v;
  return bits[0];
};

/** Every finite float32, by bit pattern (exponent 255 is NaN/infinity: mapped to 254). */
const finiteF32 = fc
  .integer({ min: 0, max: 2 ** 32 - 1 })
  .map((b) => (((b >>> 23) & 0xff) === 0xff ? fromBits((b & ~(1 << 23)) >>> 0) : fromBits(b)));

describe('f32Text', () => {
  it('is the old `String(+v.toPrecision(9))`, byte for byte, and reads back as the same float32', () => {
    fc.assert(
      fc.property(finiteF32, (v) => {
        const text = f32Text(v);
        expect(text).toBe(before(v));
        expect(Math.fround(Number(text))).toBe(v === 0 ? 0 : v);
      }),
      { numRuns: 20000 },
    );
  });

  it('scores in [0, 1] (what models write) match the old text', () => {
    fc.assert(
      fc.property(fc.float({ min: 0, max: 1, noNaN: true }), (x) => {
        const v = Math.fround(x);
        expect(f32Text(v)).toBe(before(v));
      }),
      { numRuns: 20000 },
    );
  });

  it('matches at the edges: ties at the tenth digit, powers of ten and their neighbours, extremes, zeros', () => {
    const cases = [
      // Exactly …5 at the tenth significant digit: decided by toPrecision's exact arithmetic (half up).
      1048576.125, -1048576.125, 1048576.375, 2097152.25, 0.5, 0.25, 1, -1,
      // The largest, the smallest normal, the smallest subnormal.
      3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45, -3.4028234663852886e38, 0, -0, 1e21, 1e-7, 123456789, 1234567890,
      0.000001, 0.0000001,
    ];
    for (let k = -45; k <= 38; k++) {
      const p = Math.fround(10 ** k);
      if (p === 0 || !Number.isFinite(p)) continue;
      for (let d = -4; d <= 4; d++) cases.push(fromBits(bitsOf(p) + d));
    }
    for (let i = 1; i < 4096; i++) cases.push(Math.fround(1048576 + i / 8), Math.fround(i / 1024), i);
    for (const v of cases) {
      if (!Number.isFinite(v)) continue;
      expect(f32Text(v), String(v)).toBe(before(v));
    }
    expect(f32Text(-0)).toBe('0');
    expect(f32Text(1048576.125)).toBe('1048576.13');
    expect(f32Text(3.4028234663852886e38)).toBe('3.40282347e+38');
  });

  it('writeF32 stays within F32_TEXT_MAX bytes and writes at the offset given', () => {
    const out = new Uint8Array(8 + F32_TEXT_MAX).fill(0x21);
    for (const v of [-123456789e12, -1.23456789e-38, -0.00000123456789, 0.1].map(Math.fround)) {
      const end = writeF32(out, 8, v);
      expect(end - 8).toBeLessThanOrEqual(F32_TEXT_MAX);
      expect(Buffer.from(out.subarray(8, end)).toString('latin1')).toBe(before(v));
      expect(out[7]).toBe(0x21);
    }
  });
});
