import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { field, readAll, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();

const inputs = [
  field('tx', 'f32', ['batch', 3]),
  field('label', 'i64', ['batch'], { optional: true }),
  field('region', 'str', ['batch']),
  field('score', 'f64', ['batch'], { path: ['meta', 'score'], optional: true }),
  field('flag', 'bool', ['batch'], { optional: true }),
  field('grid', 'i32', ['batch', 2, 2], { path: ['meta', 'grid'], optional: true }),
];

const num = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.float({ noNaN: true, noDefaultInfinity: true }).map((f) => f),
  fc.double({ min: -5, max: 5, noNaN: true }).map((d) => Number(d.toFixed(4))),
  fc.constantFrom(0, -0, 1e39, -1e39, 2 ** 31, 2 ** 53 + 2, 1e19, 0.5),
);
const odd = fc.oneof(fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean(), fc.constantFrom('NaN', 'Infinity', 'x'));
const sometimes = <T>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 8, arbitrary: usual }, { weight: 1, arbitrary: rare });

const row = fc.record(
  {
    tx: sometimes(
      fc.array(num, { minLength: 3, maxLength: 3 }),
      fc.oneof(fc.array(fc.oneof(num, odd), { minLength: 2, maxLength: 4 }), fc.jsonValue()),
    ),
    label: sometimes(fc.integer({ min: -5, max: 5 }), fc.oneof(num, odd)),
    region: sometimes(fc.string({ maxLength: 6, unit: fc.constantFrom('e', 'u', 'é', '€', '"', '\\', '\n', '\t', 'x') }), fc.oneof(num, odd)),
    meta: sometimes(
      fc.record(
        {
          score: sometimes(num, odd),
          grid: sometimes(
            fc.array(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 2, maxLength: 2 }), { minLength: 2, maxLength: 2 }),
            fc.jsonValue(),
          ),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
    flag: sometimes(fc.oneof(fc.boolean(), fc.constantFrom(0, 1)), fc.oneof(num, odd)),
    other: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['tx', 'region'] },
);

/** Ways a writer (or a corruption) can shape a line. */
const line = fc.tuple(row, fc.integer({ min: 0, max: 10 }), fc.nat()).map(([r, how, k]) => {
  const compact = JSON.stringify(r);
  switch (how) {
    case 0:
      return JSON.stringify(r, null, 1).replace(/\n/g, ' '); // spaces everywhere
    case 1:
      return compact.slice(0, k % (compact.length + 1)); // truncated
    case 2:
      return compact.replace(/(-?\d+\.?\d*(e[+-]?\d+)?)(?=[,\]])/, 'NaN'); // Python's bare NaN
    case 3:
      return `{"tx":[1,2,3],${compact.slice(1)}`; // duplicate key
    case 4:
      return compact.replace('"tx"', '"t\\u0078"'); // escaped key
    case 5:
      return `  ${compact}\t `;
    case 7:
      return compact.replace('\\t', '\t'); // a raw tab inside a string: not JSON
    case 6:
      return k % 5 === 0 ? '' : compact; // blank line
    default:
      return compact;
  }
});

describe('the fast JSONL scanner', () => {
  it('produces the same tensors and bad-row verdicts as JSON.parse for random rows', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 25 }), async (lines) => {
        const path = writeData(dir, `p${n++}.jsonl`, lines.join('\n'));
        const fast = await readAll(path, { inputs, batchSize: 4, maxExamples: 1000 });
        const ref = await readAll(path, { inputs, batchSize: 4, maxExamples: 1000 }, { fastJsonl: false });
        expect(fast.values).toEqual(ref.values);
        expect(fast.shapes).toEqual(ref.shapes);
        expect(fast.rowIds).toEqual(ref.rowIds);
        expect(fast.lines).toEqual(ref.lines);
        expect(fast.stats).toEqual(ref.stats);
      }),
      { numRuns: 200 },
    );
  });
});
