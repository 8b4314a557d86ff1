/**
 * Loading the golden metric vectors (copied from shared/golden into test/fixtures/golden).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PlanTask } from '../../../../plan/plan-types.ts';

export const GOLDEN_DIR = fileURLToPath(new URL('../../../fixtures/golden/metrics/', import.meta.url));

export interface GoldenMcNemar {
  control_only_correct: number;
  treatment_only_correct: number;
  pvalue_exact: number;
  statistic_chi2_cc: number | null;
  pvalue_chi2_cc: number;
}

export interface GoldenDeLong {
  auc_control: number;
  auc_treatment: number;
  z: number;
  pvalue: number;
}

export interface GoldenCase {
  file: string;
  name: string;
  task: 'binary' | 'multiclass' | 'regression';
  threshold?: number;
  classes?: number;
  label: number[];
  control: number[] | number[][];
  treatment: number[] | number[][];
  expected: {
    control: Record<string, number | null | number[][]>;
    treatment: Record<string, number | null | number[][]>;
    paired: Record<string, unknown> & { mcnemar?: GoldenMcNemar; delong?: GoldenDeLong };
  };
}

export function goldenFiles(): string[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function loadGolden(file: string): GoldenCase {
  return { file, ...JSON.parse(readFileSync(GOLDEN_DIR + file, 'utf8')) } as GoldenCase;
}

/** The golden files name a few metrics differently from the catalogue. */
export const GOLDEN_NAME: Record<string, string> = { auroc_ovr_macro: 'auroc', top2_accuracy: 'top_k_accuracy' };

export function taskOf(g: GoldenCase): PlanTask {
  if (g.task === 'binary') return { kind: 'binary', threshold: g.threshold! };
  // The multiclass golden reports top-2 accuracy.
  if (g.task === 'multiclass') return { kind: 'multiclass', top_k: 2 };
  return { kind: 'regression' };
}

export function widthOf(g: GoldenCase): number {
  return g.task === 'multiclass' ? g.classes! : 1;
}

/** Within `rel` relative (or exactly equal, which covers 0 and integers). */
export function close(got: number, want: number, rel: number): boolean {
  if (got === want) return true;
  return Math.abs(got - want) <= rel * Math.max(Math.abs(got), Math.abs(want));
}
