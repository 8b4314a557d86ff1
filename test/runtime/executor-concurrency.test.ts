import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/plan-types.ts';
import type { OutputsBatch } from '../../runtime/batch.ts';
import { createExecutor, type TraceEvent } from '../../runtime/executor.ts';
import { loadPlan } from '../../runtime/plan-load.ts';
import { batchSource } from './support/batches.ts';
import { abPlan } from './support/plans.ts';

const BATCHES = 8;
let dir: string;
let plan: Plan;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-concurrency-'));
  // Models big enough that one call on 8192 rows takes several milliseconds.
  plan = abPlan(dir, { hidden: [256, 256] }).plan;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every output value of a run, concatenated per output. */
async function collect(engine: 'main' | 'workers', trace?: (e: TraceEvent) => void): Promise<Record<string, unknown[]>> {
  const ex = await createExecutor(loadPlan(plan), { engine, trace });
  const values: Record<string, unknown[]> = {};
  try {
    await ex.run(batchSource(BATCHES, 8192), {
      onOutputs: (b: OutputsBatch) => {
        for (const [name, t] of Object.entries(b.values)) (values[name] ??= []).push(...(t.data as Iterable<unknown>));
      },
    });
  } finally {
    await ex.close();
  }
  return values;
}

describe('executor concurrency', () => {
  it('runs control and treatment at the same time in two workers, with the same results as the main thread', async () => {
    const events: TraceEvent[] = [];
    const parallel = await collect('workers', (e) => events.push(e));
    const sequential = await collect('main');
    expect(parallel).toEqual(sequential);
    expect(parallel.p1).toHaveLength(BATCHES * 8192 * 2);

    const byBatch = new Map<number, Record<string, TraceEvent>>();
    for (const e of events) byBatch.set(e.batch, { ...byBatch.get(e.batch), [e.node]: e });
    let overlapping = 0;
    for (const { ctl, treat } of byBatch.values()) {
      expect(ctl.thread).not.toBe(treat.thread);
      if (ctl.start < treat.end && treat.start < ctl.end) overlapping++;
    }
    // Both calls are dispatched microseconds apart and each runs for milliseconds, so their intervals
    // overlap unless the OS keeps the second thread off the CPU for the whole first call (a heavily
    // loaded machine may do that for some batches, not for most). On the main thread they never do.
    expect(overlapping).toBeGreaterThan(BATCHES / 2);
  });
});
