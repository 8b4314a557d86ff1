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
  /** The worker thread's nice value (Linux), `'idle'`: SCHED_IDLE (thread-priority.ts), or null: unchanged. */
  niceness: number | 'idle' | null;
}

/** One batch for a comparison's window: pairs, or pairs joined to their labels. */
export interface FeedItem {
  name: string;
  labelled: boolean;
  batch: ComparisonBatch;
}

export type ToComparisons =
  /** Batches, in the order they were given (several per message: one wake-up of the worker for many). */
  | { kind: 'feed'; items: FeedItem[] }
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
