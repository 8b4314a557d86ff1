/**
 * The metric catalogue's definitions (catalogue.ts): for every metric, the tasks it applies to, whether it
 * needs labels, its direction, and its exact definition as hover shows it (docs/metrics.md in full). Kept apart
 * from the catalogue's lookups: this is the text a reviewer checks against scikit-learn, not code. (Only
 * types come from catalogue.ts, so the two files import each other in types alone.)
 */
import type { MetricInfo, TaskKind } from './catalogue.ts';

/**
 * A metric's entry as written here: the catalogue adds its name, and the fields most metrics share take their
 * usual value when left out (a scalar, not ranking, no test, not counting rows).
 */
export type MetricEntry = Omit<MetricInfo, 'name' | 'value' | 'ranking' | 'test' | 'counts'> &
  Partial<Pick<MetricInfo, 'value' | 'ranking' | 'test' | 'counts'>>;

const B: TaskKind[] = ['binary'];
const M: TaskKind[] = ['multiclass'];
const R: TaskKind[] = ['regression'];
const BM: TaskKind[] = ['binary', 'multiclass'];
const ALL: TaskKind[] = ['binary', 'multiclass', 'regression'];
const BR: TaskKind[] = ['binary', 'regression'];

const POS = "A row is predicted positive iff `score >= threshold` (the task's threshold).";
const ZD = "When the denominator is 0 the value is 0 (scikit-learn's `zero_division=0`).";
const AVG = {
  macro: 'Unweighted mean over the classes present in the labels or the predictions (scikit-learn `average="macro"`).',
  micro: 'Computed from the counts summed over classes; for single-label multiclass it equals accuracy.',
  weighted: "Mean over classes weighted by each class's number of true rows (support).",
};

/** Every metric's entry, by name: the names are the catalogue's (`MetricName`). */
export const METRIC_ENTRIES = {
  tp: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    counts: true,
    summary: 'True positives: positive rows predicted positive.',
    doc: `**tp** — number of rows with label 1 and \`score >= threshold\`.\n\n${POS}`,
  },
  fp: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: false,
    counts: true,
    summary: 'False positives: negative rows predicted positive.',
    doc: `**fp** — number of rows with label 0 and \`score >= threshold\`.\n\n${POS}`,
  },
  tn: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    counts: true,
    summary: 'True negatives: negative rows predicted negative.',
    doc: `**tn** — number of rows with label 0 and \`score < threshold\`.\n\n${POS}`,
  },
  fn: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: false,
    counts: true,
    summary: 'False negatives: positive rows predicted negative.',
    doc: `**fn** — number of rows with label 1 and \`score < threshold\`.\n\n${POS}`,
  },
  accuracy: {
    tasks: BM,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    test: 'mcnemar',
    summary: 'Fraction of rows predicted correctly.',
    doc:
      '**accuracy** — (correct predictions) / rows.\n\n' +
      `Binary: (tp + tn) / n. ${POS} Multiclass: the predicted class is the argmax of the probability row ` +
      "(the first index on ties).\n\nReported with McNemar's test on the rows where exactly one model is correct " +
      '(exact binomial below 25 discordant rows, else chi-square with continuity correction). Undefined with no rows.',
  },
  precision: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'tp / (tp + fp): how many predicted positives are positive.',
    doc: `**precision** — tp / (tp + fp). ${ZD}\n\n${POS}`,
  },
  recall: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'tp / (tp + fn): how many positives are found (sensitivity, TPR).',
    doc: `**recall** — tp / (tp + fn), a.k.a. sensitivity or true positive rate. ${ZD}\n\n${POS}`,
  },
  f1: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Harmonic mean of precision and recall.',
    doc: `**f1** — 2·precision·recall / (precision + recall); 0 when both are 0.\n\n${POS}`,
  },
  specificity: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'tn / (tn + fp): how many negatives are predicted negative (TNR).',
    doc: `**specificity** — tn / (tn + fp), the true negative rate (recall of the negative class). ${ZD}\n\n${POS}`,
  },
  balanced_accuracy: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Mean of recall and specificity.',
    doc: `**balanced_accuracy** — (recall + specificity) / 2. Undefined when the rows hold only one class.\n\n${POS}`,
  },
  mcc: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Matthews correlation coefficient of prediction and label.',
    doc:
      '**mcc** — (tp·tn − fp·fn) / √((tp+fp)(tp+fn)(tn+fp)(tn+fn)), computed as scikit-learn does from the ' +
      `confusion matrix; 0 when the denominator is 0.\n\n${POS}`,
  },
  auroc: {
    tasks: BM,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    ranking: true,
    test: 'delong',
    summary: 'Area under the ROC curve (multiclass: one-vs-rest, macro).',
    doc:
      '**auroc** — binary: the probability that a positive row scores higher than a negative one, ties ' +
      'counting one half (Mann–Whitney; equals the trapezoidal ROC area). Exact: computed from the sorted ' +
      'scores, no binning. Undefined when only one class is present.\n\nMulticlass: the unweighted mean over ' +
      "classes of the one-vs-rest AUROC of each class's probability column; undefined when a class has no rows.\n\n" +
      "Binary AUROC is reported with DeLong's test for two correlated AUROCs (two-sided, as R pROC).",
  },
  auprc: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    ranking: true,
    summary: 'Average precision: area under the precision–recall curve, step-wise.',
    doc:
      '**auprc** — average precision, Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the distinct score thresholds in decreasing ' +
      'order (scikit-learn `average_precision_score`), not the trapezoidal area. Exact. Undefined with no ' +
      'positive rows.',
  },
  log_loss: {
    tasks: BM,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: false,
    summary: 'Mean negative log-likelihood of the labels (cross-entropy).',
    doc:
      '**log_loss** — mean over rows of −log p(true class), probabilities clipped to [1e-15, 1 − 1e-15].\n\n' +
      'Binary: −[y·log p + (1 − y)·log(1 − p)] with p the score. Multiclass: each clipped probability row is ' +
      'renormalized to sum 1 (as scikit-learn 1.2). Undefined when a score lies outside [0, 1] (the model does ' +
      'not emit probabilities).',
  },
  brier: {
    tasks: B,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: false,
    summary: 'Mean squared error of the score against the 0/1 label.',
    doc: '**brier** — mean of (score − label)². Undefined when a score lies outside [0, 1].',
  },
  top_k_accuracy: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Fraction of rows whose true class is among the k highest probabilities.',
    doc:
      '**top_k_accuracy** — fraction of rows whose true class is among the `top_k` (task parameter) highest ' +
      'probabilities. Ties are broken as scikit-learn does (a stable argsort, reversed: among equal ' +
      'probabilities the higher class index ranks first).',
  },
  precision_macro: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Per-class precision, unweighted mean over classes.',
    doc: `**precision_macro** — per-class precision tpᵢ / (predicted as i). ${AVG.macro} ${ZD}`,
  },
  recall_macro: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Per-class recall, unweighted mean over classes.',
    doc: `**recall_macro** — per-class recall tpᵢ / (true rows of i). ${AVG.macro} ${ZD}`,
  },
  f1_macro: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Per-class F1, unweighted mean over classes.',
    doc: `**f1_macro** — per-class F1 (harmonic mean of the class's precision and recall, 0 when both are 0). ${AVG.macro}`,
  },
  precision_micro: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Precision from counts pooled over classes (= accuracy).',
    doc: `**precision_micro** — Σ tpᵢ / Σ predictedᵢ. ${AVG.micro}`,
  },
  recall_micro: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Recall from counts pooled over classes (= accuracy).',
    doc: `**recall_micro** — Σ tpᵢ / Σ supportᵢ. ${AVG.micro}`,
  },
  f1_micro: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'F1 of the pooled precision and recall (= accuracy).',
    doc: `**f1_micro** — harmonic mean of precision_micro and recall_micro. ${AVG.micro}`,
  },
  precision_weighted: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Per-class precision, mean weighted by class support.',
    doc: `**precision_weighted** — per-class precision. ${AVG.weighted} ${ZD}`,
  },
  recall_weighted: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Per-class recall, mean weighted by class support.',
    doc: `**recall_weighted** — per-class recall. ${AVG.weighted} ${ZD}`,
  },
  f1_weighted: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Per-class F1, mean weighted by class support.',
    doc: `**f1_weighted** — per-class F1. ${AVG.weighted}`,
  },
  confusion_matrix: {
    tasks: M,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: null,
    value: 'matrix',
    summary: 'Counts of (true class, predicted class), one matrix per model.',
    doc:
      '**confusion_matrix** — k×k counts, rows = true class, columns = predicted class (argmax, first index ' +
      'on ties). A matrix value: no delta, ratio or interval, and it cannot be gated.',
  },
  mae: {
    tasks: R,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: false,
    summary: 'Mean absolute error.',
    doc: '**mae** — mean of |prediction − label|.',
  },
  mse: {
    tasks: R,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: false,
    summary: 'Mean squared error.',
    doc: '**mse** — mean of (prediction − label)².',
  },
  rmse: {
    tasks: R,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: false,
    summary: 'Root mean squared error.',
    doc: '**rmse** — √mse.',
  },
  r2: {
    tasks: R,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Coefficient of determination.',
    doc:
      '**r2** — 1 − Σ(label − prediction)² / Σ(label − mean label)². As scikit-learn (`force_finite`): when ' +
      'every label is equal, 1 for perfect predictions and 0 otherwise. Undefined with fewer than two rows.',
  },
  max_error: {
    tasks: R,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: false,
    summary: 'Largest absolute error.',
    doc: '**max_error** — max of |prediction − label|. Undefined with no rows.',
  },
  explained_variance: {
    tasks: R,
    kind: 'model',
    needsLabel: true,
    higherIsBetter: true,
    summary: 'Fraction of the label variance explained (ignores a constant bias).',
    doc:
      '**explained_variance** — 1 − Var(label − prediction) / Var(label). When every label is equal: 1 if the ' +
      'errors are constant, else 0 (scikit-learn `force_finite`). Undefined with fewer than two rows.',
  },
  agreement: {
    tasks: BM,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: true,
    summary: 'Fraction of rows where both models predict the same class.',
    doc:
      '**agreement** — fraction of rows where control and treatment predict the same class (binary: the ' +
      'same side of the threshold; multiclass: the same argmax). Label-free.',
  },
  flips_to_positive: {
    tasks: B,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: false,
    counts: true,
    summary: 'Rows the treatment predicts positive and the control negative.',
    doc: '**flips_to_positive** — number of rows with control `score < threshold` and treatment ' + '`score >= threshold`. Label-free.',
  },
  flips_to_negative: {
    tasks: B,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: false,
    counts: true,
    summary: 'Rows the treatment predicts negative and the control positive.',
    doc: '**flips_to_negative** — number of rows with control `score >= threshold` and treatment ' + '`score < threshold`. Label-free.',
  },
  flips: {
    tasks: BM,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: false,
    counts: true,
    summary: 'Rows where the two models predict different classes.',
    doc: '**flips** — number of rows where control and treatment predict different classes ' + '(= rows × (1 − agreement)). Label-free.',
  },
  mean_abs_diff: {
    tasks: ALL,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: false,
    summary: "Mean absolute difference between the two models' outputs.",
    doc:
      '**mean_abs_diff** — mean of |treatment − control| over rows; multiclass: over every element of the ' +
      'probability rows (rows × classes values). Label-free.',
  },
  max_abs_diff: {
    tasks: ALL,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: false,
    summary: "Largest absolute difference between the two models' outputs.",
    doc: '**max_abs_diff** — max of |treatment − control| over rows (multiclass: over every element). Label-free.',
  },
  pearson: {
    tasks: BR,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: true,
    summary: "Pearson correlation of the two models' scores.",
    doc: '**pearson** — Pearson correlation of control and treatment scores. Undefined when either is constant. ' + 'Label-free.',
  },
  spearman: {
    tasks: BR,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: true,
    ranking: true,
    summary: "Spearman rank correlation of the two models' scores.",
    doc:
      '**spearman** — Pearson correlation of the ranks of control and treatment scores, ties given their ' +
      'average rank (scipy `spearmanr`). Undefined when either is constant. Label-free.',
  },
  psi: {
    tasks: BR,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: false,
    ranking: true,
    summary: 'Population stability index of treatment scores against control scores.',
    doc:
      '**psi** — Σᵢ (tᵢ − cᵢ)·ln(tᵢ / cᵢ) over 10 bins cut at the control deciles, where cᵢ, tᵢ are the ' +
      'fractions of control and treatment scores in bin i. Edge i (i = 1..9) is the smallest control score ' +
      'whose empirical CDF reaches i/10; bins are right-closed. Fractions below 1e-4 count as 1e-4 so an ' +
      'empty bin gives a large finite term. Rule of thumb: < 0.1 stable, > 0.25 shifted. Label-free.',
  },
  ks: {
    tasks: BR,
    kind: 'pair',
    needsLabel: false,
    higherIsBetter: false,
    ranking: true,
    summary: 'Two-sample Kolmogorov–Smirnov statistic between the score distributions.',
    doc: "**ks** — max over x of |F_control(x) − F_treatment(x)|, the empirical CDFs of the two models' scores. " + 'Label-free.',
  },
} satisfies Record<string, MetricEntry>;
