import { describe, expect, it } from 'vitest';
import { evaluateGates, allGatesPassed } from '../../../stdlib/metrics/gates.ts';
import { createComparison } from '../../../stdlib/metrics/comparison.ts';
import { percentileInterval } from '../../../stdlib/metrics/bootstrap-interval.ts';
import type { ComparisonResult, ModelMetricResult, PairMetricResult } from '../../../plan/result-types.ts';
import type { GateComparator, PlanGate } from '../../../plan/plan-types.ts';
import { batchOf, specFor, synthesize } from './support/synthetic.ts';

const SPAN = { file: 'ab.m4', line: 1, column: 1, endLine: 1, endColumn: 10 };

function gate(metric: string, field: PlanGate['field'], op: GateComparator, bound: number, confidence: number | null = null): PlanGate {
  const text = `${metric}${field === 'value' ? '' : `.${field}`} ${op} ${bound}${confidence === null ? '' : ` at ${confidence * 100}%`}`;
  return { text, metric, field, op, bound, confidence, span: SPAN };
}

function result(bootstrap: number, seed = 3): ComparisonResult {
  const d = synthesize('binary', 1500, seed);
  const spec = specFor('binary', { bootstrap, confidence: 0.95, hasSlices: false });
  const acc = createComparison(spec);
  acc.update(
    batchOf(
      d,
      Array.from({ length: d.n }, (_, i) => i),
      spec,
    ),
  );
  return acc.result();
}

const withBootstrap = result(200);
const noBootstrap = result(0);

function model(r: ComparisonResult, name: string): ModelMetricResult {
  const m = r.metrics.find((x) => x.name === name);
  if (m?.kind !== 'model' || m.shape !== 'scalar') throw new Error(name);
  return m;
}
function pair(r: ComparisonResult, name: string): PairMetricResult {
  const m = r.metrics.find((x) => x.name === name);
  if (m?.kind !== 'pair') throw new Error(name);
  return m;
}

describe('point gates', () => {
  it('pass or fail on the point estimate, for every comparator', () => {
    const v = pair(withBootstrap, 'agreement').value!;
    const cases: [GateComparator, number, boolean][] = [
      ['>=', v, true],
      ['>', v, false],
      ['<=', v, true],
      ['<', v, false],
      ['>=', v + 0.01, false],
      ['<', v + 0.01, true],
    ];
    for (const [op, bound, passed] of cases) {
      const [verdict] = evaluateGates(withBootstrap, [gate('agreement', 'value', op, bound)]);
      expect(verdict!.passed, `${op} ${bound}`).toBe(passed);
      expect(verdict!.value).toBe(v);
      expect(verdict!.interval).toBeNull();
      expect(verdict!.reason).toContain('agreement = ');
    }
  });

  it('gate deltas and ratios', () => {
    const recall = model(withBootstrap, 'recall');
    const [d, r] = evaluateGates(withBootstrap, [
      gate('recall', 'delta', '>=', recall.delta! - 1e-9),
      gate('recall', 'ratio', '>=', recall.ratio! + 1e-9),
    ]);
    expect(d!.passed).toBe(true);
    expect(d!.value).toBe(recall.delta);
    expect(r!.passed).toBe(false);
    expect(r!.value).toBe(recall.ratio);
    expect(r!.reason).toMatch(/recall\.ratio = [\d.]+ < /);
  });
});

describe('confidence gates', () => {
  it("judge the whole interval at the gate's own level, not the report's", () => {
    const auroc = model(withBootstrap, 'auroc');
    const at80 = percentileInterval(auroc.bootstrap.delta!, 0.8);
    const at99 = percentileInterval(auroc.bootstrap.delta!, 0.99);
    expect(at99.low!).toBeLessThan(at80.low!);
    // A bound between the two lower ends: passes at 80%, fails at 99%.
    const bound = (at80.low! + at99.low!) / 2;
    const [v80, v99] = evaluateGates(withBootstrap, [gate('auroc', 'delta', '>=', bound, 0.8), gate('auroc', 'delta', '>=', bound, 0.99)]);
    expect(v80!.passed).toBe(true);
    expect(v80!.interval).toEqual(at80);
    expect(v99!.passed).toBe(false);
    expect(v99!.interval).toEqual(at99);
    expect(v99!.reason).toMatch(/99% interval of auroc\.delta, \[.*\], has its lower end .* < /);
  });

  it('use the upper end for <= and <', () => {
    const ll = model(withBootstrap, 'log_loss');
    const iv = percentileInterval(ll.bootstrap.delta!, 0.95);
    const [ok, bad] = evaluateGates(withBootstrap, [gate('log_loss', 'delta', '<=', iv.high!, 0.95), gate('log_loss', 'delta', '<', iv.high!, 0.95)]);
    expect(ok!.passed).toBe(true);
    expect(bad!.passed).toBe(false);
    expect(bad!.reason).toMatch(/upper end/);
  });

  it('can fail although the point estimate satisfies the bound (non-inferiority)', () => {
    const recall = model(withBootstrap, 'recall');
    const iv = recall.intervals.delta!;
    const bound = (recall.delta! + iv.low!) / 2;
    const [point, interval] = evaluateGates(withBootstrap, [gate('recall', 'delta', '>=', bound), gate('recall', 'delta', '>=', bound, 0.95)]);
    expect(point!.passed).toBe(true);
    expect(interval!.passed).toBe(false);
  });

  it('without a bootstrap, fall back to DeLong for AUROC and fail elsewhere, saying why', () => {
    const auroc = model(noBootstrap, 'auroc');
    expect(auroc.intervals.delta?.method).toBe('delong');
    const [a, b] = evaluateGates(noBootstrap, [gate('auroc', 'delta', '>=', -1, 0.95), gate('recall', 'delta', '>=', -1, 0.95)]);
    expect(a!.passed).toBe(true);
    expect(a!.interval?.method).toBe('delong');
    expect(b!.passed).toBe(false);
    expect(b!.reason).toMatch(/bootstrap is disabled/);
  });
});

describe('gates that cannot be judged fail', () => {
  it('on an undefined value, with its reason', () => {
    const d = synthesize('binary', 200, 2);
    d.label.fill(0);
    const spec = specFor('binary', { bootstrap: 20, hasSlices: false });
    const acc = createComparison(spec);
    acc.update(
      batchOf(
        d,
        Array.from({ length: d.n }, (_, i) => i),
        spec,
      ),
    );
    const r = acc.result();
    const [p, c] = evaluateGates(r, [gate('auroc', 'treatment', '>=', 0), gate('auroc', 'delta', '>=', -1, 0.95)]);
    for (const v of [p!, c!]) {
      expect(v.passed).toBe(false);
      expect(v.value).toBeNull();
      expect(v.reason).toMatch(/undefined: .*no positive rows/);
    }
  });

  it('on unknown metrics, wrong fields and matrices', () => {
    const d = synthesize('multiclass', 100, 2);
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
    const verdicts = evaluateGates(r, [
      gate('auprc', 'delta', '>=', 0),
      gate('agreement', 'delta', '>=', 0),
      gate('accuracy', 'value', '>=', 0),
      gate('confusion_matrix', 'control', '>=', 0),
    ]);
    expect(verdicts.map((v) => v.passed)).toEqual([false, false, false, false]);
    expect(verdicts[0]!.reason).toMatch(/not computed/);
    expect(verdicts[1]!.reason).toMatch(/single value/);
    expect(verdicts[2]!.reason).toMatch(/per model/);
    expect(verdicts[3]!.reason).toMatch(/matrix/);
    expect(allGatesPassed(verdicts)).toBe(false);
    expect(allGatesPassed([])).toBe(true);
  });
});
