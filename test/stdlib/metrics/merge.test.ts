/**
 * Accumulators are mergeable: the states of any split of the rows — sharded arbitrarily, fed in any
 * batch sizes, round-tripped through JSON, merged in any order — give the result of one pass
 * (counts bit-for-bit, sums within 1e-12 relative — and so a delta of two sums within 1e-12 of the
 * sums' magnitude), bootstrap intervals included.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { comparisonFromState, createComparison } from '../../../stdlib/metrics/comparison.ts';
import type { ComparisonAccumulator, ComparisonSpec, TaskKind } from '../../../stdlib/metrics/comparison-types.ts';
import { resultDiff } from './support/deep-close.ts';
import { batchOf, prng, specFor, synthesize, type Dataset } from './support/synthetic.ts';

function feed(acc: ComparisonAccumulator, d: Dataset, rows: number[], spec: ComparisonSpec, rnd: () => number): void {
  let at = 0;
  while (at < rows.length) {
    const size = 1 + Math.floor(rnd() * 40);
    acc.update(batchOf(d, rows.slice(at, at + size), spec));
    at += size;
  }
}

function roundTrip(spec: ComparisonSpec, acc: ComparisonAccumulator): ComparisonAccumulator {
  return comparisonFromState(spec, JSON.parse(JSON.stringify(acc.toState())));
}

function onePass(spec: ComparisonSpec, d: Dataset, seed: number): ComparisonAccumulator {
  const acc = createComparison(spec);
  feed(
    acc,
    d,
    Array.from({ length: d.n }, (_, i) => i),
    spec,
    prng(seed),
  );
  return acc;
}

function sharded(spec: ComparisonSpec, d: Dataset, shards: number, seed: number): ComparisonAccumulator {
  const rnd = prng(seed);
  const parts: number[][] = Array.from({ length: shards }, () => []);
  for (let i = 0; i < d.n; i++) parts[Math.floor(rnd() * shards)]!.push(i);
  const accs = parts.map((rows) => {
    const acc = createComparison(spec);
    feed(acc, d, rows, spec, rnd);
    return rnd() < 0.5 ? roundTrip(spec, acc) : acc;
  });
  // Merge in a random order into a fresh accumulator.
  const order = accs.map((_, i) => i).sort(() => rnd() - 0.5);
  const total = createComparison(spec);
  for (const i of order) total.merge(accs[i]!);
  return rnd() < 0.5 ? roundTrip(spec, total) : total;
}

const cases: { task: TaskKind; hasLabel: boolean }[] = [
  { task: 'binary', hasLabel: true },
  { task: 'binary', hasLabel: false },
  { task: 'multiclass', hasLabel: true },
  { task: 'multiclass', hasLabel: false },
  { task: 'regression', hasLabel: true },
  { task: 'regression', hasLabel: false },
];

describe.each(cases)('merge equals one pass: $task, labels $hasLabel', ({ task, hasLabel }) => {
  const spec = specFor(task, { hasLabel });

  it('for any split of the rows (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 160 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (n, shards, seed) => {
        const d = synthesize(task, n, seed, { invalid: true });
        const one = onePass(spec, d, seed).result();
        const merged = sharded(spec, d, shards, seed ^ 0x5bd1e995).result();
        const diff = resultDiff(one, merged, 1e-12);
        expect(diff, diff.join('\n')).toEqual([]);
      }),
      { numRuns: Number(process.env.M4_PROPERTY_RUNS ?? 25) },
    );
  });

  it('a state restored from JSON reports bit-for-bit the same result', () => {
    const d = synthesize(task, 150, 7, { invalid: true });
    const acc = onePass(spec, d, 3);
    const restored = roundTrip(spec, acc);
    expect(JSON.stringify(restored.result())).toBe(JSON.stringify(acc.result()));
    // And keeps accumulating like the original.
    const more = synthesize(task, 40, 8);
    more.rowIds.forEach((_, i) => {
      more.rowIds[i] = 1000 + i;
    });
    const rows = Array.from({ length: more.n }, (_, i) => i);
    acc.update(batchOf(more, rows, spec));
    restored.update(batchOf(more, rows, spec));
    expect(JSON.stringify(restored.result())).toBe(JSON.stringify(acc.result()));
  });
});

describe('merge exactness', () => {
  it('counts and ranking metrics are bit-for-bit equal however the rows are sharded', () => {
    const spec = specFor('binary', { bootstrap: 30 });
    const d = synthesize('binary', 400, 11);
    const one = onePass(spec, d, 1).result();
    const merged = sharded(spec, d, 4, 99).result();
    for (const m of one.metrics) {
      const other = merged.metrics.find((x) => x.name === m.name)!;
      // Everything but the compensated sums (log loss, Brier, mean_abs_diff, pearson) is exact.
      if (['log_loss', 'brier', 'mean_abs_diff', 'pearson'].includes(m.name)) continue;
      expect(JSON.stringify(other), m.name).toBe(JSON.stringify(m));
    }
    expect(merged.tests).toEqual(one.tests);
    expect(merged.charts.roc).toEqual(one.charts.roc);
  });

  it('refuses to merge accumulators of different specs, or a state of another spec', () => {
    const a = createComparison(specFor('binary'));
    const b = createComparison(specFor('binary', { seed: 43 }));
    expect(() => a.merge(b)).toThrow(/different specs/);
    expect(() => comparisonFromState(specFor('binary', { bootstrap: 5 }), a.toState())).toThrow(/different comparison spec/);
    expect(() => a.merge(a)).toThrow(/itself/);
  });

  it('refuses a corrupted state with a clear error', () => {
    const spec = specFor('binary');
    const acc = onePass(spec, synthesize('binary', 30, 1), 1);
    const st = JSON.parse(JSON.stringify(acc.toState()));
    st.bank.counts.base64 = st.bank.counts.base64.slice(8);
    expect(() => comparisonFromState(spec, st)).toThrow(/MetricsStateError|bytes|expected/);
    expect(() => comparisonFromState(spec, { ...acc.toState(), state_version: 99 } as never)).toThrow(/version/);
  });
});
