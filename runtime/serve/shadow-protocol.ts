/** Messages between the main thread (shadow-thread.ts) and the shadow arm's worker (shadow-worker.ts). */
import type { Plan } from '../../plan/plan-types.ts';
import type { Tensor } from '../../stdlib/types.ts';
import type { RunOutcome } from '../comparison-run.ts';
import type { IdleClass } from '../thread-priority.ts';
import type { Arm } from './arm-plans.ts';
import type { ShadowStop } from './arm-runner.ts';
import type { PairKey, RowRef } from './pair-store.ts';

/** The worker's `workerData`. */
export interface ShadowInit {
  plan: Plan;
  modelPaths: [string, string][];
  /** The arms that can run in shadow (shadow mode: the treatment; canary: both). */
  shadowArms: Arm[];
  /** The comparisons feedback can label. */
  labelled: string[];
  /** Each labelled comparison's label input (comparison → input name). */
  labelOf: Record<string, string>;
  maxBatch: number;
  shadowTimeoutMs: number;
  labelTtlMs: number;
  labelCapacity: number;
  /** Close a window after this many pairs (`--window N`), or null. */
  windowRows: number | null;
  intraOpThreads: number;
  /** Run the thread in SCHED_IDLE (Linux; nice 19 without `chrt`), else at normal priority. */
  idle: boolean;
  /** Tests only: the comparisons' judgement hold (see ServeOptions.comparisonsHold). */
  hold: SharedArrayBuffer | null;
}

/**
 * One answered batch, as the shadow needs it: the answering arm, the rows' ordinals, their client ids (null for a
 * row whose id the server generated: keyed by its ordinal), the batch's input tensors and the answering arm's
 * compared outputs (copies: whole buffers, moved to the worker). `unpaired`: the main thread already gave up the
 * shadow work (the answers were busy, or its queue was full: see shadow-admission.ts; or the treatment is stopped): the
 * rows are only stored, for feedback to say so.
 */
export interface ShadowItem {
  arm: Arm;
  rowIds: Float64Array;
  ids: (string | null)[] | null;
  inputs: Record<string, Tensor | undefined> | null;
  values: Record<string, Tensor> | null;
  unpaired: 'shed' | 'starved' | 'dropped' | 'stopped' | null;
}

/**
 * A validated feedback item: the id as sent, the label store's key for it, and its labels (at least one), each the
 * value as its label input's tensor, by input name.
 */
export interface FeedbackItem {
  id: string;
  key: PairKey;
  labels: Record<string, RowRef>;
}

export type ToShadow =
  | { kind: 'batches'; items: ShadowItem[] }
  | { kind: 'feedback'; id: number; items: FeedbackItem[] }
  /** Close the current window (its outcome comes back as `closed` with this id). */
  | { kind: 'close'; id: number }
  /** Judge the cumulative state (closed windows). */
  | { kind: 'outcome'; id: number }
  /** --stop-shadow-on-fail (`stopped`) or the drain's time ran out (`shutdown`): take no more shadow work, drop what waits. */
  | { kind: 'stop'; reason: ShadowStop }
  /** Answer once no shadow work waits or runs and no window close is being judged. */
  | { kind: 'idle'; id: number }
  /** Start no more model calls; answer once none runs. */
  | { kind: 'halt'; id: number }
  /** The thread's heap in use, in bytes (after a full collection when the process exposes `gc`: tests). */
  | { kind: 'heap'; id: number }
  /** Release the sessions and the comparisons' thread; answer, then the thread can be terminated. */
  | { kind: 'shutdown'; id: number };

/** Counts since the last stats message, for the main thread's metrics (prom-client lives there). */
export interface ShadowStats {
  /**
   * Per shadow arm: rows received with their tensors since the start (a total, not a difference), and rows queued
   * or running in the arm now: what the main thread posted and is not done is its bound's count.
   */
  received: Partial<Record<Arm, number>>;
  queued: Partial<Record<Arm, number>>;
  /** `arm result` → rows (m4_shadow_rows_total). */
  shadowRows: Record<string, number>;
  /** Shadow batches run: arm, rows, seconds. */
  batches: [Arm, number, number][];
  /** `arm node` → errors. */
  nodeErrors: Record<string, number>;
  /** Feedback results other than invalid → labels. */
  feedback: Record<string, number>;
  /** `comparison kind` → rows (m4_comparison_rows_total). */
  compared: Record<string, number>;
  evicted: { expired: number; evicted: number; replaced: number };
  storeSize: number;
  logs: string[];
}

export type FromShadow =
  /** Every session is open: the thread's kernel id (null off Linux) and the scheduling class it got. */
  | { kind: 'ready'; tid: number | null; priority: IdleClass }
  | { kind: 'failed'; message: string; exitCode: number }
  | { kind: 'stats'; stats: ShadowStats }
  /**
   * A window closed: by `close` (id) or because it reached `--window N` pairs (id null). `index`: its number (null:
   * it saw no row, nothing was judged); `at`: when it was cut (epoch ms). The outcomes carry a placeholder meta:
   * the main thread writes the real one (its counts of rows read).
   */
  | { kind: 'closed'; id: number | null; index: number | null; at: number; window: RunOutcome | null; cumulative: RunOutcome | null }
  | { kind: 'reply'; id: number; value?: unknown; error?: string };
