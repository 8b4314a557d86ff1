/**
 * When an answering batch ends, the rows that waited leave at once, or (`nextTurnAfterBatch`, a lone arm) at the
 * next turn together with the requests read in between. Shadow work, with `shadowGatherMs`, waits for more until
 * that long has passed or `maxBatch` rows wait.
 */
import { describe, expect, it } from 'vitest';
import type { Batch, BatchResult } from '../../../runtime/batch.ts';
import type { Executor } from '../../../runtime/executor.ts';
import type { SourceLayout } from '../../../runtime/sources/input-layout.ts';
import { ArmRunner, type PendingRow, type RowAnswer } from '../../../runtime/serve/arm-runner.ts';
import type { Tensor } from '../../../stdlib/types.ts';

const layout = { slots: [{ name: 'x', dtype: 'f32', rowSize: 1, dims: [] }], absentOptional: [] } as unknown as SourceLayout;

/** Runs batches one by one, recording their sizes; the first call waits for `release`. */
function executor(calls: number[], firstDone: Promise<void>): Executor {
  return {
    async runBatch(b: Batch): Promise<BatchResult> {
      calls.push(b.rows);
      if (calls.length === 1) await firstDone;
      const y: Tensor = { dtype: 'f32', data: Float32Array.from(b.tensors.x!.data as Float32Array, (v) => v * 10), dims: [b.rows] };
      return { outputs: { rows: b.rows, rowIds: b.rowIds, lines: b.lines, values: { y } }, comparisons: new Map(), rejected: [] };
    },
  } as unknown as Executor;
}

async function run(nextTurnAfterBatch: boolean): Promise<{ calls: number[]; answers: number[] }> {
  let release!: () => void;
  const firstDone = new Promise<void>((r) => (release = r));
  const calls: number[] = [];
  const runner = new ArmRunner('control', executor(calls, firstDone), {
    maxBatch: 64,
    maxDelayMs: 2,
    maxInFlight: 1,
    nextTurnAfterBatch,
    shadowQueueRows: 100,
    shadowTimeoutMs: 5000,
  });
  const answers: number[] = [];
  const row = (v: number, then?: () => void): PendingRow => ({
    row: { layout, key: 'k', data: [new Float32Array([v])] },
    rowId: v,
    id: `r${v}`,
    resolve: (a: RowAnswer) => {
      answers.push((a.values.y!.data as Float32Array)[a.index]!);
      then?.();
    },
    reject: (err) => {
      throw err;
    },
  });
  // Rows 1 and 2 form the first batch; row 3 arrives while it runs; row 4 just after it ended (a tick after its
  // first answer), before the next turn of the event loop.
  runner.answer([row(1, () => process.nextTick(() => runner.answer([row(4)]))), row(2)]);
  await new Promise((r) => setImmediate(r));
  runner.answer([row(3)]);
  release();
  // Bounded in turns, not time: every row is answered within a few turns of the event loop.
  for (let turn = 0; turn < 100 && answers.length < 4; turn++) await new Promise((r) => setImmediate(r));
  await runner.whenIdle();
  return { calls, answers };
}

describe('ArmRunner batching after a batch', () => {
  it('sends the waiting rows at once by default', async () => {
    const { calls, answers } = await run(false);
    expect(calls).toEqual([2, 1, 1]);
    expect(answers).toEqual([10, 20, 30, 40]);
  });

  it('with nextTurnAfterBatch, sends them at the next turn with the rows that came meanwhile', async () => {
    const { calls, answers } = await run(true);
    expect(calls).toEqual([2, 2]);
    expect(answers).toEqual([10, 20, 30, 40]);
  });
});

describe('ArmRunner shadow gathering', () => {
  const batch = (values: number[]): Batch => ({
    rows: values.length,
    rowIds: Float64Array.from(values),
    lines: Float64Array.from(values, (v) => v + 1),
    tensors: { x: { dtype: 'f32', data: Float32Array.from(values), dims: [values.length] } },
  });
  const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('with shadowGatherMs, shadow work waits for more until --max-batch rows wait, then runs as one batch, each job answered with its rows', async () => {
    const calls: number[] = [];
    // A gathering window no test run outlasts: only the row count can start the batch here.
    const runner = new ArmRunner('treatment', executor(calls, Promise.resolve()), {
      maxBatch: 5,
      maxDelayMs: 2,
      shadowQueueRows: 100,
      shadowTimeoutMs: 60_000,
      shadowGatherMs: 60_000,
    });
    const got: number[][] = [];
    const done = (r: Parameters<Parameters<ArmRunner['shadow']>[1]>[0]): void => {
      if (!r.ok) throw new Error(r.reason);
      got.push(Array.from(r.values.y!.data as Float32Array));
    };
    runner.shadow(batch([1, 2]), done);
    await turn();
    runner.shadow(batch([3]), done);
    for (let i = 0; i < 5; i++) await turn();
    expect(calls).toEqual([]);
    expect(runner.idle).toBe(false); // waiting work keeps the arm busy (drain waits for it)
    runner.shadow(batch([4, 5]), done); // 5 rows wait: they go at the next turn
    for (let i = 0; i < 100 && got.length < 3; i++) await turn();
    expect(calls).toEqual([5]);
    expect(got).toEqual([[10, 20], [30], [40, 50]]);
    await runner.whenIdle();
  });
});
