/**
 * Predictions awaiting their labels: a bounded, insertion-ordered store with a TTL.
 *
 * Each served row leaves one entry (its request id, row ordinal, and per comparison the two sides and
 * the slice value, one row each). Feedback joins a label to an entry; the entry then leaves the store.
 * Entries older than the TTL, or beyond the capacity (oldest first), are evicted and counted; their
 * ids stay a while as tombstones so late feedback is told `expired`/`evicted` rather than `unknown`.
 */
import { allocData, type Tensor } from '../../stdlib/types.ts';

/** One row of each comparison's side, and its slice value (a one-row tensor each), by comparison index. */
export interface SideRows {
  sides: Tensor[];
  slices: (Tensor | null)[];
}

/** One served row. */
export interface StoredPair {
  id: string;
  rowId: number;
  /** `Date.now()` when stored. */
  at: number;
  control: SideRows | null;
  treatment: SideRows | null;
  /** Why the pair will never complete (the shadow arm's work was dropped, timed out or failed). */
  unpaired: string | null;
  /** A label given before the pair completed (one-row tensor). */
  label: Tensor | null;
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

  /** Store a row (replacing an entry of the same id), evicting what the TTL and capacity require. */
  put(pair: StoredPair): void {
    this.pairs.delete(pair.id);
    this.gone.delete(pair.id);
    this.pairs.set(pair.id, pair);
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
    for (const [id, p] of this.pairs) {
      let reason: 'expired' | 'evicted';
      if (p.at <= limit) reason = 'expired';
      else if (this.pairs.size > this.opts.capacity) reason = 'evicted';
      else break;
      this.pairs.delete(id);
      this.tombstone(id, reason);
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

/** Row `r` of a batch-major tensor as a one-row tensor that owns its data. */
export function rowOf(t: Tensor, r: number): Tensor {
  const w = t.dims[0] === 0 ? 0 : t.data.length / t.dims[0]!;
  const data = t.data.slice(r * w, (r + 1) * w);
  return { dtype: t.dtype, data, dims: [1, ...t.dims.slice(1)] } as Tensor;
}

/** Stack one-row tensors (same dtype and trailing dims) into one batch-major tensor. */
export function stackRows(rows: readonly Tensor[]): Tensor {
  const first = rows[0]!;
  const w = first.data.length;
  const data = allocData(first.dtype, rows.length * w);
  if (Array.isArray(data)) {
    rows.forEach((t, r) => {
      for (let k = 0; k < w; k++) data[r * w + k] = (t.data as string[])[k]!;
    });
  } else {
    rows.forEach((t, r) => (data as Float32Array).set(t.data as Float32Array, r * w));
  }
  return { dtype: first.dtype, data, dims: [rows.length, ...first.dims.slice(1)] } as Tensor;
}
