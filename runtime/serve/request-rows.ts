/**
 * Request bodies → rows of tensors, through the same data-source mapping as replay rows (`from` paths,
 * nested fields, `?` dims, optional inputs, dtype checks): a `/v1/predict` row is a replay row.
 *
 * Each row is checked and written on its own (one row per array), so one bad row names itself; the
 * batcher later concatenates rows that share a layout (same optional inputs present, same dims).
 */
import type { PlanInput } from '../../plan/plan-types.ts';
import { formatType } from '../../plan/tensor-type.ts';
import { allocData, type TensorData } from '../../stdlib/types.ts';
import type { DType } from '../../plan/tensor-type.ts';
import { BadRow } from '../sources/bad-row.ts';
import { planSlots, type InputSlot, type SourceLayout } from '../sources/input-layout.ts';
import { observeSlot, writeObjectSlot } from '../sources/jsonl-format.ts';
import { layoutFromObservation, type SlotObservation } from '../sources/layout-discovery.ts';
import type { Batch } from '../batch.ts';

/** One request row, parsed: its layout and one array per present slot, each holding one row. */
export interface RequestRow {
  layout: SourceLayout;
  /** Rows with equal keys can share a batch. */
  key: string;
  data: TensorData[];
}

/** Why a request is refused (HTTP 400), as its JSON body says it. */
export interface BadInput {
  error: 'bad-input';
  /** A bad-row reason (`missing-field`, `wrong-length`, `nan`, ...) or `bad-body`. */
  reason: string;
  /** Index of the row in `rows` (0 for `inputs`). */
  row: number;
  /** The graph input, the data field(s) it reads, and the type the input declares. */
  input: string | null;
  field: string | null;
  expected: string | null;
  detail: string;
}

/** Builds request rows for the inputs the served arms read. */
export class RequestRowReader {
  readonly slots: InputSlot[];
  private readonly types = new Map<string, string>();
  /** Layouts seen so far by observation signature: most traffic has one layout, built once. */
  private readonly layouts = new Map<string, { layout: SourceLayout; key: string }>();
  /**
   * The layout of the last good row, tried first when no slot is optional: the writer checks every value,
   * every dim included, so a row it writes whole has exactly that layout (optional inputs could be present
   * in a row a layout without them still writes, hence the condition). Any failure takes the full path,
   * which names the problem.
   */
  private last: { layout: SourceLayout; key: string } | null = null;
  private readonly anyOptional: boolean;
  private readonly slabs = new RowSlabs();

  /** `inputs`: the graph inputs the arms need (the label inputs, fed by feedback, are left out). */
  constructor(inputs: readonly PlanInput[]) {
    const slots = planSlots(inputs);
    if (!Array.isArray(slots)) throw new Error(slots.problem);
    this.slots = slots;
    for (const i of inputs) this.types.set(i.name, formatType(i.type));
    this.anyOptional = slots.some((s) => s.optional);
  }

  /** The rows of a parsed `/v1/predict` body, or why it is refused. */
  readBody(body: unknown): RequestRow[] | BadInput {
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return bodyError('the body must be a JSON object with `inputs` (one row) or `rows` (a list of rows)');
    const b = body as Record<string, unknown>;
    if (b.inputs !== undefined && b.rows !== undefined) return bodyError('give either `inputs` (one row) or `rows`, not both');
    if (b.inputs !== undefined) {
      const r = this.readRow(b.inputs, 0);
      return r instanceof RowProblem ? r.input : [r];
    }
    if (!Array.isArray(b.rows))
      return bodyError(
        b.rows === undefined ? 'the body has neither `inputs` (one row) nor `rows` (a list of rows)' : '`rows` must be a list of row objects',
      );
    if (b.rows.length === 0) return bodyError('`rows` is empty');
    const out: RequestRow[] = [];
    for (let i = 0; i < b.rows.length; i++) {
      const r = this.readRow(b.rows[i], i);
      if (r instanceof RowProblem) return r.input;
      out.push(r);
    }
    return out;
  }

  /** One row object, in the replay row layout. */
  readRow(row: unknown, index: number): RequestRow | RowProblem {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      return new RowProblem({
        error: 'bad-input',
        reason: 'wrong-type',
        row: index,
        input: null,
        field: null,
        expected: 'a JSON object',
        detail: 'a row must be a JSON object of fields',
      });
    }
    const last = this.last;
    if (last !== null) {
      const data = this.slabs.rowData(last.layout);
      let ok = true;
      for (let i = 0; i < last.layout.slots.length && ok; i++) ok = writeObjectSlot(row, last.layout.slots[i]!, data[i]!, 0) === null;
      if (ok) return { layout: last.layout, key: last.key, data };
    }
    const seen: SlotObservation[] = [];
    for (const slot of this.slots) {
      const obs = observeSlot(slot, row);
      if (obs instanceof BadRow) return this.problem(slot, obs, index);
      seen.push(obs);
    }
    const found = this.layoutOf(seen);
    if (found instanceof BadRow)
      return new RowProblem({ error: 'bad-input', reason: found.reason, row: index, input: null, field: null, expected: null, detail: found.detail });
    const { layout, key } = found;
    const data = this.slabs.rowData(layout);
    for (let i = 0; i < layout.slots.length; i++) {
      const bad = writeObjectSlot(row, layout.slots[i], data[i], 0);
      if (bad) return this.problem(layout.slots[i], bad, index);
    }
    if (!this.anyOptional) this.last = found;
    return { layout, key, data };
  }

  private layoutOf(seen: readonly SlotObservation[]): { layout: SourceLayout; key: string } | BadRow {
    let sig = '';
    for (const o of seen) sig += o.present ? `${o.dims.join(',')};` : '-;';
    const cached = this.layouts.get(sig);
    if (cached !== undefined) return cached;
    const layout = layoutFromObservation(this.slots, seen);
    if (layout instanceof BadRow) return layout;
    const entry = { layout, key: layoutKey(layout) };
    // Bounded: `?` dims could take many sizes; past 64 layouts, new ones are simply not cached.
    if (this.layouts.size < 64) this.layouts.set(sig, entry);
    return entry;
  }

  private problem(slot: InputSlot, bad: BadRow, row: number): RowProblem {
    return new RowProblem({
      error: 'bad-input',
      reason: bad.reason,
      row,
      input: slot.name,
      field: slot.label,
      expected: this.types.get(slot.name) ?? null,
      detail: bad.detail,
    });
  }
}

/** Elements per slab: 64 KiB of f32, room for ~500 rows of 30 features. */
const SLAB_ELEMENTS = 16_384;

/**
 * One-row arrays carved out of shared slabs (`subarray` views): a small typed array of its own costs a
 * buffer allocation and a finalizer per row. Each region is handed out once and never reused, so a row's
 * data stays its own; a slab is freed once the views of its rows are gone (they live until their batch is
 * assembled). Strings, bytes and images keep plain arrays.
 */
class RowSlabs {
  private readonly slabs = new Map<DType, { data: TensorData; used: number }>();

  rowData(layout: SourceLayout): TensorData[] {
    const out: TensorData[] = new Array(layout.slots.length);
    for (let i = 0; i < layout.slots.length; i++) out[i] = this.take(layout.slots[i]!.dtype, layout.slots[i]!.rowSize);
    return out;
  }

  private take(dtype: DType, n: number): TensorData {
    if (dtype === 'str' || dtype === 'bytes' || dtype === 'image' || n > SLAB_ELEMENTS / 16) return allocData(dtype, n);
    let s = this.slabs.get(dtype);
    if (s === undefined || s.used + n > s.data.length) {
      s = { data: allocData(dtype, SLAB_ELEMENTS), used: 0 };
      this.slabs.set(dtype, s);
    }
    const view = (s.data as Float32Array).subarray(s.used, s.used + n);
    s.used += n;
    return view as TensorData;
  }
}

/** A refused row (a class, so it is told apart from a row with `instanceof`). */
export class RowProblem {
  constructor(readonly input: BadInput) {}
}

function bodyError(detail: string): BadInput {
  return { error: 'bad-input', reason: 'bad-body', row: 0, input: null, field: null, expected: null, detail };
}

/** Present slots with their dims, and the absent optional inputs. */
export function layoutKey(layout: SourceLayout): string {
  return `${layout.slots.map((s) => `${s.name}[${s.dims.join(',')}]`).join(';')}|${layout.absentOptional.join(',')}`;
}

/**
 * Concatenate rows of one layout into a batch. `rowIds` are the rows' ordinals in the serving run (they
 * key the bootstrap, as file row ordinals do in a replay); `lines` repeat them 1-based for error messages.
 * Rows read one after another sit side by side in their slab (RowSlabs hands out regions in order): a slot
 * whose rows are all adjacent becomes one view over them, without a copy or a new buffer (an allocation per
 * batch that also drives the collector); otherwise the rows are copied into a new array.
 */
export function concatRows(rows: readonly RequestRow[], rowIds: Float64Array): Batch {
  const n = rows.length;
  const layout = rows[0]!.layout;
  const tensors: Batch['tensors'] = {};
  for (let i = 0; i < layout.slots.length; i++) {
    const slot = layout.slots[i]!;
    const data = adjacentRows(rows, i, slot.rowSize) ?? copyRows(rows, i, slot.dtype, slot.rowSize);
    tensors[slot.name] = { dtype: slot.dtype, data, dims: [n, ...slot.dims] } as Batch['tensors'][string];
  }
  const lines = new Float64Array(n);
  for (let r = 0; r < n; r++) lines[r] = rowIds[r]! + 1;
  return { rows: n, rowIds, lines, tensors };
}

/** Slot `i` of the rows as one view, when each row's array directly follows the previous one's in one buffer. */
function adjacentRows(rows: readonly RequestRow[], i: number, rowSize: number): TensorData | null {
  const first = rows[0]!.data[i]!;
  if (Array.isArray(first)) return null;
  let end = first.byteOffset + first.byteLength;
  for (let r = 1; r < rows.length; r++) {
    const d = rows[r]!.data[i] as typeof first;
    if (d.buffer !== first.buffer || d.byteOffset !== end) return null;
    end += d.byteLength;
  }
  if (rows.length === 1) return first;
  const View = first.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => typeof first;
  return new View(first.buffer, first.byteOffset, rows.length * rowSize) as TensorData;
}

function copyRows(rows: readonly RequestRow[], i: number, dtype: DType, rowSize: number): TensorData {
  const n = rows.length;
  const data = allocData(dtype, n * rowSize);
  if (Array.isArray(data)) {
    for (let r = 0; r < n; r++) {
      const src = rows[r]!.data[i] as unknown[];
      for (let k = 0; k < rowSize; k++) (data as unknown[])[r * rowSize + k] = src[k]!;
    }
  } else {
    for (let r = 0; r < n; r++) (data as Float32Array).set(rows[r]!.data[i] as Float32Array, r * rowSize);
  }
  return data;
}
