/** Messages between the main thread and the online comparisons' worker (comparisons-worker.ts). */
import type { RunMeta, RunSubject } from '../../plan/record-types.ts';
import type { ComparisonBatch } from '../../stdlib/metrics/comparison-types.ts';
import type { RunOutcome } from '../comparison-run.ts';

/** The worker's `workerData`. */
export interface ComparisonsInit {
  subject: RunSubject;
  /** Comparisons feedback can label. */
  labelled: string[];
  /** Tests only: a shared Int32 flag; while it is 0 the worker holds every judgement. */
  hold: SharedArrayBuffer | null;
}

export type ToComparisons =
  | { kind: 'pairs'; name: string; batch: ComparisonBatch }
  | { kind: 'labelled'; name: string; batch: ComparisonBatch }
  /** Close the window (judged with meta `window`) into the cumulative state, and judge that (`cumulative`). */
  | { kind: 'close'; id: number; window: RunMeta; cumulative: RunMeta }
  /** Judge the cumulative state. */
  | { kind: 'outcome'; id: number; meta: RunMeta };

export type FromComparisons =
  /** `window` null: the window saw no row (then nothing was judged). */
  | { kind: 'closed'; id: number; window: RunOutcome | null; cumulative: RunOutcome | null }
  | { kind: 'outcome'; id: number; outcome: RunOutcome }
  /** `id` null: a batch was refused. */
  | { kind: 'error'; id: number | null; message: string };
