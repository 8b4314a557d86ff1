/**
 * What the result builder reads from a comparison accumulator: its spec and the parts it streams
 * into. An interface of its own, so that comparison-result.ts depends on the parts and not on the
 * accumulator class (which calls it: no import cycle).
 */
import type { ComparisonSpec } from './comparison-types.ts';
import type { SkipReason } from '../../plan/result-types.ts';
import type { TaskKind } from './catalogue.ts';
import type { MetricFamily } from './metric-family.ts';
import type { ReplicaBank } from './replica-bank.ts';
import type { ChartAccumulator } from './charts.ts';
import type { RowStore } from './row-store.ts';
import type { SliceTable } from './slice-table.ts';

export interface ComparisonParts {
  readonly spec: ComparisonSpec;
  readonly kind: TaskKind;
  /** Multiclass: classes; else 1. null until the first row. */
  readonly width: number | null;
  readonly rowsSeen: number;
  readonly skipped: Partial<Record<SkipReason, number>>;
  /** null until the width is known; then all set (store and slices when needed). */
  readonly family: MetricFamily | null;
  readonly bank: ReplicaBank | null;
  readonly charts: ChartAccumulator | null;
  readonly store: RowStore | null;
  readonly slices: SliceTable | null;
}
