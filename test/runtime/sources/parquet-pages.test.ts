/**
 * The page decoder's own codecs against the writer's encoders and hyparquet's decoders: the RLE /
 * bit-packed hybrid (levels, dictionary indices) for every bit width it reads, and Snappy.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { snappyUncompress } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { decodeHybrid, gatherHybrid } from '../../../runtime/sources/parquet-pages.ts';
import { snappyDecompress } from '../../../runtime/sources/snappy.ts';

/** Values of `width` bits, with runs (RLE) and noise (bit-packed groups). */
const hybridCase = fc.integer({ min: 1, max: 24 }).chain((width) =>
  fc.record({
    width: fc.constant(width),
    values: fc.array(
      fc.tuple(fc.integer({ min: 0, max: 2 ** width - 1 }), fc.integer({ min: 1, max: 20 })).map(([v, n]) => Array<number>(n).fill(v)),
      { maxLength: 40 },
    ),
    noise: fc.array(fc.integer({ min: 0, max: 2 ** width - 1 }), { maxLength: 50 }),
  }),
);

let big: Int32Array | undefined;
/** A dictionary for every index up to 24 bits (j → 7j − 3), made once: a case takes a view of its first entries. */
const dictionary = (): Int32Array => (big ??= Int32Array.from({ length: 1 << 24 }, (_, j) => j * 7 - 3));

describe('decodeHybrid', () => {
  it('decodes what hyparquet-writer encodes, at every width up to 24 bits, and counts a value', () => {
    fc.assert(
      fc.property(hybridCase, ({ width, values, noise }) => {
        const all = [...values.flat(), ...noise, ...values.slice(0, 3).flat()];
        const w = new ByteWriter();
        writeRleBitPackedHybrid(w, all, width);
        const bytes = new Uint8Array(w.getBuffer());
        const out = new Int32Array(all.length);
        const got = decodeHybrid(bytes, 0, bytes.length, width, out, all[0] ?? -1);
        expect(got).toBe(all.length);
        expect(Array.from(out)).toEqual(all);
      }),
      { numRuns: 300 },
    );
  });

  it('gathers through a dictionary what it decodes, at every width, to the last byte of the page', () => {
    fc.assert(
      fc.property(hybridCase, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 7 }), ({ width, values, noise }, at, lead) => {
        const all = [...values.flat(), ...noise, ...values.slice(0, 3).flat()];
        const w = new ByteWriter();
        writeRleBitPackedHybrid(w, all, width);
        // The page ends where the encoding does: the last values' 32-bit windows reach past its end. It is a
        // view into a larger buffer (as a page inside a column chunk is), with other bytes (0xff) before and after.
        const encoded = new Uint8Array(w.getBuffer());
        const whole = new Uint8Array(lead + encoded.length + 4).fill(0xff);
        whole.set(encoded, lead);
        const bytes = whole.subarray(lead, lead + encoded.length);
        const size = Math.max(1, ...all.map((v) => v + 1));
        const dict = dictionary().subarray(0, size);
        const out = new Int32Array(at + all.length);
        expect(gatherHybrid(bytes, 0, bytes.length, width, dict, out, at, all.length)).toBe(all.length);
        expect(Array.from(out.subarray(at))).toEqual(all.map((j) => j * 7 - 3));
        if (all.length > 0 && size > 1) {
          // An index past the dictionary's end is an error, wherever it is.
          const small = dict.subarray(0, size - 1);
          expect(() => gatherHybrid(bytes, 0, bytes.length, width, small, out, at, all.length)).toThrow(/out of range/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('stops at the output length inside a padded bit-packed group', () => {
    const w = new ByteWriter();
    writeRleBitPackedHybrid(w, [1, 0, 1, 1, 0], 1); // one group of 8, 3 of them padding
    const bytes = new Uint8Array(w.getBuffer());
    const out = new Uint8Array(5);
    expect(decodeHybrid(bytes, 0, bytes.length, 1, out)).toBe(5);
    expect(Array.from(out)).toEqual([1, 0, 1, 1, 0]);
  });
});

describe('snappyDecompress', () => {
  const bytes = fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 300 }), // literals
      fc.integer({ min: 1, max: 200 }).map((n) => new Uint8Array(n).fill(7)), // overlapping copies
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => new Uint8Array([...b, ...b, ...b])), // copies
      fc
        .tuple(fc.uint8Array({ minLength: 16, maxLength: 60 }), fc.uint8Array({ minLength: 60, maxLength: 100 }))
        .map(([b, gap]) => new Uint8Array([...b, ...gap, ...b])), // copies that do not overlap their source
    ),
    { maxLength: 30 },
  );

  it('decompresses what the writer compresses, as hyparquet does', () => {
    fc.assert(
      fc.property(bytes, (parts) => {
        const input = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
        let at = 0;
        for (const p of parts) {
          input.set(p, at);
          at += p.length;
        }
        const packed = snappyCompress(input);
        expect(snappyDecompress(packed, input.length)).toEqual(input);
        const theirs = new Uint8Array(input.length);
        snappyUncompress(packed, theirs);
        expect(theirs).toEqual(input);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses truncated or inconsistent input instead of returning short data', () => {
    const input = new Uint8Array(1000).map((_, i) => (i * 7) % 251);
    const packed = snappyCompress(input);
    expect(() => snappyDecompress(packed, 999)).toThrow(/declared/);
    expect(() => snappyDecompress(packed.subarray(0, packed.length - 10), 1000)).toThrow(/snappy/);
    expect(() => snappyDecompress(Uint8Array.of(5, 0b0000_0001, 1), 5)).toThrow(/offset/);
  });
});
