/**
 * Batches fed straight to the executor (the data sources are tested on their own): feature rows
 * from {@link features}, line numbers starting at `firstLine`.
 */
import type { Batch } from '../../../runtime/batch.ts';
import { features, FEATURES } from './plans.ts';

export function batchOf(rows: number, opts: { firstLine?: number; firstRow?: number; seed?: number; label?: boolean } = {}): Batch {
  const firstLine = opts.firstLine ?? 1;
  const firstRow = opts.firstRow ?? 0;
  const rowIds = new Float64Array(rows);
  const lines = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    rowIds[i] = firstRow + i;
    lines[i] = firstLine + i;
  }
  const batch: Batch = {
    rows,
    rowIds,
    lines,
    tensors: { x: { dtype: 'f32', data: features(rows, opts.seed ?? firstRow + 1), dims: [rows, FEATURES] } },
  };
  if (opts.label ?? true) {
    const label = new BigInt64Array(rows);
    for (let i = 0; i < rows; i++) label[i] = BigInt((firstRow + i) % 2);
    batch.tensors.label = { dtype: 'i64', data: label, dims: [rows] };
  }
  return batch;
}

/** `count` consecutive batches of `size` rows, as an async source; records whether it was closed early. */
export function batchSource(
  count: number,
  size: number,
  opts: { failAt?: number; label?: boolean } = {},
): AsyncIterable<Batch> & { closed: boolean; produced: number } {
  const src = {
    closed: false,
    produced: 0,
    async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
      try {
        for (let b = 0; b < count; b++) {
          await new Promise((r) => setImmediate(r));
          if (b === opts.failAt) throw new Error(`data.jsonl:${b * size + 1}: bad row (non-numeric): field "x"`);
          src.produced++;
          yield batchOf(size, { firstRow: b * size, firstLine: b * size + 1, label: opts.label });
        }
      } finally {
        src.closed = src.produced < count || opts.failAt !== undefined;
      }
    },
  };
  return src;
}
