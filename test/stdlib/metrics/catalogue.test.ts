import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultMetrics, METRIC_CATALOGUE, metricProblem, metricsForTask } from '../../../stdlib/metrics/catalogue.ts';

const NAMES = {
  binaryModel: 'tp fp tn fn accuracy precision recall f1 specificity balanced_accuracy mcc auroc auprc log_loss brier',
  multiclassModel:
    'accuracy top_k_accuracy precision_macro recall_macro f1_macro precision_micro recall_micro f1_micro precision_weighted recall_weighted f1_weighted log_loss auroc confusion_matrix',
  regressionModel: 'mae mse rmse r2 max_error explained_variance',
  pair: 'agreement flips_to_positive flips_to_negative flips mean_abs_diff max_abs_diff pearson spearman psi ks',
};

describe('the metric catalogue', () => {
  it('holds exactly the specified names', () => {
    const all = new Set(Object.values(NAMES).flatMap((s) => s.split(' ')));
    expect(new Set(Object.keys(METRIC_CATALOGUE))).toEqual(all);
    for (const [name, info] of Object.entries(METRIC_CATALOGUE)) expect(info.name).toBe(name);
  });

  it('assigns tasks and kinds as specified', () => {
    const model = (task: 'binary' | 'multiclass' | 'regression'): string[] =>
      metricsForTask(task, true)
        .filter((m) => METRIC_CATALOGUE[m]!.kind === 'model')
        .sort();
    expect(model('binary')).toEqual(NAMES.binaryModel.split(' ').sort());
    expect(model('multiclass')).toEqual(NAMES.multiclassModel.split(' ').sort());
    expect(model('regression')).toEqual(NAMES.regressionModel.split(' ').sort());
    for (const name of NAMES.pair.split(' ')) {
      const m = METRIC_CATALOGUE[name]!;
      expect(m.kind).toBe('pair');
      expect(m.needsLabel).toBe(false);
    }
    expect(METRIC_CATALOGUE.flips_to_positive!.tasks).toEqual(['binary']);
    expect(METRIC_CATALOGUE.agreement!.tasks).not.toContain('regression');
    expect(METRIC_CATALOGUE.confusion_matrix!.value).toBe('matrix');
    expect(METRIC_CATALOGUE.confusion_matrix!.higherIsBetter).toBeNull();
    expect(METRIC_CATALOGUE.accuracy!.test).toBe('mcnemar');
    expect(METRIC_CATALOGUE.auroc!.test).toBe('delong');
  });

  it('documents every metric (summary on one line, doc with its name)', () => {
    for (const m of Object.values(METRIC_CATALOGUE)) {
      expect(m.summary, m.name).toMatch(/^[^\n]{10,120}$/);
      expect(m.doc, m.name).toContain(`**${m.name}**`);
      if (m.kind === 'model') expect(m.needsLabel, m.name).toBe(true);
    }
  });

  it('has valid defaults for every task, with and without labels', () => {
    for (const task of ['binary', 'multiclass', 'regression'] as const) {
      for (const hasLabel of [true, false]) {
        const d = defaultMetrics(task, hasLabel);
        expect(d.length).toBeGreaterThan(2);
        for (const m of d) expect(metricProblem(m, task, hasLabel), `${task}/${hasLabel}/${m}`).toBeNull();
      }
    }
    expect(defaultMetrics({ kind: 'binary', threshold: 0.5 }, true)).toEqual(defaultMetrics('binary', true));
  });

  it('explains why a metric does not fit', () => {
    expect(metricProblem('auroc', 'regression', true)).toMatch(/does not apply to regression tasks/);
    expect(metricProblem('recall', 'binary', false)).toMatch(/needs labels/);
    expect(metricProblem('aucroc', 'binary', true)).toMatch(/unknown metric/);
  });
});

describe('docs/metrics.md', () => {
  it('defines every metric of the catalogue', () => {
    const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
    for (const name of Object.keys(METRIC_CATALOGUE)) expect(doc, name).toContain(`\`${name}\``);
  });
});

describe('count metrics', () => {
  it('come from the catalogue: the rows-counting metrics, printed as integers by the report', async () => {
    const { COUNT_METRICS, isMetricName } = await import('../../../stdlib/metrics/catalogue.ts');
    const { COUNT_METRICS: reported } = await import('../../../runtime/report/report-numbers.ts');
    expect([...COUNT_METRICS].sort()).toEqual(['flips', 'flips_to_negative', 'flips_to_positive', 'fn', 'fp', 'tn', 'tp']);
    expect(reported).toBe(COUNT_METRICS);
    expect(isMetricName('auroc')).toBe(true);
    expect(isMetricName('toString')).toBe(false);
  });
});
