/**
 * Predictions awaiting their labels: a bounded, insertion-ordered store with a TTL.
 *
 * Each served row leaves one entry: its request id, row ordinal, index in its batch, and per arm the
 * batch's output tensors (the shadow arm runs the same batch, so the index is the same in both). Nothing is
 * copied per row, and a batch's tensors live as long as one of its rows waits. Feedback joins a label to an entry; the entry then leaves the store.
 * Entries older than the TTL, or beyond the capacity (oldest first), are evicted and counted; their
 * ids stay a while as tombstones so late feedback is told `expired`/`evicted` rather than `unknown`.
 */
import { allocData, type Tensor } from '../../stdlib/types.ts';

/** Row `row` of a batch-major tensor (the executor's outputs are never written after a batch returns). */
export interface RowRef {
  tensor: Tensor;
  row: number;
}

/** One served row. */
export interface StoredPair {
  id: string;
  rowId: number;
  /** `Date.now()` when stored. */
  at: number;
  /** The row's index in its batch. */
  row: number;
  /** Each arm's outputs for the batch (the arm plan's extra outputs included), once that arm ran it. */
  control: Record<string, Tensor> | null;
  treatment: Record<string, Tensor> | null;
  /** Why the pair will never complete (the shadow arm's work was dropped, timed out or failed). */
  unpaired: string | null;
  /** A label given before the pair completed. */
  label: RowRef | null;
}

/** Why feedback for an id did not join: the `result` label of `m4_feedback_total`. */
export type FeedbackMiss = 'unknown' | 'expired' | 'evicted' | 'duplicate' | 'unpaired';

export interface PairStoreOptions {
  ttlMs: number;
  capacity: number;
  /** Tombstones kept (default min(capacity, 100 000)). */
  tombstones?: number;
  now?: () => number;
  /** Called for each entry evicted (TTL or capacity). */
  onEvict?: (reason: 'expired' | 'evicted', pair: StoredPair) => void;
}

export class PairStore {
  private readonly pairs = new Map<string, StoredPair>();
  private readonly gone = new Map<string, 'expired' | 'evicted'>();
  private readonly maxTombstones: number;
  private readonly now: () => number;

  constructor(private readonly opts: PairStoreOptions) {
    this.maxTombstones = opts.tombstones ?? Math.min(opts.capacity, 100_000);
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.pairs.size;
  }

  /** Store rows (each replacing an entry of the same id), then evict what the TTL and capacity require. */
  put(pairs: readonly StoredPair[]): void {
    for (const pair of pairs) {
      if (this.pairs.has(pair.id)) this.pairs.delete(pair.id); // re-inserted last: the store stays in time order
      if (this.gone.size > 0) this.gone.delete(pair.id);
      this.pairs.set(pair.id, pair);
    }
    this.sweep();
  }

  get(id: string): StoredPair | undefined {
    return this.pairs.get(id);
  }

  /** Remove an entry that feedback consumed. */
  delete(id: string): void {
    this.pairs.delete(id);
  }

  /** The reason an id is not in the store. */
  missReason(id: string): FeedbackMiss {
    return this.gone.get(id) ?? 'unknown';
  }

  /** Evict expired entries and those beyond capacity (oldest first). Cheap: stops at the first live entry. */
  sweep(): void {
    const limit = this.now() - this.opts.ttlMs;
    for (const p of this.pairs.values()) {
      let reason: 'expired' | 'evicted';
      if (p.at <= limit) reason = 'expired';
      else if (this.pairs.size > this.opts.capacity) reason = 'evicted';
      else break;
      this.pairs.delete(p.id);
      this.tombstone(p.id, reason);
      this.opts.onEvict?.(reason, p);
    }
  }

  private tombstone(id: string, reason: 'expired' | 'evicted'): void {
    this.gone.set(id, reason);
    if (this.gone.size > this.maxTombstones) {
      const oldest = this.gone.keys().next().value;
      if (oldest !== undefined) this.gone.delete(oldest);
    }
  }
}

/** Stack rows (same dtype and trailing dims) into one batch-major tensor. */
export function stackRows(rows: readonly RowRef[]): Tensor {
  const first = rows[0]!.tensor;
  const w = rowWidth(first);
  const data = allocData(first.dtype, rows.length * w);
  if (Array.isArray(data)) {
    for (let r = 0; r < rows.length; r++) {
      const { tensor, row } = rows[r]!;
      for (let k = 0; k < w; k++) data[r * w + k] = (tensor.data as string[])[row * w + k]!;
    }
  } else {
    for (let r = 0; r < rows.length; r++) {
      const { tensor, row } = rows[r]!;
      (data as Float32Array).set((tensor.data as Float32Array).subarray(row * w, (row + 1) * w), r * w);
    }
  }
  return { dtype: first.dtype, data, dims: [rows.length, ...first.dims.slice(1)] } as Tensor;
}

function rowWidth(t: Tensor): number {
  return t.dims[0] === 0 ? 0 : t.data.length / t.dims[0]!;
}
