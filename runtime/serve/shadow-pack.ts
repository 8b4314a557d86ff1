/**
 * The answered batches gathered on the main thread for the shadow arm's thread, packed for one message.
 *
 * Posting each batch's tensors as their own typed arrays made the structured clone allocate and copy one buffer per
 * tensor per batch: ~45 µs on the answers' thread for a message of ten one-row batches (paced traffic), and as many
 * objects to build and collect in the shadow's isolate. Here consecutive batches of one arm and one layout become
 * one item (their rows concatenated, as the shadow arm would concatenate them anyway: shadow-batches.ts), each
 * column copied at once into a scratch array of its own (the answers' buffers are reused, or still read by a
 * batched request's answer), and when the message leaves every numeric column of every item is laid out in ONE
 * ArrayBuffer that is moved to the worker, not copied: the clone then sees one buffer and a few small objects.
 *
 * Refused batches (the shadow work given up: see shadow-admission.ts) join a run of their arm and reason the same
 * way, with only their rows' ordinals and client ids. Parts keep their order: the worker stores and pairs them in
 * the order they were answered.
 */
import type { DType } from '../../plan/tensor-type.ts';
import type { Tensor } from '../../stdlib/types.ts';
import type { Arm } from './arm-plans.ts';
import type { ShadowItem } from './shadow-protocol.ts';

type Typed = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
type TypedCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => Typed;
/** Why a batch's shadow work was given up (null: it goes with its tensors). */
type Unpaired = ShadowItem['unpaired'];

/** The typed array of a numeric dtype (the others are plain arrays: strings, bytes, images). */
const TYPED: Partial<Record<DType, new (n: number) => Typed>> = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  i64: BigInt64Array,
  bool: Uint8Array,
};

/** One tensor's rows, gathered: a scratch typed array that grows (numeric dtypes) or a plain array. */
class Column {
  rows = 0;
  /** Elements used. */
  length = 0;
  private data: Typed | unknown[];

  constructor(
    readonly dtype: DType,
    /** Dims after the first, which every part of the column shares. */
    readonly tail: readonly number[],
    capacity: number,
  ) {
    const T = TYPED[dtype];
    this.data = T === undefined ? [] : new T(Math.max(16, capacity));
  }

  get typed(): boolean {
    return !Array.isArray(this.data);
  }

  /** Bytes the column takes in the message's buffer (0 for a plain array). */
  get bytes(): number {
    return Array.isArray(this.data) ? 0 : this.length * this.data.BYTES_PER_ELEMENT;
  }

  /** Whether a tensor's rows can join this column. */
  fits(t: Tensor): boolean {
    if (t.dtype !== this.dtype || t.dims.length !== this.tail.length + 1) return false;
    for (let k = 1; k < t.dims.length; k++) if (t.dims[k] !== this.tail[k - 1]) return false;
    return true;
  }

  push(t: Tensor, rows: number): void {
    const src = t.data;
    if (Array.isArray(this.data)) {
      for (let i = 0; i < src.length; i++) this.data.push((src as unknown[])[i]);
    } else {
      const need = this.length + src.length;
      if (need > this.data.length) {
        const grown = new (this.data.constructor as new (n: number) => Typed)(Math.max(need, 2 * this.data.length));
        (grown as Float32Array).set(this.data as Float32Array);
        this.data = grown;
      }
      (this.data as Float32Array).set(src as Float32Array, this.length);
    }
    this.length += src.length;
    this.rows += rows;
  }

  /** The column as a tensor; its numeric data copied into `buffer` at `offset`. */
  place(buffer: ArrayBuffer, offset: number): Tensor {
    let data: unknown;
    if (Array.isArray(this.data)) data = this.data;
    else {
      data = new (this.data.constructor as TypedCtor)(buffer, offset, this.length);
      (data as Float32Array).set((this.data as Float32Array).subarray(0, this.length));
    }
    return { dtype: this.dtype, data, dims: [this.rows, ...this.tail] } as Tensor;
  }
}

/** Consecutive batches of one arm: answered ones (unpaired null, with their tensors) or refused ones (ids only). */
interface Part {
  arm: Arm;
  unpaired: Unpaired;
  rows: number;
  rowIds: Column;
  /** Client ids (null: an id the server generated), or null while every id is generated. */
  ids: (string | null)[] | null;
  /** Input and compared output columns (answered parts); an input absent from the batches is undefined. */
  inputs: Map<string, Column | undefined> | null;
  values: Map<string, Column> | null;
}

const ALIGN = 8;
const aligned = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** The gathered parts of the next message to the shadow arm's thread. */
export class ShadowPack {
  private parts: Part[] = [];
  /** Rows gathered with their tensors. */
  rows = 0;

  /** `maxRows`: an answered part holds at most this many rows (the shadow's batch bound: --max-batch). */
  constructor(private readonly maxRows: number) {}

  get empty(): boolean {
    return this.parts.length === 0;
  }

  /**
   * An answered batch's rows, with its input tensors and the answering arm's compared outputs (every tensor has
   * `n` rows), copied now.
   */
  add(
    arm: Arm,
    n: number,
    rowIds: Float64Array,
    ids: readonly (string | null)[] | null,
    inputs: Readonly<Record<string, Tensor | undefined>>,
    values: Readonly<Record<string, Tensor>>,
  ): void {
    let part = this.parts[this.parts.length - 1];
    if (part === undefined || part.arm !== arm || part.unpaired !== null || part.rows + n > this.maxRows || !sameLayout(part, inputs, values)) {
      part = { arm, unpaired: null, rows: 0, rowIds: new Column('f64', [], this.maxRows), ids: null, inputs: new Map(), values: new Map() };
      for (const name in inputs) {
        const t = inputs[name];
        part.inputs!.set(name, t === undefined ? undefined : new Column(t.dtype, t.dims.slice(1), this.maxRows * rowWidth(t)));
      }
      for (const name in values)
        part.values!.set(name, new Column(values[name]!.dtype, values[name]!.dims.slice(1), this.maxRows * rowWidth(values[name]!)));
      this.parts.push(part);
    }
    for (const [name, c] of part.inputs!) if (c !== undefined) c.push(inputs[name]!, n);
    for (const [name, c] of part.values!) c.push(values[name]!, n);
    this.addRows(part, n, rowIds, ids);
    this.rows += n;
  }

  /** A refused batch's rows (ordinals and client ids only), joining the last part when it is a run of `arm` and `reason`. */
  refuse(arm: Arm, reason: NonNullable<Unpaired>, rowIds: Float64Array, ids: readonly (string | null)[] | null): void {
    let part = this.parts[this.parts.length - 1];
    if (part === undefined || part.arm !== arm || part.unpaired !== reason) {
      part = { arm, unpaired: reason, rows: 0, rowIds: new Column('f64', [], 64), ids: null, inputs: null, values: null };
      this.parts.push(part);
    }
    this.addRows(part, rowIds.length, rowIds, ids);
  }

  private addRows(part: Part, n: number, rowIds: Float64Array, ids: readonly (string | null)[] | null): void {
    if (ids !== null && part.ids === null) part.ids = new Array<string | null>(part.rows).fill(null);
    if (part.ids !== null) for (let r = 0; r < n; r++) part.ids.push(ids === null ? null : ids[r]!);
    part.rowIds.push({ dtype: 'f64', data: rowIds.length === n ? rowIds : rowIds.subarray(0, n), dims: [n] }, n);
    part.rows += n;
  }

  /**
   * The gathered parts as items, their numeric columns in one buffer (to transfer: nothing else holds it), and the
   * pack emptied.
   */
  take(): { items: ShadowItem[]; transfer: ArrayBuffer[] } {
    let bytes = 0;
    for (const part of this.parts) for (const c of columns(part)) if (c.typed) bytes = aligned(bytes) + c.bytes;
    const buffer = new ArrayBuffer(aligned(bytes));
    let at = 0;
    const place = (c: Column): Tensor => {
      if (!c.typed) return c.place(buffer, 0);
      at = aligned(at);
      const t = c.place(buffer, at);
      at += c.bytes;
      return t;
    };
    const items: ShadowItem[] = this.parts.map((part) => {
      const rowIds = place(part.rowIds).data as Float64Array;
      let inputs: Record<string, Tensor | undefined> | null = null;
      let values: Record<string, Tensor> | null = null;
      if (part.inputs !== null) {
        inputs = {};
        for (const [name, c] of part.inputs) inputs[name] = c === undefined ? undefined : place(c);
      }
      if (part.values !== null) {
        values = {};
        for (const [name, c] of part.values) values[name] = place(c);
      }
      return { arm: part.arm, rowIds, ids: part.ids, inputs, values, unpaired: part.unpaired };
    });
    this.parts = [];
    this.rows = 0;
    return { items, transfer: buffer.byteLength > 0 ? [buffer] : [] };
  }
}

function* columns(part: Part): Generator<Column> {
  yield part.rowIds;
  if (part.inputs !== null) for (const c of part.inputs.values()) if (c !== undefined) yield c;
  if (part.values !== null) yield* part.values.values();
}

/** Whether a batch's tensors can join a part: the same names, presence, dtypes and trailing dims. */
function sameLayout(part: Part, inputs: Readonly<Record<string, Tensor | undefined>>, values: Readonly<Record<string, Tensor>>): boolean {
  let n = 0;
  for (const name in inputs) {
    n++;
    if (!part.inputs!.has(name)) return false;
    const c = part.inputs!.get(name);
    const t = inputs[name];
    if (c === undefined || t === undefined ? c !== t : !c.fits(t)) return false;
  }
  if (n !== part.inputs!.size) return false;
  n = 0;
  for (const name in values) {
    n++;
    const c = part.values!.get(name);
    if (c === undefined || !c.fits(values[name]!)) return false;
  }
  return n === part.values!.size;
}

function rowWidth(t: Tensor): number {
  return t.dims[0] === 0 ? 0 : t.data.length / t.dims[0]!;
}

/**
 * A tensor of a received item as the worker keeps it: a numeric view into the message's buffer is copied to a
 * buffer of its own, so what outlives the shadow run (the answering arm's outputs, in the label store) does not
 * hold the whole message, inputs included.
 */
export function own(t: Tensor): Tensor {
  const d = t.data;
  if (Array.isArray(d) || (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength)) return t;
  return { dtype: t.dtype, data: (d as Float32Array).slice(), dims: t.dims } as Tensor;
}
