/**
 * Shadow batches that queued while the shadow arm was busy run as one executor batch, and each gets back
 * exactly its own rows' outputs, in order.
 */
import { describe, expect, it } from 'vitest';
import type { Batch, BatchResult } from '../../../runtime/batch.ts';
import type { Executor } from '../../../runtime/executor.ts';
import { ArmRunner, type ShadowResult } from '../../../runtime/serve/arm-runner.ts';
import { concatBatches, rowRange, sameLayout } from '../../../runtime/serve/shadow-batches.ts';
import type { Tensor } from '../../../stdlib/types.ts';

/** A batch of `n` rows: x = f32[n, 2] (first ordinal, first ordinal + 0.5, ...), s = str[n]. */
function batch(first: number, n: number): Batch {
  const ids = Float64Array.from({ length: n }, (_, i) => first + i);
  return {
    rows: n,
    rowIds: ids,
    lines: ids.map((v) => v + 1),
    tensors: {
      x: { dtype: 'f32', data: Float32Array.from({ length: 2 * n }, (_, k) => first + Math.floor(k / 2) + (k % 2) / 2), dims: [n, 2] },
      s: { dtype: 'str', data: Array.from({ length: n }, (_, i) => `r${first + i}`), dims: [n] },
    },
  };
}

describe('shadow batches', () => {
  it('concatenate in order and hand back row ranges', () => {
    const parts = [batch(0, 2), batch(2, 1), batch(3, 3)];
    const all = concatBatches(parts);
    expect(all.rows).toBe(6);
    expect(Array.from(all.rowIds)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all.tensors.x!.dims).toEqual([6, 2]);
    expect(Array.from(all.tensors.x!.data as Float32Array)).toEqual(Array.from(batch(0, 6).tensors.x!.data as Float32Array));
    expect(all.tensors.s!.data).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    const back = rowRange(all.tensors as Record<string, Tensor>, 2, 1);
    expect(back.x).toEqual({ dtype: 'f32', data: new Float32Array([2, 2.5]), dims: [1, 2] });
    expect(back.s).toEqual({ dtype: 'str', data: ['r2'], dims: [1] });
  });

  it('merge only batches of one layout', () => {
    expect(sameLayout(batch(0, 2), batch(5, 7))).toBe(true);
    const other = batch(0, 1);
    other.tensors.x = { dtype: 'f32', data: new Float32Array(3), dims: [1, 3] };
    expect(sameLayout(batch(0, 2), other)).toBe(false);
    const fewer = batch(0, 1);
    delete fewer.tensors.s;
    expect(sameLayout(batch(0, 2), fewer)).toBe(false);
  });

  it('a busy shadow arm runs the batches that queued meanwhile as one, each answered with its own rows', async () => {
    const calls: number[] = [];
    const executor = {
      async runBatch(b: Batch): Promise<BatchResult> {
        calls.push(b.rows);
        await new Promise((r) => setTimeout(r, 20));
        const x = b.tensors.x!.data as Float32Array;
        const y: Tensor = { dtype: 'f32', data: Float32Array.from({ length: b.rows }, (_, i) => x[2 * i]! * 10), dims: [b.rows] };
        return { outputs: { rows: b.rows, rowIds: b.rowIds, lines: b.lines, values: { y } }, comparisons: new Map(), rejected: [] };
      },
    } as unknown as Executor;
    const runner = new ArmRunner('treatment', executor, { maxBatch: 8, maxDelayMs: 2, shadowQueueRows: 100, shadowTimeoutMs: 5000 });
    const got: [number, ShadowResult][] = [];
    const parts = [batch(0, 1), batch(1, 2), batch(3, 3), batch(6, 1), batch(7, 16), batch(23, 1)];
    for (const [i, b] of parts.entries()) runner.shadow(b, (r) => got.push([i, r]));
    await runner.whenIdle();
    // Queued in one turn, before the first model call starts: 1 + 2 + 3 + 1 rows together (16 more would pass
    // --max-batch), then the 16-row batch alone, then the last one.
    expect(calls).toEqual([7, 16, 1]);
    expect(got.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [i, r] of got) {
      expect(r.ok).toBe(true);
      const first = parts[i]!.rowIds[0]!;
      const y = (r as { values: Record<string, Tensor> }).values.y!;
      expect(y.dims).toEqual([parts[i]!.rows]);
      expect(Array.from(y.data as Float32Array)).toEqual(Array.from({ length: parts[i]!.rows }, (_, k) => (first + k) * 10));
    }
  });
});
