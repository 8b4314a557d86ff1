import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/plan-types.ts';
import type { ComparisonBatch, OutputsBatch } from '../../runtime/batch.ts';
import { createExecutor, type TraceEvent } from '../../runtime/executor.ts';
import { loadPlan } from '../../runtime/plan-load.ts';
import { batchOf, batchSource } from './support/batches.ts';
import { abPlan, FEATURES } from './support/plans.ts';

let dir: string;
let plan: Plan;
let control: string;
let treatment: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-executor-'));
  ({ plan, control, treatment } = abPlan(dir, { withOps: true }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The same models run directly with onnxruntime-node, one thread, as the reference. */
async function direct(path: string, x: Float32Array, rows: number): Promise<{ probabilities: Float32Array; label: BigInt64Array }> {
  const s = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  const r = await s.run({ x: new ort.Tensor('float32', x, [rows, FEATURES]) });
  await s.release();
  return { probabilities: r.probabilities.data as Float32Array, label: r.label.data as BigInt64Array };
}

describe.each(['main', 'workers'] as const)('executor, engine %s', (engine) => {
  it('computes outputs equal to onnxruntime-node run directly', async () => {
    const ex = await createExecutor(loadPlan(plan), { engine });
    try {
      expect(ex.engine).toBe(engine);
      expect(ex.workerCount).toBe(engine === 'workers' ? 2 : 0);
      const batch = batchOf(37);
      const x = (batch.tensors.x!.data as Float32Array).slice();
      const r = await ex.runBatch(batch);
      const v1 = await direct(control, x, 37);
      const v2 = await direct(treatment, x, 37);
      expect(r.outputs.values.p1).toEqual({ dtype: 'f32', data: v1.probabilities, dims: [37, 2] });
      expect(r.outputs.values.p2).toEqual({ dtype: 'f32', data: v2.probabilities, dims: [37, 2] });
      expect(r.outputs.values.cls2).toEqual({ dtype: 'i64', data: v2.label, dims: [37] });
      expect(r.outputs.lines).toBe(batch.lines);
      // The input the caller passed is left intact (copied, not transferred, to workers).
      expect(batch.tensors.x!.data).toEqual(x);

      const cmp = r.comparisons.get('v2_vs_v1')!;
      const positive = (p: Float32Array): Float32Array => p.filter((_, i) => i % 2 === 1);
      expect(cmp.control).toEqual({ dtype: 'f32', data: positive(v1.probabilities), dims: [37] });
      expect(cmp.treatment).toEqual({ dtype: 'f32', data: positive(v2.probabilities), dims: [37] });
      expect(cmp.label).toBe(batch.tensors.label);
      expect(cmp.rowIds).toBe(batch.rowIds);
    } finally {
      await ex.close();
    }
  });

  it('streams a source: callbacks in batch order, every row once', async () => {
    const ex = await createExecutor(loadPlan(plan), { engine });
    const seen: number[] = [];
    const cmpRows: number[] = [];
    try {
      const src = batchSource(5, 16);
      const res = await ex.run(src, {
        onOutputs: (b: OutputsBatch) => {
          seen.push(...b.lines);
        },
        onComparisonBatch: (name: string, b: ComparisonBatch) => {
          expect(name).toBe('v2_vs_v1');
          cmpRows.push(...b.rowIds);
        },
      });
      expect(res).toEqual({ batches: 5, rows: 80, interrupted: false });
      expect(seen).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      expect(cmpRows).toEqual(Array.from({ length: 80 }, (_, i) => i));
      expect(src.closed).toBe(false);
    } finally {
      await ex.close();
    }
  });

  it('feeds the comparisons of every batch it processed, the last ones included, when stopped early', async () => {
    const ex = await createExecutor(loadPlan(plan), { engine });
    const stop = new AbortController();
    const cmpRows: number[] = [];
    try {
      const res = await ex.run(batchSource(6, 16), {
        signal: stop.signal,
        // Fed one batch late (while the models compute the next): stop once the second batch is done.
        onBatch: (_b, index) => {
          if (index === 1) stop.abort();
        },
        onComparisonBatch: (_name: string, b: ComparisonBatch) => {
          cmpRows.push(...b.rowIds);
        },
      });
      expect(res.interrupted).toBe(true);
      expect(cmpRows).toEqual(Array.from({ length: res.rows }, (_, i) => i));
    } finally {
      await ex.close();
    }
  });

  it('passes comparisons without a label when the optional label input is absent', async () => {
    const ex = await createExecutor(loadPlan(plan), { engine });
    try {
      const r = await ex.runBatch(batchOf(8, { label: false }));
      const cmp = r.comparisons.get('v2_vs_v1')!;
      expect(cmp.label).toBeUndefined();
      expect(cmp.control.dims).toEqual([8]);
    } finally {
      await ex.close();
    }
  });
});

describe('executor: what runs', () => {
  it('computes only what the requested targets need', async () => {
    const events: TraceEvent[] = [];
    const ex = await createExecutor(loadPlan(plan), { engine: 'main', outputs: false, trace: (e) => events.push(e) });
    try {
      const r = await ex.runBatch(batchOf(4));
      expect(Object.keys(r.outputs.values)).toEqual([]);
      expect(events.map((e) => e.node).sort()).toEqual(['ctl', 'ctl_score', 'treat', 'treat_score']);
    } finally {
      await ex.close();
    }
    const p = structuredClone(plan);
    p.comparisons = [];
    p.outputs = p.outputs.filter((o) => o.name === 'p2');
    const only = await createExecutor(loadPlan(p), { engine: 'auto', batchSize: 1024 });
    try {
      // One model left: no concurrency to gain, so auto stays on the main thread and opens one session.
      expect(only.engine).toBe('main');
      expect(only.program.steps.map((s) => s.node.id)).toEqual(['x', 'treat']);
    } finally {
      await only.close();
    }
  });

  it('auto: workers for concurrent models at large batches, main thread at small ones', async () => {
    const small = await createExecutor(loadPlan(plan), { batchSize: 1 });
    const large = await createExecutor(loadPlan(plan), { batchSize: 1024 });
    try {
      expect(small.engine).toBe('main');
      expect(small.engineReason).toMatch(/batch size 1 </);
      expect(large.engine).toBe('workers');
    } finally {
      await Promise.all([small.close(), large.close()]);
    }
  });

  it('records each op and model call in the trace, once per batch', async () => {
    const events: TraceEvent[] = [];
    const ex = await createExecutor(loadPlan(plan), { engine: 'main', trace: (e) => events.push(e) });
    try {
      await ex.run(batchSource(3, 8));
      expect(events).toHaveLength(12);
      expect(new Set(events.map((e) => e.batch))).toEqual(new Set([0, 1, 2]));
      for (const e of events) {
        expect(e.thread).toBe('main');
        expect(e.end).toBeGreaterThanOrEqual(e.start);
      }
      // Main-thread model calls never overlap: ORT runs them synchronously, one after the other.
      const models = events.filter((e) => e.node === 'ctl' || e.node === 'treat').sort((a, b) => a.start - b.start);
      for (let i = 1; i < models.length; i++) expect(models[i].start).toBeGreaterThanOrEqual(models[i - 1].end);
    } finally {
      await ex.close();
    }
  });
});
