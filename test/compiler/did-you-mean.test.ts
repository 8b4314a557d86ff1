/**
 * The edit distance (reused rows, no allocation per pair) equals the textbook table on any two strings; with
 * an early-exit bound it is exact up to the bound and above it past it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Candidates, editDistance } from '../../compiler/did-you-mean.ts';

/** Optimal string alignment distance, the whole table at once: the reference. */
function reference(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '_', 'é'), maxLength: 12 });

describe('editDistance', () => {
  it('equals the reference table, and is more than `max` exactly when the distance is (property)', () => {
    fc.assert(
      fc.property(word, word, fc.nat({ max: 4 }), (a, b, max) => {
        const d = reference(a, b);
        expect(editDistance(a, b)).toBe(d);
        const bounded = editDistance(a, b, max);
        if (d <= max) expect(bounded).toBe(d);
        else expect(bounded).toBeGreaterThan(max);
      }),
      { numRuns: 1000 },
    );
  });

  it('handles a long name after short ones (the reused rows grow)', () => {
    const long = 'x'.repeat(300);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance(long, `${long}y`)).toBe(1);
    expect(new Candidates(['value_0001', 'other']).best('valeu_0001')).toBe('value_0001');
  });
});
