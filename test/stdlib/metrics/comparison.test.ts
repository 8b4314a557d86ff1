import { describe, expect, it } from 'vitest';
import { createComparison, MetricsInputError, MetricsSpecError, validateComparisonSpec } from '../../../stdlib/metrics/comparison.ts';
import { COMPARISON_RESULT_VERSION } from '../../../plan/version.ts';
import type { ComparisonResult } from '../../../plan/result-types.ts';
import { MAX_CURVE_POINTS, HISTOGRAM_BINS } from '../../../stdlib/metrics/charts.ts';
import { batchOf, specFor, synthesize } from './support/synthetic.ts';

function noNonFinite(x: unknown, path = '$'): string[] {
  if (typeof x === 'number') return Number.isFinite(x) ? [] : [path];
  if (Array.isArray(x)) return x.flatMap((v, i) => noNonFinite(v, `${path}[${i}]`));
  if (x !== null && typeof x === 'object') return Object.entries(x).flatMap(([k, v]) => noNonFinite(v, `${path}.${k}`));
  return [];
}

describe('rows that cannot be counted', () => {
  it('are counted per reason, never dropped silently', () => {
    const spec = specFor('binary', { bootstrap: 0, hasSlices: false });
    const acc = createComparison(spec);
    acc.update({
      rows: 7,
      width: 1,
      rowIds: Float64Array.of(0, 1, 2, 3, 4, 5.5, 6),
      control: Float32Array.of(0.1, NaN, 0.3, 0.4, 0.9, 0.6, NaN),
      treatment: Float32Array.of(0.2, 0.1, NaN, 0.5, 0.8, 0.6, 0.1),
      label: Float64Array.of(0, 1, 0, 2, NaN, 1, 1),
    });
    const r = acc.result();
    expect(r.rows_seen).toBe(7);
    expect(r.rows).toBe(1);
    expect(r.skipped).toEqual({ control_invalid: 2, treatment_invalid: 1, label_invalid: 1, label_nan: 1, row_id_invalid: 1 });
  });

  it('checks multiclass labels against the number of classes, regression values for finiteness', () => {
    const mc = createComparison(specFor('multiclass', { bootstrap: 0, hasSlices: false }));
    mc.update({
      rows: 3,
      width: 2,
      rowIds: Float64Array.of(0, 1, 2),
      control: Float64Array.of(0.2, 0.8, 0.5, 0.5, 0.1, NaN),
      treatment: Float64Array.of(0.3, 0.7, 0.6, 0.4, 0.5, 0.5),
      label: BigInt64Array.of(1n, 2n, 0n),
    });
    expect(mc.result().skipped).toEqual({ label_invalid: 1, control_invalid: 1 });
    const rg = createComparison(specFor('regression', { bootstrap: 0, hasSlices: false }));
    rg.update({
      rows: 3,
      width: 1,
      rowIds: Float64Array.of(0, 1, 2),
      control: Float64Array.of(1, Infinity, 2),
      treatment: Float64Array.of(1, 2, 3),
      label: Float64Array.of(1, 2, -Infinity),
    });
    expect(rg.result().skipped).toEqual({ control_invalid: 1, label_invalid: 1 });
  });

  it('reads i64 labels as their numbers, beyond 32 bits and negative ones too (the same result as float64 labels)', () => {
    const big = [0n, 1n, -1n, 2n ** 32n, 2n ** 32n + 1n, -(2n ** 31n), 2n ** 31n - 1n, 2n ** 53n + 1n, 1n, 0n, -(2n ** 63n)];
    const n = big.length;
    const batch = {
      rows: n,
      width: 1,
      rowIds: Float64Array.from({ length: n }, (_, i) => i),
      control: Float32Array.from({ length: n }, (_, i) => (i % 4) / 4),
      treatment: Float32Array.from({ length: n }, (_, i) => ((i + 1) % 4) / 4),
    };
    // A view that does not start at its buffer's first byte, as a batch's label column may be.
    const labels = new BigInt64Array(n + 1).subarray(1);
    labels.set(big);
    const spec = specFor('binary', { bootstrap: 0, hasSlices: false });
    const a = createComparison(spec),
      b = createComparison(spec);
    a.update({ ...batch, label: labels });
    b.update({ ...batch, label: Float64Array.from(big, Number) });
    expect(a.result()).toEqual(b.result());
    expect(a.result().rows).toBe(4);
  });
});

describe('batches', () => {
  it('accept binary probability rows of width 2 (column 1 is the positive score)', () => {
    const d = synthesize('binary', 200, 4);
    const spec = specFor('binary', { bootstrap: 0, hasSlices: false });
    const a = createComparison(spec),
      b = createComparison(spec);
    const rows = Array.from({ length: d.n }, (_, i) => i);
    a.update(batchOf(d, rows, spec));
    const one = batchOf(d, rows, spec);
    const two = { ...one, width: 2, control: new Float32Array(d.n * 2), treatment: new Float32Array(d.n * 2) };
    for (let i = 0; i < d.n; i++) {
      two.control[2 * i] = 1 - one.control[i]!;
      two.control[2 * i + 1] = one.control[i]!;
      two.treatment[2 * i] = 1 - one.treatment[i]!;
      two.treatment[2 * i + 1] = one.treatment[i]!;
    }
    b.update(two);
    expect(b.result()).toEqual(a.result());
  });

  it('that do not match the spec are programming errors, thrown as MetricsInputError', () => {
    const acc = createComparison(specFor('binary', { hasSlices: false }));
    const ok = {
      rows: 1,
      width: 1,
      rowIds: Float64Array.of(0),
      control: Float32Array.of(0.5),
      treatment: Float32Array.of(0.5),
      label: Uint8Array.of(1),
    };
    expect(() => acc.update({ ...ok, width: 3, control: new Float32Array(3), treatment: new Float32Array(3) })).toThrow(MetricsInputError);
    expect(() => acc.update({ ...ok, control: new Float32Array(2) })).toThrow(/rows × width/);
    const { label: _l, ...noLabel } = ok;
    expect(() => acc.update(noLabel)).toThrow(/labels/);
    const mc = createComparison(specFor('multiclass', { hasSlices: false, hasLabel: false }));
    mc.update({ rows: 1, width: 3, rowIds: Float64Array.of(0), control: new Float32Array(3), treatment: new Float32Array(3) });
    expect(() => mc.update({ rows: 1, width: 4, rowIds: Float64Array.of(1), control: new Float32Array(4), treatment: new Float32Array(4) })).toThrow(
      /width 4 after batches of width 3/,
    );
  });
});

describe('specs', () => {
  it('are validated against the catalogue', () => {
    expect(validateComparisonSpec(specFor('binary'))).toEqual([]);
    const bad = { ...specFor('regression', { hasLabel: false }), metrics: ['mae', 'auroc', 'nope', 'pearson', 'pearson'] };
    const problems = validateComparisonSpec(bad);
    expect(problems.join('\n')).toMatch(/`mae` needs labels/);
    expect(problems.join('\n')).toMatch(/`auroc` does not apply to regression/);
    expect(problems.join('\n')).toMatch(/unknown metric `nope`/);
    expect(problems.join('\n')).toMatch(/listed twice/);
    expect(() => createComparison(bad)).toThrow(MetricsSpecError);
    expect(validateComparisonSpec({ ...specFor('binary'), bootstrap: 1 })).toHaveLength(1);
    expect(validateComparisonSpec({ ...specFor('binary'), confidence: 1 })).toHaveLength(1);
  });
});

describe('results', () => {
  it('before any row: every metric undefined with a reason, versioned, plain JSON', () => {
    const r = createComparison(specFor('multiclass')).result();
    expect(r.result_version).toBe(COMPARISON_RESULT_VERSION);
    expect(r.rows).toBe(0);
    expect(r.classes).toBeNull();
    for (const m of r.metrics) {
      if (m.kind === 'pair') {
        expect(m.value).toBeNull();
        expect(m.reasons.value).toBe('no rows');
      } else expect(m.reasons.control).toBe('no rows');
    }
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('are finite JSON for every task (no NaN, no Infinity)', () => {
    for (const task of ['binary', 'multiclass', 'regression'] as const) {
      for (const hasLabel of [true, false]) {
        const d = synthesize(task, 300, 8, { invalid: true });
        const spec = specFor(task, { hasLabel, bootstrap: 10 });
        const acc = createComparison(spec);
        acc.update(
          batchOf(
            d,
            Array.from({ length: d.n }, (_, i) => i),
            spec,
          ),
        );
        const r = acc.result();
        expect(noNonFinite(r), `${task} ${hasLabel}`).toEqual([]);
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      }
    }
  });

  it('explain undefined values: one class, constant scores, a zero control', () => {
    const d = synthesize('binary', 100, 6);
    d.label.fill(0);
    d.control.fill(0.2);
    const spec = {
      ...specFor('binary', { bootstrap: 0, hasSlices: false }),
      metrics: ['auroc', 'auprc', 'balanced_accuracy', 'precision', 'pearson', 'tp'],
    };
    const acc = createComparison(spec);
    acc.update(
      batchOf(
        d,
        Array.from({ length: d.n }, (_, i) => i),
        spec,
      ),
    );
    const r = acc.result();
    const m = (name: string) => r.metrics.find((x) => x.name === name)!;
    expect(m('auroc')).toMatchObject({ control: null, reasons: { control: 'no positive rows: AUROC is undefined' } });
    expect(m('auprc')).toMatchObject({ control: null, reasons: { control: 'no positive rows: average precision is undefined' } });
    expect(m('balanced_accuracy')).toMatchObject({ control: null, reasons: { control: expect.stringMatching(/no positive rows/) } });
    expect(m('precision')).toMatchObject({ control: 0, treatment: 0, reasons: { ratio: 'control is 0: the ratio is undefined' } });
    expect(m('pearson')).toMatchObject({ value: null, reasons: { value: 'control scores are constant: correlation is undefined' } });
    expect(m('tp')).toMatchObject({ control: 0, treatment: 0, delta: 0 });
  });

  it('carry chart data: bounded curves, histograms and calibration that add up, confusion matrices', () => {
    const d = synthesize('binary', 3000, 12);
    const spec = specFor('binary', { bootstrap: 0, hasSlices: false });
    const acc = createComparison(spec);
    acc.update(
      batchOf(
        d,
        Array.from({ length: d.n }, (_, i) => i),
        spec,
      ),
    );
    const r: ComparisonResult = acc.result();
    const c = r.charts;
    for (const curve of [c.roc!.control, c.roc!.treatment, c.pr!.control, c.pr!.treatment]) {
      expect(curve.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
      expect(curve.length).toBeGreaterThan(50);
    }
    expect(c.roc!.control[0]).toEqual({ x: 0, y: 0, threshold: null });
    expect(c.roc!.control.at(-1)).toMatchObject({ x: 1, y: 1 });
    expect(c.pr!.control[0]).toEqual({ x: 0, y: 1, threshold: null });
    const fpr = c.roc!.control.map((p) => p.x);
    expect(fpr).toEqual([...fpr].sort((a, b) => a - b));
    expect(c.histogram!.edges).toHaveLength(HISTOGRAM_BINS + 1);
    expect(c.histogram!.control.reduce((a, b) => a + b, 0) + c.histogram!.outside.control).toBe(r.rows);
    expect(c.calibration!.bins.reduce((a, b) => a + b.control.count, 0)).toBe(r.rows);
    const tp = r.metrics.find((m) => m.name === 'accuracy');
    expect(tp).toBeDefined();
    const cm = c.confusion!.control;
    expect(cm[0]![0]! + cm[0]![1]! + cm[1]![0]! + cm[1]![1]!).toBe(r.rows);
    // The histogram split by label adds up to the histogram, and the positives to the confusion matrix's.
    const split = c.histogram!.by_label!;
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(split.negative.control.map((v, i) => v + split.positive.control[i]!)).toEqual(c.histogram!.control);
    expect(sum(split.positive.treatment)).toBe(c.confusion!.treatment[1]![0]! + c.confusion!.treatment[1]![1]!);
    expect(c.reasons).toEqual({});
  });

  it('for multiclass carry the confusion matrices as a metric and as chart data', () => {
    const d = synthesize('multiclass', 400, 2, { classes: 4 });
    const spec = specFor('multiclass', { bootstrap: 0, hasSlices: false });
    const acc = createComparison(spec);
    acc.update(
      batchOf(
        d,
        Array.from({ length: d.n }, (_, i) => i),
        spec,
      ),
    );
    const r = acc.result();
    const cm = r.metrics.find((m) => m.name === 'confusion_matrix')!;
    expect(cm.shape).toBe('matrix');
    if (cm.shape !== 'matrix') return;
    expect(cm.classes).toEqual([0, 1, 2, 3]);
    expect(cm.control!.flat().reduce((a, b) => a + b, 0)).toBe(400);
    expect(r.charts.confusion!.treatment).toEqual(cm.treatment);
    expect(r.classes).toBe(4);
    expect(r.charts.roc).toBeNull();
    expect(r.charts.reasons.roc).toMatch(/one-vs-rest/);
    // One-vs-rest curves per class: from (0, 0) to (1, 1), and their AUROCs average to the macro AUROC.
    const ovr = r.charts.ovr!;
    expect(ovr.map((o) => o.class)).toEqual([0, 1, 2, 3]);
    expect(ovr.reduce((a, o) => a + o.positives, 0)).toBe(400);
    for (const o of ovr) {
      expect(o.roc.control[0]).toMatchObject({ x: 0, y: 0 });
      expect(o.roc.treatment.at(-1)).toMatchObject({ x: 1, y: 1 });
      expect(o.roc.control.length).toBeLessThanOrEqual(80);
    }
    const auroc = r.metrics.find((m) => m.name === 'auroc')!;
    if (auroc.shape !== 'scalar' || auroc.kind !== 'model') throw new Error('auroc');
    expect(ovr.reduce((a, o) => a + o.auroc.control!, 0) / 4).toBeCloseTo(auroc.control!, 12);
    expect(ovr.reduce((a, o) => a + o.auroc.treatment!, 0) / 4).toBeCloseTo(auroc.treatment!, 12);
  });
});

describe('slices', () => {
  const d = synthesize('binary', 2000, 31);
  // Make slice s1 clearly worse for the treatment.
  for (let i = 0; i < d.n; i++) if (d.slice[i] === 's1') d.treatment[i] = 1 - d.treatment[i]!;
  const spec = specFor('binary', { bootstrap: 0, maxSlices: 3 });
  const acc = createComparison(spec);
  acc.update(
    batchOf(
      d,
      Array.from({ length: d.n }, (_, i) => i),
      spec,
    ),
  );
  const r = acc.result();
  const s = r.slices!;

  it('show the largest maxSlices slices and fold the rest into (other)', () => {
    const counts = new Map<string, number>();
    for (const v of d.slice) counts.set(v, (counts.get(v) ?? 0) + 1);
    const top = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([k]) => k);
    expect(s.items.slice(0, 3).map((i) => i.slice)).toEqual(top);
    expect(s.items[3]!.slice).toBe('(other)');
    expect(s.items[3]!.values).toBe(counts.size - 3);
    expect(s.distinct).toBe(counts.size);
    expect(s.folded).toBe(counts.size - 3);
    expect(s.items.reduce((a, i) => a + i.rows, 0)).toBe(r.rows);
    expect(s.overflowed).toBe(false);
  });

  it('per-slice values equal a comparison restricted to the slice', () => {
    for (const item of s.items.slice(0, 3)) {
      const rows = Array.from({ length: d.n }, (_, i) => i).filter((i) => d.slice[i] === item.slice);
      const only = createComparison({ ...spec, hasSlices: false });
      only.update(batchOf(d, rows, { ...spec, hasSlices: false }));
      const ref = only.result();
      for (const m of item.metrics) {
        const full = ref.metrics.find((x) => x.name === m.name)!;
        if (full.kind === 'pair') expect(m.value, m.name).toBe(full.value);
        else if (full.shape === 'scalar') {
          expect(m.control, m.name).toBe(full.control);
          expect(m.delta, m.name).toBe(full.delta);
        }
      }
    }
  });

  it("are the same with the bootstrap on (the slices then sort in the buffer that held the resamples' row ids)", () => {
    const boot = { ...spec, bootstrap: 20 };
    const b = createComparison(boot);
    b.update(
      batchOf(
        d,
        Array.from({ length: d.n }, (_, i) => i),
        boot,
      ),
    );
    expect(b.result().slices).toEqual(s);
  });

  it('rank the slices where the treatment is worse by the main metric', () => {
    expect(s.main_metric).toBe('auroc');
    expect(s.worse.length).toBeGreaterThan(0);
    const deltas = s.worse.map((w) => w.delta!);
    expect(deltas.every((x) => x < 0)).toBe(true);
    expect(deltas).toEqual([...deltas].sort((a, b) => a - b));
    expect(s.items.map((i) => i.slice)).toContain('s1');
    expect(s.worse[0]!.slice).toBe('s1');
  });
});
