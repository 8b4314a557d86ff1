/** Messages between the main thread and a replay's comparison feed thread (comparison-feed.ts). */
import type { ComparisonTransfer } from '../stdlib/metrics/comparison.ts';
import type { ComparisonSpec } from '../stdlib/metrics/comparison-types.ts';
import type { MessagePort } from 'node:worker_threads';
import type { PackedBatch } from './comparison-packing.ts';

/** The worker's `workerData`. */
export interface FeedInit {
  /** Int32 0: rows fed so far (mod 2^32, notified); Float64 1 + i: rows in comparison i's store. */
  progress: SharedArrayBuffer;
  /** With a bootstrap to come: the resample worker's flag and port (resample-pool.ts `resampleWorkerWiring`). */
  flag?: SharedArrayBuffer;
  port?: MessagePort;
}

/** One batch of one comparison. */
export interface FeedItem {
  name: string;
  batch: PackedBatch;
}

export type ToFeed =
  /** A comparison's accumulator, empty, made for `spec`; `index` numbers its store's row count. */
  | { kind: 'open'; name: string; spec: ComparisonSpec; index: number }
  /** Batches, in the replay's order (several per message: one wake-up of the worker for many). */
  | { kind: 'batches'; items: FeedItem[] }
  /** Every batch has been posted: hand the accumulators back. */
  | { kind: 'finish' };

export type FromFeed =
  /** The accumulators (their stores shared, not copied). */
  | { kind: 'done'; items: { name: string; transfer: ComparisonTransfer }[] }
  /** Feeding failed (nothing is fed after it): an M4Error's exit code, or null for any other error. */
  | { kind: 'error'; message: string; exitCode: number | null };
