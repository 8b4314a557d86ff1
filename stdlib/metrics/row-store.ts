/**
 * The rows kept for ranking metrics (AUROC, AUPRC, Spearman, KS, PSI, DeLong, ROC/PR curves):
 * row ids, both models' scores, labels and slice indices in growable typed arrays.
 *
 * Scores stay float32 while every value is exactly a float32 (what ONNX models emit) and switch to
 * float64 on the first value that is not: exact either way, at half the memory in the common case.
 * Rankings never depend on row order, so a merged store gives bit-for-bit the metrics of one pass.
 */
import type { ValidRows } from './metric-family.ts';
import { argsortColumn } from './radix-sort.ts';
import type { StoreState } from './comparison-types.ts';
import { decodeF32, decodeF64, decodeU32, decodeU8, encodeArray, MetricsStateError } from './state-codec.ts';

/** Slice index of rows whose slice value arrived after the slice table was full. */
export const OVERFLOW_SLICE = 0xffffffff;

export type StoredScores = Float32Array | Float64Array;

/** How labels are stored: binary 0/1, a class index, a regression target, or no labels. */
export type LabelKind = 'binary' | 'class' | 'value' | 'none';

type TypedCtor<T> = { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };

/**
 * A zeroed array of `length` elements on a SharedArrayBuffer. The stored rows (and the rankings built
 * from them) are read by the bootstrap's worker threads: a shared buffer reaches a worker without
 * being copied, where a plain one would be cloned per worker (17 B per row each, at the peak).
 */
export function sharedArray<T>(Ctor: TypedCtor<T>, length: number): T {
  return new Ctor(new SharedArrayBuffer(length * Ctor.BYTES_PER_ELEMENT));
}

/**
 * Rows from which the store's arrays grow in place. Below, plain shared arrays, doubled by copying;
 * from here on, shared buffers that reserve address space up to {@link MAX_BYTES} and grow inside it
 * (pages are committed as rows are written): a copying growth would leave the previous generation —
 * half the store — as garbage that V8 collects late, on top of the replay's peak.
 */
const IN_PLACE_FROM = 1 << 16;
/** The largest buffer Node makes (`buffer.constants.MAX_LENGTH` on 64-bit Node 20): a reservation, not memory. */
const MAX_BYTES = 2 ** 32;

/** An ES2024 growable SharedArrayBuffer (Node 20 has them; the project's TypeScript lib is ES2023). */
interface GrowableBuffer extends SharedArrayBuffer {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(byteLength: number): void;
}
const GrowableBuffer = SharedArrayBuffer as unknown as new (byteLength: number, opts: { maxByteLength: number }) => GrowableBuffer;

type Growing = Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array;

/** A zeroed shared array of `length` elements on a buffer that can grow in place; null when the address space cannot be reserved. */
function growableArray<T extends Growing>(Ctor: TypedCtor<T> & (new (b: SharedArrayBuffer, at: number, n: number) => T), length: number): T | null {
  try {
    return new Ctor(new GrowableBuffer(length * Ctor.BYTES_PER_ELEMENT, { maxByteLength: MAX_BYTES }), 0, length);
  } catch {
    return null;
  }
}

/** A zeroed shared array of `length` elements, growable in place when the store is large. */
function storeArray<T extends Growing>(Ctor: TypedCtor<T> & (new (b: SharedArrayBuffer, at: number, n: number) => T), length: number): T {
  return (length >= IN_PLACE_FROM ? growableArray(Ctor, length) : null) ?? sharedArray(Ctor, length);
}

/**
 * `a` (of which the first `used` elements matter) with room for `cap` elements: the same memory grown
 * in place when its buffer allows, else a copy — into a growable buffer once the store is large.
 */
function withRoom<T extends Growing>(a: T, used: number, cap: number): T {
  const Ctor = a.constructor as TypedCtor<T> & (new (b: SharedArrayBuffer, at: number, n: number) => T);
  const bytes = cap * Ctor.BYTES_PER_ELEMENT;
  const buf = a.buffer as GrowableBuffer;
  if (buf instanceof SharedArrayBuffer && buf.growable === true && a.byteOffset === 0 && bytes <= buf.maxByteLength) {
    if (bytes > buf.byteLength) buf.grow(bytes);
    return new Ctor(buf, 0, cap);
  }
  const out = storeArray(Ctor, cap);
  out.set(a.subarray(0, used) as never);
  return out;
}

function newLabels(kind: LabelKind, n: number): Uint8Array | Uint32Array | Float64Array | null {
  return kind === 'none'
    ? null
    : kind === 'binary'
      ? sharedArray(Uint8Array, n)
      : kind === 'class'
        ? sharedArray(Uint32Array, n)
        : sharedArray(Float64Array, n);
}

/** Slice indices in the narrowest type that holds them; the type's largest value stands for {@link OVERFLOW_SLICE}. */
export type StoredSlices = Uint8Array | Uint16Array | Uint32Array;

/** The stand-in for {@link OVERFLOW_SLICE} in `a` (its type's largest value). */
export function overflowIn(a: StoredSlices): number {
  return a instanceof Uint8Array ? 0xff : a instanceof Uint16Array ? 0xffff : OVERFLOW_SLICE;
}

function sliceArray(maxIndex: number, n: number): StoredSlices {
  return maxIndex < 0xff ? sharedArray(Uint8Array, n) : maxIndex < 0xffff ? sharedArray(Uint16Array, n) : sharedArray(Uint32Array, n);
}

/** A {@link RowStore}'s fields, as {@link RowStore.toShared} hands them to another thread. */
export interface SharedRows {
  n: number;
  cap: number;
  width: number;
  labelKind: LabelKind;
  hasSlices: boolean;
  scoreType: 'f32' | 'f64';
  control: StoredScores;
  treatment: StoredScores;
  label: Uint8Array | Uint32Array | Float64Array | null;
  slice: StoredSlices | null;
  ids: Float64Array | null;
  idBase: number;
}

/**
 * The stored rows. Per row: both scores (float32 while they are exact, else float64), the label in
 * the narrowest type of its kind, the slice index in the narrowest type that holds every index seen
 * (1 B below 255 slices) and the row id — kept as one number while the ids are consecutive (a whole
 * replay in order: ids first, first + 1, …), so they take no memory per row until a gap or an
 * out-of-order id arrives (a skipped row, a shard's interleaved rows, a merge).
 */
export class RowStore {
  n = 0;
  scoreType: 'f32' | 'f64' = 'f32';
  control: StoredScores;
  treatment: StoredScores;
  /** Binary: 0/1 (one byte each); multiclass: class index; regression: the target. */
  label: Uint8Array | Uint32Array | Float64Array | null;
  /** Slice index per row (see {@link StoredSlices}); null without slices. */
  slice: StoredSlices | null;
  /** Row ids, or null while row i's id is `idBase + i`. */
  private ids: Float64Array | null = null;
  /** True once {@link spendControl} gave the control scores' memory away. */
  private controlSpent = false;
  private idBase = 0;
  private cap: number;

  constructor(
    readonly width: number,
    readonly labelKind: LabelKind,
    readonly hasSlices: boolean,
    capacity = 1024,
  ) {
    this.cap = capacity;
    this.control = sharedArray(Float32Array, capacity * width);
    this.treatment = sharedArray(Float32Array, capacity * width);
    this.label = newLabels(labelKind, capacity);
    this.slice = hasSlices ? sharedArray(Uint8Array, capacity) : null;
  }

  get capacity(): number {
    return this.cap;
  }

  /** True while the ids are consecutive and kept as one number (none stored per row). */
  get consecutiveIds(): boolean {
    return this.ids === null;
  }

  /**
   * The row ids as the bootstrap reads them (resample-tiles.ts `RowIds`): a view of the stored ids,
   * or, while they are consecutive, the first one alone (nothing written out per row).
   */
  resampleIds(): Float64Array | { base: number } {
    return this.ids === null ? { base: this.idBase } : this.ids.subarray(0, this.n);
  }

  /**
   * The row ids of rows 0..n-1: a view of the stored ids, or (consecutive ids) an array of them —
   * written into `into` (a free buffer on shared memory of at least 8n bytes) when given, else new.
   */
  rowIds(into: Uint32Array | null = null): Float64Array {
    if (this.ids !== null) return this.ids.subarray(0, this.n);
    const out =
      into !== null && into.buffer instanceof SharedArrayBuffer && into.byteLength >= 8 * this.n && into.byteOffset % 8 === 0
        ? new Float64Array(into.buffer, into.byteOffset, this.n)
        : sharedArray(Float64Array, this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.idBase + i;
    return out;
  }

  /** Store the ids explicitly from now on (capacity `cap`). */
  private materializeIds(cap: number): Float64Array {
    if (this.ids === null) {
      const ids = storeArray(Float64Array, cap);
      for (let i = 0; i < this.n; i++) ids[i] = this.idBase + i;
      this.ids = ids;
    }
    return this.ids;
  }

  /** Append `ids[0..m)` as rows n..n+m-1 (room already made). */
  private appendIds(ids: Float64Array, m: number): void {
    if (m === 0) return;
    if (this.ids === null) {
      if (this.n === 0) this.idBase = ids[0]!;
      let run = true;
      for (let i = 0; i < m && run; i++) run = ids[i] === this.idBase + this.n + i;
      if (run) return;
      this.materializeIds(this.cap);
    }
    this.ids!.set(ids.subarray(0, m), this.n);
  }

  /** Throw when the control scores were spent: the store serves nothing but the final result's resamples. */
  private usable(): void {
    if (this.controlSpent) throw new MetricsStateError('the stored rows were spent by the final result');
  }

  /** True once the final result spent the control scores ({@link spendControl}). */
  get spent(): boolean {
    return this.controlSpent;
  }

  /**
   * Give the control scores' memory to the final result (comparison-result.ts): once the control
   * column is ranked its values are the ranking's tie groups, and nothing else that result reads
   * needs them by row (it checks the resamples do not: resample-engine.ts `resamplesReadControl`).
   * Returns their buffer as `words` 32-bit words for the caller to overwrite (the treatment's sort,
   * DeLong's numerators: 4 B per row less at the result phase's peak), or null when the scores are not
   * one float32 column or the buffer has no room for `words`. The store is spent from then on: the
   * control scores read as empty, and adding rows, merging, reordering and saving the state throw.
   */
  spendControl(words: number): Uint32Array | null {
    const c = this.control;
    if (this.controlSpent || this.width !== 1 || !(c instanceof Float32Array) || c.byteOffset !== 0 || c.buffer.byteLength < 4 * words) return null;
    this.control = new Float32Array(0);
    this.controlSpent = true;
    return new Uint32Array(c.buffer, 0, words);
  }

  private grow(min: number): void {
    let cap = Math.max(1024, this.capacity);
    while (cap < min) cap *= 2;
    if (cap === this.capacity) return;
    const w = this.width,
      n = this.n;
    if (this.ids !== null) this.ids = withRoom(this.ids, n, cap);
    this.control = withRoom(this.control, n * w, cap * w);
    this.treatment = withRoom(this.treatment, n * w, cap * w);
    if (this.label !== null) this.label = withRoom(this.label, n, cap);
    if (this.slice !== null) this.slice = withRoom(this.slice, n, cap);
    this.cap = cap;
  }

  /** `a`'s first n slice indices in an array of `cap` of the type holding indices up to `maxIndex`. */
  private resliced(a: StoredSlices, cap: number, maxIndex = 0): StoredSlices {
    const from = overflowIn(a);
    const out = sliceArray(Math.max(maxIndex, from - 1), cap);
    const to = overflowIn(out);
    if (to === from) out.set(a.subarray(0, this.n));
    else for (let i = 0; i < this.n; i++) out[i] = a[i] === from ? to : a[i]!;
    return out;
  }

  /** Append slice indices (`OVERFLOW_SLICE` for the overflow) as rows n..n+m-1, widening the type when an index needs it. */
  private appendSlices(src: ArrayLike<number>, m: number, map: Uint32Array | null): void {
    let top = -1;
    for (let i = 0; i < m; i++) {
      const s = src[i]!;
      if (s !== OVERFLOW_SLICE) top = Math.max(top, map === null ? s : map[s]!);
    }
    if (top >= overflowIn(this.slice!)) this.slice = this.resliced(this.slice!, this.cap, top);
    const dst = this.slice!,
      over = overflowIn(dst);
    for (let i = 0; i < m; i++) {
      const s = src[i]!;
      dst[this.n + i] = s === OVERFLOW_SLICE ? over : map === null ? s : map[s]!;
    }
  }

  /** Switch scores to float64 (once, irreversible). */
  private widen(): void {
    if (this.scoreType === 'f64') return;
    const wide = (a: StoredScores): Float64Array => {
      const b = storeArray(Float64Array, a.length);
      b.set(a);
      return b;
    };
    this.control = wide(this.control);
    this.treatment = wide(this.treatment);
    this.scoreType = 'f64';
  }

  /**
   * Append valid rows. `allF32` promises every score is exactly a float32 (the batch arrived as
   * Float32Array); otherwise it is checked.
   */
  append(rows: ValidRows, rowIds: Float64Array, slice: Uint32Array | null, allF32: boolean): void {
    this.usable();
    const n = rows.n,
      w = this.width;
    if (n === 0) return;
    if (this.n + n > this.capacity) this.grow(this.n + n);
    if (this.scoreType === 'f32' && !allF32 && !fitsF32(rows.control, n * w)) this.widen();
    if (this.scoreType === 'f32' && !allF32 && !fitsF32(rows.treatment, n * w)) this.widen();
    this.appendIds(rowIds, n);
    this.control.set(rows.control.subarray(0, n * w), this.n * w);
    this.treatment.set(rows.treatment.subarray(0, n * w), this.n * w);
    if (this.label !== null) {
      if (rows.label === null) throw new MetricsStateError('row store expects labels');
      this.label.set(rows.label.subarray(0, n), this.n);
    }
    if (this.slice !== null) {
      if (slice === null) throw new MetricsStateError('row store expects slice indices');
      this.appendSlices(slice, n, null);
    }
    this.n += n;
  }

  /** Append another store's rows; `sliceMap[i]` is this store's index of the other's slice i. */
  merge(o: RowStore, sliceMap: Uint32Array | null): void {
    this.usable();
    o.usable();
    if (o.width !== this.width || o.labelKind !== this.labelKind || o.hasSlices !== this.hasSlices) {
      throw new MetricsStateError('cannot merge row stores of different shapes');
    }
    if (o.n === 0) return;
    if (o.scoreType === 'f64') this.widen();
    if (this.n + o.n > this.capacity) this.grow(this.n + o.n);
    const w = this.width;
    this.appendIds(o.rowIds(), o.n);
    this.control.set(o.control.subarray(0, o.n * w), this.n * w);
    this.treatment.set(o.treatment.subarray(0, o.n * w), this.n * w);
    if (this.label !== null) this.label.set(o.label!.subarray(0, o.n) as never, this.n);
    if (this.slice !== null) {
      const from = o.slice!,
        over = overflowIn(from);
      const logical = new Uint32Array(o.n);
      for (let i = 0; i < o.n; i++) logical[i] = from[i] === over ? OVERFLOW_SLICE : from[i]!;
      this.appendSlices(logical, o.n, sliceMap);
    }
    this.n += o.n;
  }

  /**
   * Reorder the rows by row id (a no-op when they already are, as after one ordered pass). Every
   * computation over stored rows then sums in the same order however the rows were sharded and
   * merged, so merged results equal one pass bit-for-bit.
   */
  canonicalize(): void {
    this.usable();
    const n = this.n,
      ids = this.ids;
    if (ids === null) return;
    let sorted = true;
    for (let i = 1; i < n; i++)
      if (ids[i]! < ids[i - 1]!) {
        sorted = false;
        break;
      }
    if (sorted) return;
    const { order } = argsortColumn(ids.subarray(0, n), 1, 0, null, n);
    const w = this.width;
    const gather = <T extends Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array>(a: T, width: number): T => {
      const out = sharedArray(a.constructor as TypedCtor<T>, a.length);
      for (let j = 0; j < n; j++) {
        const src = order[j]! * width;
        for (let c = 0; c < width; c++) out[j * width + c] = a[src + c]!;
      }
      return out;
    };
    this.ids = gather(ids, 1);
    this.control = gather(this.control, w);
    this.treatment = gather(this.treatment, w);
    if (this.label !== null) this.label = gather(this.label, 1);
    if (this.slice !== null) this.slice = gather(this.slice, 1);
  }

  /** Scores of one model, n × width row-major (a view, not a copy). */
  scores(side: 'control' | 'treatment'): StoredScores {
    if (side === 'control') this.usable();
    const a = side === 'control' ? this.control : this.treatment;
    return a.subarray(0, this.n * this.width);
  }

  /**
   * The store as its arrays (shared memory: sent to another thread, they are not copied), for
   * {@link RowStore.fromShared} there. The store must not be used here afterwards.
   */
  toShared(): SharedRows {
    return {
      n: this.n,
      cap: this.cap,
      width: this.width,
      labelKind: this.labelKind,
      hasSlices: this.hasSlices,
      scoreType: this.scoreType,
      control: this.control,
      treatment: this.treatment,
      label: this.label,
      slice: this.slice,
      ids: this.ids,
      idBase: this.idBase,
    };
  }

  /** The store {@link RowStore.toShared} gave (on another thread): the same arrays, not copies. */
  static fromShared(s: SharedRows): RowStore {
    const st = new RowStore(s.width, s.labelKind, s.hasSlices, 0);
    st.n = s.n;
    st.cap = s.cap;
    st.scoreType = s.scoreType;
    st.control = s.control;
    st.treatment = s.treatment;
    st.label = s.label;
    st.slice = s.slice;
    st.ids = s.ids;
    st.idBase = s.idBase;
    return st;
  }

  toState(): StoreState {
    this.usable();
    const w = this.width;
    let slice: StoreState['slice'] = null;
    if (this.slice !== null) {
      // The state keeps 32-bit indices (OVERFLOW_SLICE as itself), whatever the type in memory.
      const over = overflowIn(this.slice);
      const wide = new Uint32Array(this.n);
      for (let i = 0; i < this.n; i++) wide[i] = this.slice[i] === over ? OVERFLOW_SLICE : this.slice[i]!;
      slice = encodeArray(wide);
    }
    return {
      n: this.n,
      scoreType: this.scoreType,
      rowIds: encodeArray(this.rowIds()),
      control: encodeArray(this.control.subarray(0, this.n * w)),
      treatment: encodeArray(this.treatment.subarray(0, this.n * w)),
      label: this.label === null ? null : encodeArray(this.label.subarray(0, this.n)),
      slice,
    };
  }

  static fromState(width: number, labelKind: LabelKind, hasSlices: boolean, s: StoreState): RowStore {
    if (s === null || typeof s !== 'object' || !Number.isInteger(s.n) || s.n < 0) throw new MetricsStateError('store state: bad row count');
    const st = new RowStore(width, labelKind, hasSlices, Math.max(1, s.n));
    const check = (len: number, want: number, what: string): void => {
      if (len !== want) throw new MetricsStateError(`store state: ${what} has ${len} values, expected ${want}`);
    };
    const ids = decodeF64(s.rowIds);
    check(ids.length, s.n, 'rowIds');
    if (s.scoreType === 'f64') {
      st.control = decodeF64(s.control);
      st.treatment = decodeF64(s.treatment);
      st.scoreType = 'f64';
    } else {
      st.control = decodeF32(s.control);
      st.treatment = decodeF32(s.treatment);
    }
    check(st.control.length, s.n * width, 'control');
    check(st.treatment.length, s.n * width, 'treatment');
    if (labelKind !== 'none') {
      if (s.label === null) throw new MetricsStateError('store state: labels missing');
      st.label = labelKind === 'binary' ? decodeU8(s.label) : labelKind === 'class' ? decodeU32(s.label) : decodeF64(s.label);
      check(st.label.length, s.n, 'label');
    }
    let slices: Uint32Array | null = null;
    if (hasSlices) {
      if (s.slice === null) throw new MetricsStateError('store state: slices missing');
      slices = decodeU32(s.slice);
      check(slices.length, s.n, 'slice');
    }
    // Ids and slices through the appends, which pick their compact forms.
    st.appendIds(ids, s.n);
    if (slices !== null) st.appendSlices(slices, s.n, null);
    st.n = s.n;
    // The decoded score arrays hold exactly n rows: the next append grows them.
    st.cap = s.n;
    return st;
  }
}

function fitsF32(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const v = a[i]!;
    if (Math.fround(v) !== v) return false;
  }
  return true;
}
