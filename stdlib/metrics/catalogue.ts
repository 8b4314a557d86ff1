/**
 * The metric catalogue: every metric a comparison block may name, with the tasks it applies to,
 * whether it needs labels, its direction, and its exact definition.
 *
 * The compiler checks `metrics: [...]` lists and gates against it; the language server shows `doc`
 * on hover; the report uses `higherIsBetter` to colour deltas. Definitions follow scikit-learn 1.2
 * (see docs/metrics.md for the conventions in full). The definitions themselves are metric-definitions.ts;
 * this file is what the rest of the code asks of them.
 */
import type { PlanTask } from '../../plan/plan-types.ts';
import { METRIC_ENTRIES, type MetricEntry } from './metric-definitions.ts';

/** The kind of task a comparison scores (the plan's). */
export type TaskKind = PlanTask['kind'];

/** One metric of the catalogue. */
export interface MetricInfo {
  name: string;
  tasks: TaskKind[];
  /**
   * `model`: computed for each model, with control / treatment / delta / ratio.
   * `pair`: compares the two models, label-free, one `value`.
   */
  kind: 'model' | 'pair';
  needsLabel: boolean;
  /**
   * Direction of improvement; null when there is none (a confusion matrix). For pair metrics,
   * "better" means "the treatment behaves more like the control" (higher agreement, lower shift).
   */
  higherIsBetter: boolean | null;
  /** `matrix` metrics (confusion_matrix) have no delta, ratio or interval and cannot be gated. */
  value: 'scalar' | 'matrix';
  /** Needs the rows' scores kept in memory (typed arrays, exact): AUROC, AUPRC, Spearman, KS, PSI. */
  ranking: boolean;
  /** The value counts rows (tp, flips, ...): reports print it as an integer. */
  counts: boolean;
  /** The paired significance test reported with the metric, if any. */
  test: 'mcnemar' | 'delong' | null;
  /** One line. */
  summary: string;
  /** Markdown with the exact definition and conventions. */
  doc: string;
}

/** The name of a metric of the catalogue: the one list every metric name is typed from. */
export type MetricName = keyof typeof METRIC_ENTRIES;

/** True when `name` is a metric of the catalogue. */
export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRIC_ENTRIES, name);
}

/** Every metric, by name. */
export const METRIC_CATALOGUE: Readonly<Record<string, MetricInfo>> & Readonly<Record<MetricName, MetricInfo>> = Object.freeze(
  Object.fromEntries(
    Object.entries(METRIC_ENTRIES as Record<string, MetricEntry>).map(([name, e]) => [
      name,
      Object.freeze({
        name,
        value: 'scalar',
        ranking: false,
        test: null,
        counts: false,
        ...e,
      } satisfies MetricInfo),
    ]),
  ),
) as Readonly<Record<MetricName, MetricInfo>>;

/** The metrics whose values count rows (printed as integers). */
export const COUNT_METRICS: ReadonlySet<string> = new Set<string>(
  (Object.keys(METRIC_ENTRIES) as MetricName[]).filter((m) => METRIC_CATALOGUE[m].counts),
);

/** The metric names valid for a task (and, without labels, only the label-free ones). */
export function metricsForTask(task: TaskKind, hasLabel: boolean): string[] {
  return Object.values(METRIC_CATALOGUE)
    .filter((m) => m.tasks.includes(task) && (hasLabel || !m.needsLabel))
    .map((m) => m.name);
}

const DEFAULTS: Record<TaskKind, { label: MetricName[]; free: MetricName[] }> = {
  binary: {
    label: ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'auprc', 'log_loss', 'brier', 'agreement'],
    free: ['agreement', 'flips_to_positive', 'flips_to_negative', 'mean_abs_diff', 'pearson', 'psi'],
  },
  multiclass: {
    label: ['accuracy', 'f1_macro', 'log_loss', 'auroc', 'confusion_matrix', 'agreement'],
    free: ['agreement', 'flips', 'mean_abs_diff', 'max_abs_diff'],
  },
  regression: {
    label: ['mae', 'rmse', 'r2', 'max_error', 'mean_abs_diff', 'pearson'],
    free: ['mean_abs_diff', 'max_abs_diff', 'pearson', 'psi'],
  },
};

/** The metrics a comparison computes when its `metrics:` list is omitted. */
export function defaultMetrics(task: TaskKind | PlanTask, hasLabel: boolean): string[] {
  const kind = typeof task === 'string' ? task : task.kind;
  const d = DEFAULTS[kind];
  return [...(hasLabel ? d.label : d.free)];
}

/**
 * Why `name` cannot be computed for this task, or null when it can. The compiler turns a non-null
 * answer into a diagnostic; the runtime refuses such a spec.
 */
export function metricProblem(name: string, task: TaskKind, hasLabel: boolean): string | null {
  const m = METRIC_CATALOGUE[name];
  if (m === undefined) return `unknown metric \`${name}\``;
  if (!m.tasks.includes(task)) return `\`${name}\` does not apply to ${task} tasks (it applies to ${m.tasks.join(', ')})`;
  if (m.needsLabel && !hasLabel) return `\`${name}\` needs labels, and this comparison has no label`;
  return null;
}
