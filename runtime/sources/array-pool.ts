/**
 * Typed arrays reused from one row group to the next. A Parquet group of the fraud replay decodes
 * into ~12 MB of typed arrays (the 65,536 × 30 floats of `tx`, row starts, offsets, the column
 * chunk's bytes); allocating them afresh for every group made V8 start a full mark-compact every
 * ~64 MB of external memory (20 in a 1M-row replay against 1 from JSONL, ~0.25 s of CPU). The
 * arrays of a group are dead once the next group is decoded (the source copies rows into its
 * batches), so the file hands them back here and takes them again.
 */

type Ctor<T> = new (n: number) => T;
type Typed = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export class ArrayPool {
  private readonly free = new Map<string, Typed[]>();
  private lent: Typed[] = [];

  /**
   * An array of exactly `n` elements of `ctor` (a view of a pooled one when one is large enough);
   * its contents are arbitrary: the caller writes every element it exposes.
   */
  take<T extends Typed>(ctor: Ctor<T>, n: number, track = true): T {
    const list = this.free.get((ctor as unknown as { name: string }).name);
    let base: T | undefined;
    if (list !== undefined) {
      // The smallest free array that fits (groups are mostly the same size: usually the only one).
      let best = -1;
      for (let i = 0; i < list.length; i++) if (list[i]!.length >= n && (best < 0 || list[i]!.length < list[best]!.length)) best = i;
      if (best >= 0) base = list.splice(best, 1)[0] as T;
    }
    base ??= new ctor(n);
    // Untracked: it leaves for another thread and comes back through keep().
    if (track) this.lent.push(base);
    return (base.length === n ? base : base.subarray(0, n)) as T;
  }

  /** Every array taken and not given back is free again (their holders are done with them). */
  reclaim(): void {
    for (const a of this.lent) this.keep(a);
    this.lent = [];
  }

  /** One array taken from this pool (the view {@link take} returned) is free again. */
  give(view: Typed): void {
    const i = this.lent.findIndex((a) => a.buffer === view.buffer);
    if (i < 0) return;
    this.keep(this.lent[i]!);
    this.lent.splice(i, 1);
  }

  /** Arrays taken so far leave the pool for good (handed to another thread). */
  forget(): void {
    this.lent = [];
  }

  /** Add a whole array to the free ones (an array this pool handed out elsewhere, returned). */
  keep(a: Typed): void {
    if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) a = wholeArray(a);
    const name = a.constructor.name;
    const list = this.free.get(name) ?? this.free.set(name, []).get(name)!;
    list.push(a);
    // A file with groups of many sizes keeps only a few arrays per type.
    if (list.length > 8) list.shift();
  }
}

/** The whole array a view was cut from. */
export function wholeArray<T extends Typed>(a: T): T {
  const Ctor = a.constructor as new (b: ArrayBufferLike, offset: number, length: number) => T;
  return new Ctor(a.buffer, 0, a.buffer.byteLength / a.BYTES_PER_ELEMENT);
}
