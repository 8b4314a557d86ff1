/**
 * The buffers a model host copies its feeds into before posting them to its worker, reused once the
 * worker hands them back. Why: a feed of the fraud replay is a 1,024 × 30 float32 batch (120 KB), just
 * under glibc malloc's 128 KB mmap threshold, so every copy came from the main malloc heap; the worker
 * freed it only at its own garbage collections (rare: its JavaScript heap hardly grows), by which time tens
 * of MB of them were interleaved with live memory, and glibc keeps a freed middle of its heap for good
 * (docs/performance.md, "Memory of the main job"). With the copies recycled, a replay allocates a few of them
 * in all instead of one per model call.
 *
 * Bounded: a few arrays per (type, length) and a few lengths, so a replay whose batch sizes vary keeps
 * no more than a handful of batches' worth.
 */
import { isWholeBuffer } from './worker-protocol.ts';

/** The typed arrays a feed's data can be (every dtype but `str`, `bytes` and `image`). */
export type FeedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export class FeedPool {
  private readonly free = new Map<string, FeedArray[]>();

  /**
   * @param perSize free arrays kept per (type, length): about the runs a host has in flight at once
   * @param sizes (type, length) pairs kept; the oldest is dropped first
   */
  constructor(
    private readonly perSize = 4,
    private readonly sizes = 4,
  ) {}

  /** A copy of `src` in an array that owns its whole (plain) buffer, so it can be transferred. */
  copyOf<T extends FeedArray>(src: T): T {
    const free = this.free.get(keyOf(src));
    const got = free?.pop() as T | undefined;
    if (got === undefined) return src.slice() as T; // a slice owns a fresh plain buffer, even of a shared one
    got.set(src as never);
    return got;
  }

  /** An array nothing reads any more (a feed the worker has finished with), free for {@link copyOf}. */
  give(a: FeedArray): void {
    // A detached buffer (length 0 then) or a view is of no use: only whole plain buffers can be posted again.
    if (a.length === 0 || !isWholeBuffer(a)) return;
    const key = keyOf(a);
    let free = this.free.get(key);
    if (free === undefined) {
      if (this.free.size >= this.sizes) this.free.delete(this.free.keys().next().value!);
      free = [];
      this.free.set(key, free);
    }
    if (free.length < this.perSize) free.push(a);
  }

  /** Free arrays held, for tests. */
  get held(): number {
    let n = 0;
    for (const list of this.free.values()) n += list.length;
    return n;
  }
}

function keyOf(a: FeedArray): string {
  return `${a.constructor.name}:${a.length}`;
}
