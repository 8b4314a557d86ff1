/**
 * Predictions awaiting their labels: a bounded, insertion-ordered store with a TTL.
 *
 * Each served row leaves one entry: its request id, row ordinal, index in its batch, and its batch's entry
 * (shared by the batch's rows), which holds per arm the batch's output tensors (the shadow arm runs the same
 * batch, so the index is the same in both). Nothing is copied per row, and a batch's tensors live as long as
 * one of its rows waits. Feedback joins labels to an entry; the entry leaves the store once every label input is labelled.
 * Entries older than the TTL, or beyond the capacity (oldest first), are evicted and counted; their
 * ids stay a while as tombstones so late feedback is told `expired`/`evicted` rather than `unknown`.
 *
 * An entry is keyed by its row ordinal (a number) when the server generated its request id (the id encodes the
 * ordinal, see ServeService), by the client's id (a string) otherwise: the rows of generated ids keep no string
 * alive while they wait (a small integer is no heap object), so with the shadow on each answered row leaves no
 * survivor of its own for the collector to copy.
 *
 * The entries are columns of a ring (typed arrays, and one array each of keys and batch entries), not an
 * object per row: a full store holds ~100,000 rows that each live long enough to reach the old generation,
 * and the collector's work (scavenges copying survivors, full collections marking them) grows with the
 * number of objects it must trace — those pauses are what a request waits for in the store's place.
 */
import { allocData, type Tensor } from '../../stdlib/types.ts';

/** An entry's key: the row ordinal of a generated request id, or the client's own id. */
export type PairKey = string | number;

/** Row `row` of a batch-major tensor (the executor's outputs are never written after a batch returns). */
export interface RowRef {
  tensor: Tensor;
  row: number;
}

/** One served batch, shared by its rows' entries. */
export interface StoredBatch {
  /** Each arm's outputs for the batch (the arm plan's extra outputs included), once that arm ran it. */
  control: Record<string, Tensor> | null;
  treatment: Record<string, Tensor> | null;
  /** Why the batch's pairs will never complete (the shadow arm's work was dropped, timed out or failed). */
  unpaired: string | null;
  /** Rows labelled before the pair completed: joined when the other arm's values arrive. */
  early: LabelledRow[] | null;
}

/** A row given its label, for the labelled accumulators once both arms' values are in. */
export interface LabelledRow {
  id: PairKey;
  rowId: number;
  /** The row's index in its batch. */
  row: number;
  batch: StoredBatch;
  /** The item's labels, by label input. */
  labels: Readonly<Record<string, RowRef>>;
}

/** A stored row, as {@link PairStore.get} describes it. */
export interface StoredRow {
  rowId: number;
  row: number;
  batch: StoredBatch;
  /** The label inputs feedback already labelled this row for, as bits (see ShadowPairing): a second label for one is a duplicate. */
  labelled: number;
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
  onEvict?: (reason: 'expired' | 'evicted' | 'replaced') => void;
}

/** Slots the ring starts with; it doubles as needed up to twice the capacity. */
const FIRST_SLOTS = 1024;

export class PairStore {
  /** id → slot of the ring. */
  private readonly index = new Map<PairKey, number>();
  private readonly gone: Tombstones;
  private readonly now: () => number;
  /**
   * The ring: `used` slots from `head` in insertion (time) order, live entries and holes (entries feedback
   * consumed or a new entry of the same id replaced). At most twice the capacity: when the ring is full of
   * holes and live entries, the oldest live entry is evicted even below the capacity.
   */
  private slots = 0;
  private head = 0;
  private used = 0;
  private live = 0;
  private ids: (PairKey | undefined)[] = [];
  private batches: (StoredBatch | undefined)[] = [];
  private at = new Float64Array(0);
  private rowIds = new Float64Array(0);
  private rows = new Int32Array(0);
  private labelled = new Uint32Array(0);
  private readonly maxSlots: number;

  constructor(private readonly opts: PairStoreOptions) {
    this.gone = new Tombstones(opts.tombstones ?? Math.min(opts.capacity, 100_000));
    this.now = opts.now ?? Date.now;
    this.maxSlots = Math.max(1, opts.capacity * 2);
  }

  get size(): number {
    return this.live;
  }

  /**
   * Store a batch's rows (row `r` of the batch is `rows[r]`; each replaces an entry of the same key), then evict
   * what the TTL and capacity require. `fresh`: the server generated the row's id, which is new to this store; the
   * entry is keyed by `rowId` (see {@link PairKey}), otherwise by `id`.
   */
  put(batch: StoredBatch, rows: readonly { id: string; rowId: number; fresh?: boolean }[]): void {
    const now = this.now();
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      this.putRow(batch, r, row.rowId, row.fresh === true ? null : row.id, now);
    }
    this.sweep();
  }

  /**
   * {@link put} from columns, with no object per row (the shadow's thread stores every answered row, and most of
   * them while the answers are busy): row `r` has ordinal `rowIds[r]` and client id `ids[r]` (null, or `ids` null:
   * the server generated it).
   */
  putColumns(batch: StoredBatch, rowIds: Float64Array, ids: readonly (string | null)[] | null): void {
    const now = this.now();
    for (let r = 0; r < rowIds.length; r++) this.putRow(batch, r, rowIds[r]!, ids === null ? null : ids[r]!, now);
    this.sweep();
  }

  /** Store row `r` of `batch`; `client`: the client's id, or null when the server generated it (keyed by `rowId`). */
  private putRow(batch: StoredBatch, r: number, rowId: number, client: string | null, now: number): void {
    const id: PairKey = client ?? rowId;
    // An id the server generated was never stored: no older entry or tombstone to look for (two lookups in maps
    // of ~100,000 entries each, per row).
    if (client !== null) {
      // A client's id used again: the newer row replaces the older (counted), re-inserted last so the store stays
      // in time order.
      if (this.index.has(id)) {
        this.delete(id);
        this.opts.onEvict?.('replaced');
      }
      this.gone.delete(id);
    }
    if (this.used === this.slots) {
      if (this.slots < this.maxSlots) this.grow();
      else this.evictHead('evicted');
    }
    const slot = (this.head + this.used) % this.slots;
    this.used++;
    this.live++;
    this.ids[slot] = id;
    this.batches[slot] = batch;
    this.at[slot] = now;
    this.rowIds[slot] = rowId;
    this.rows[slot] = r;
    this.labelled[slot] = 0;
    this.index.set(id, slot);
  }

  get(id: PairKey): StoredRow | undefined {
    const slot = this.index.get(id);
    if (slot === undefined) return undefined;
    return { rowId: this.rowIds[slot]!, row: this.rows[slot]!, batch: this.batches[slot]!, labelled: this.labelled[slot]! };
  }

  /**
   * Feedback gave the row of `id` the labels of `bits` (label inputs, see ShadowPairing); it stays until its pair
   * completes and every label input is labelled (a second label for an input is a duplicate). The row's bits now.
   */
  markLabelled(id: PairKey, bits: number): number {
    const slot = this.index.get(id);
    if (slot === undefined) return 0;
    return (this.labelled[slot] = this.labelled[slot]! | bits);
  }

  /** Remove an entry that feedback consumed. */
  delete(id: PairKey): void {
    const slot = this.index.get(id);
    if (slot === undefined) return;
    this.index.delete(id);
    this.clear(slot);
    this.trimHoles();
  }

  /** The reason an id is not in the store. */
  missReason(id: PairKey): FeedbackMiss {
    return this.gone.get(id) ?? 'unknown';
  }

  /** Evict expired entries and those beyond capacity (oldest first). Cheap: stops at the first live entry. */
  sweep(): void {
    const limit = this.now() - this.opts.ttlMs;
    this.trimHoles();
    while (this.used > 0) {
      if (this.at[this.head]! <= limit) this.evictHead('expired');
      else if (this.live > this.opts.capacity) this.evictHead('evicted');
      else break;
    }
  }

  /** Evict the oldest live entry (holes before it are dropped). */
  private evictHead(reason: 'expired' | 'evicted'): void {
    this.trimHoles();
    if (this.used === 0) return;
    const slot = this.head;
    const id = this.ids[slot]!;
    // (Should a client have sent, as its own id, one the server generated later, the newer entry keeps the id.)
    if (this.index.get(id) === slot) this.index.delete(id);
    this.clear(slot);
    this.trimHoles();
    this.tombstone(id, reason);
    this.opts.onEvict?.(reason);
  }

  private clear(slot: number): void {
    this.ids[slot] = undefined;
    this.batches[slot] = undefined; // the batch's tensors may go once no row of it waits
    this.live--;
  }

  /** Drop the holes at the head of the ring. */
  private trimHoles(): void {
    while (this.used > 0 && this.ids[this.head] === undefined) {
      this.head = this.head + 1 === this.slots ? 0 : this.head + 1;
      this.used--;
    }
  }

  /** Double the ring (up to twice the capacity), its entries moved to the front in order. */
  private grow(): void {
    const slots = Math.min(this.maxSlots, Math.max(FIRST_SLOTS, this.slots * 2));
    const ids: (PairKey | undefined)[] = new Array(slots);
    const batches: (StoredBatch | undefined)[] = new Array(slots);
    const at = new Float64Array(slots);
    const rowIds = new Float64Array(slots);
    const rows = new Int32Array(slots);
    const labelled = new Uint32Array(slots);
    for (let k = 0; k < this.used; k++) {
      const from = (this.head + k) % this.slots;
      const id = this.ids[from];
      ids[k] = id;
      batches[k] = this.batches[from];
      at[k] = this.at[from]!;
      rowIds[k] = this.rowIds[from]!;
      rows[k] = this.rows[from]!;
      labelled[k] = this.labelled[from]!;
      if (id !== undefined) this.index.set(id, k);
    }
    this.ids = ids;
    this.batches = batches;
    this.at = at;
    this.rowIds = rowIds;
    this.rows = rows;
    this.labelled = labelled;
    this.slots = slots;
    this.head = 0;
  }

  private tombstone(id: PairKey, reason: 'expired' | 'evicted'): void {
    this.gone.add(id, reason);
  }
}

/**
 * The ids of the last evicted entries and why, oldest forgotten first: a ring of ids with a map for lookups.
 * (Not a Map used as a queue: deleting its oldest key through `keys().next()` walks every deleted entry still
 * in the table's front, ~80 µs per eviction once 100,000 tombstones churn.)
 */
class Tombstones {
  private readonly index = new Map<PairKey, number>();
  private readonly ids: (PairKey | undefined)[] = [];
  private readonly reasons: ('expired' | 'evicted')[] = [];
  private next = 0;

  constructor(private readonly max: number) {}

  add(id: PairKey, reason: 'expired' | 'evicted'): void {
    if (this.max <= 0) return;
    this.delete(id);
    const slot = this.next;
    const old = this.ids[slot];
    if (old !== undefined) this.index.delete(old);
    this.ids[slot] = id;
    this.reasons[slot] = reason;
    this.index.set(id, slot);
    this.next = slot + 1 === this.max ? 0 : slot + 1;
  }

  get(id: PairKey): 'expired' | 'evicted' | undefined {
    const slot = this.index.get(id);
    return slot === undefined ? undefined : this.reasons[slot];
  }

  delete(id: PairKey): void {
    if (this.index.size === 0) return;
    const slot = this.index.get(id);
    if (slot === undefined) return;
    this.index.delete(id);
    this.ids[slot] = undefined;
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
