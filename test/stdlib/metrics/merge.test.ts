/**
 * Accumulators are mergeable: the states of any split of the rows — sharded arbitrarily, fed in any
 * batch sizes, round-tripped through JSON, merged in any order — give the result of one pass bit for
 * bit: every metric, interval, test and chart (`toEqual` compares numbers with `Object.is`). The
 * point estimate's sums and moments are exact (exact-sum.ts), so the order rows arrive in never shows.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { comparisonFromState, createComparison } from '../../../stdlib/metrics/comparison.ts';
import type { ComparisonAccumulator, ComparisonSpec, TaskKind } from '../../../stdlib/metrics/comparison-types.ts';
import { deepDiff } from './support/deep-close.ts';
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
        const diff = deepDiff(one, merged, 0);
        expect(diff, diff.join('\n')).toEqual([]);
        expect(merged).toEqual(one);
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
  it('every metric is bit-for-bit equal however the rows are sharded', () => {
    const spec = specFor('binary', { bootstrap: 30 });
    const d = synthesize('binary', 400, 11);
    const one = onePass(spec, d, 1).result();
    const merged = sharded(spec, d, 4, 99).result();
    expect(one.metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['log_loss', 'brier', 'mean_abs_diff', 'pearson']));
    for (const m of one.metrics) {
      const other = merged.metrics.find((x) => x.name === m.name)!;
      expect(other, m.name).toEqual(m);
    }
    expect(merged.tests).toEqual(one.tests);
    expect(merged.charts.roc).toEqual(one.charts.roc);
  });

  it.each(['binary', 'multiclass', 'regression'] as const)(
    '%s: float64 scores whose plain sums depend on the row order still merge bit for bit',
    (task) => {
      // Full-precision float64 scores (regression: a target of mean 1e6, spread 1), so plain
      // float sums of log loss, Brier, errors, moments and calibration bins round differently in
      // another order: the exact sums must not.
      const n = 3000,
        w = task === 'multiclass' ? 4 : 1,
        rnd = prng(17);
      const control = new Float64Array(n * w),
        treatment = new Float64Array(n * w),
        label = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (task === 'regression') {
          label[i] = 1e6 + rnd();
          control[i] = label[i]! + (rnd() - 0.5) * 0.3;
          treatment[i] = label[i]! + (rnd() - 0.5) * 0.2;
        } else if (task === 'binary') {
          label[i] = rnd() < 0.4 ? 1 : 0;
          control[i] = Math.min(1, 0.2 * label[i]! + 0.8 * rnd());
          treatment[i] = Math.min(1, 0.3 * label[i]! + 0.7 * rnd());
        } else {
          label[i] = Math.floor(rnd() * w);
          for (const arr of [control, treatment]) {
            let sum = 0;
            for (let j = 0; j < w; j++) sum += arr[i * w + j] = rnd() + (j === label[i] ? rnd() : 0);
            for (let j = 0; j < w; j++) arr[i * w + j]! /= sum;
          }
        }
      }
      const spec = specFor(task, { bootstrap: 0, hasSlices: false });
      const batch = (rows: number[]): Parameters<ComparisonAccumulator['update']>[0] => ({
        rows: rows.length,
        width: w,
        rowIds: Float64Array.from(rows),
        control: Float64Array.from(rows.flatMap((r) => Array.from(control.subarray(r * w, r * w + w)))),
        treatment: Float64Array.from(rows.flatMap((r) => Array.from(treatment.subarray(r * w, r * w + w)))),
        label: Float64Array.from(rows, (r) => label[r]!),
      });
      const all = Array.from({ length: n }, (_, i) => i);
      const one = createComparison(spec);
      for (let at = 0; at < n; at += 256) one.update(batch(all.slice(at, at + 256)));
      // Three shards of shuffled rows, fed in odd batch sizes, round-tripped, merged in reverse.
      const shuffled = [...all].sort(() => rnd() - 0.5);
      const parts = [0, 1, 2].map((k) => shuffled.filter((_, i) => i % 3 === k));
      const accs = parts.map((rows) => {
        const acc = createComparison(spec);
        for (let at = 0; at < rows.length; at += 97) acc.update(batch(rows.slice(at, at + 97)));
        return roundTrip(spec, acc);
      });
      const merged = createComparison(spec);
      for (const a of accs.reverse()) merged.merge(a);
      expect(merged.result()).toEqual(one.result());
      // The data does exercise rounding: a plain sum of the treatment scores differs with the order.
      const plain = (rows: number[]): number => rows.reduce((acc, r) => acc + treatment[r * w]! * treatment[r * w]!, 0);
      expect(plain(shuffled)).not.toBe(plain(all));
    },
  );

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
    // A state of the m4 before exact sums (version 3: compensated sums) is refused, saying why.
    expect(() => comparisonFromState(spec, { ...acc.toState(), state_version: 3 } as never)).toThrow(
      /state version 3 \(this m4 reads 4\): it was made by an older m4 \(its sums are not exact.*re-run the shard/,
    );
    const noPoint = JSON.parse(JSON.stringify(acc.toState()));
    delete noPoint.bank.point;
    expect(() => comparisonFromState(spec, noPoint)).toThrow(/no exact sums/);
  });
});
