/**
 * Preallocated per-batch arrays, filled row by row in place and wrapped into a `Batch` at the end.
 */
import { allocData, type Tensor, type TensorData } from '../../stdlib/types.ts';
import type { SourceLayout } from './input-layout.ts';
import type { Batch } from './source-types.ts';

/** One array per present slot, sized for `rows` rows. */
export function allocSlotData(layout: SourceLayout, rows: number): TensorData[] {
  return layout.slots.map((slot) => allocData(slot.dtype, rows * slot.rowSize));
}

/**
 * A batch being filled. Invariant: rows [0, rows) of every array hold good rows; a row's slots are
 * written before it is known to be good, so a bad row's partial writes are simply overwritten by
 * the next row (`rows` only advances on `commit`).
 */
export class BatchBuilder {
  rows = 0;
  readonly rowIds: Float64Array;
  readonly lines: Float64Array;
  readonly data: TensorData[];

  constructor(
    readonly layout: SourceLayout,
    readonly capacity: number,
  ) {
    this.rowIds = new Float64Array(capacity);
    this.lines = new Float64Array(capacity);
    this.data = allocSlotData(layout, capacity);
  }

  get full(): boolean {
    return this.rows >= this.capacity;
  }

  /** Copy row `from`'s values over row `to` (to < from; `to` is not a kept row yet). */
  moveRow(from: number, to: number): void {
    this.layout.slots.forEach((slot, s) => {
      const rs = slot.rowSize;
      this.data[s]!.copyWithin(to * rs, from * rs, (from + 1) * rs);
    });
  }

  commit(rowId: number, line: number): void {
    this.rowIds[this.rows] = rowId;
    this.lines[this.rows] = line;
    this.rows++;
  }

  /**
   * Wrap the filled rows. A short last batch is copied to exact-size arrays, so every array owns
   * its whole buffer (safe to transfer to a worker) and `data.length` matches `dims`.
   */
  finish(): Batch {
    const n = this.rows;
    const exact = n === this.capacity;
    const tensors: Record<string, Tensor> = {};
    this.layout.slots.forEach((slot, i) => {
      const d = this.data[i];
      const data = exact ? d : d.slice(0, n * slot.rowSize);
      tensors[slot.name] = { dtype: slot.dtype, data, dims: [n, ...slot.dims] } as Tensor;
    });
    return {
      rows: n,
      rowIds: exact ? this.rowIds : this.rowIds.slice(0, n),
      lines: exact ? this.lines : this.lines.slice(0, n),
      tensors,
    };
  }
}
