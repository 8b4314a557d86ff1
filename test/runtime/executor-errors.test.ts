import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/plan-types.ts';
import { createExecutor } from '../../runtime/executor.ts';
import { loadPlan } from '../../runtime/plan-load.ts';
import { PlanError } from '../../plan/plan-schema.ts';
import { RuntimeError } from '../../runtime/runtime-error.ts';
import { batchOf, batchSource } from './support/batches.ts';
import { writeMlp } from './support/onnx-models.ts';
import { abPlan } from './support/plans.ts';

let dir: string;
let plan: Plan;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-executor-errors-'));
  plan = abPlan(dir, { withOps: true }).plan;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** The plan with the treatment model swapped for one that expects 31 features (fed 30). */
function wrongShapePlan(): Plan {
  const p = structuredClone(plan);
  const path = join(dir, 'v2-31.onnx');
  p.models[1].sha256 = writeMlp(path, { inputs: 31, hidden: [16], seed: 3 });
  p.models[1].path = path;
  return p;
}

describe.each(['main', 'workers'] as const)('runtime errors, engine %s', (engine) => {
  it('an ORT failure names the node, its .m4 location and the batch rows', async () => {
    const ex = await createExecutor(loadPlan(wrongShapePlan()), { engine });
    try {
      const err = await rejection(ex.runBatch(batchOf(4, { firstLine: 11 })));
      expect(err).toBeInstanceOf(RuntimeError);
      const e = err as RuntimeError;
      expect(e.node).toBe('treat');
      expect(e.lines).toEqual({ first: 11, last: 14 });
      expect(e.message).toMatch(/^node `treat` \(ab\.m4:9:3\), rows at lines 11–14: .*(dimension|Got invalid dimensions)/);
      expect(e.message).not.toContain('\n');
      // The executor is still usable after a failed batch.
      const again = await rejection(ex.runBatch(batchOf(1, { firstLine: 99 })));
      expect(again.message).toMatch(/^node `treat` \(ab\.m4:9:3\), row at line 99: /);
    } finally {
      await ex.close();
    }
  });

  it('a model file that ORT cannot load names the model declaration', async () => {
    const p = structuredClone(plan);
    const path = join(dir, `corrupt-${engine}.onnx`);
    const bytes = Buffer.from('this is not an onnx file');
    writeFileSync(path, bytes);
    p.models[0].path = path;
    p.models[0].sha256 = createHash('sha256').update(bytes).digest('hex');
    const err = await rejection(createExecutor(loadPlan(p), { engine }));
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.message).toMatch(new RegExp(`^model \`v1\` \\(ab\\.m4:5:1\\): cannot load .*corrupt-${engine}\\.onnx: `));
  });

  it('an ONNX input name the model does not have is a plan error at start-up', async () => {
    const p = structuredClone(plan);
    const node = p.nodes.find((n) => n.id === 'ctl')!;
    if (node.kind !== 'model') throw new Error('fixture');
    node.feeds = { input: node.feeds.x };
    const err = await rejection(createExecutor(loadPlan(p), { engine }));
    expect(err).toBeInstanceOf(PlanError);
    expect(err.message).toMatch(/^node `ctl` \(ab\.m4:8:3\): model `v1` has no ONNX input `input` \(it has `x`\) in .*v1\.onnx; recompile the plan$/);
  });

  it('an output dtype that differs from the plan is reported with both types', async () => {
    const p = structuredClone(plan);
    const node = p.nodes.find((n) => n.id === 'ctl')!;
    node.outputs[0].type = { dtype: 'f64', dims: ['batch', 2] };
    const ex = await createExecutor(loadPlan(p), { engine });
    try {
      const err = await rejection(ex.runBatch(batchOf(3)));
      expect(err.message).toBe(
        'node `ctl` (ab.m4:8:3), rows at lines 1–3: ONNX output `probabilities` is f32[3, 2] but the plan expects f64[batch, 2]; recompile the plan',
      );
    } finally {
      await ex.close();
    }
  });

  it('a source failure ends the run after the batches before it were delivered', async () => {
    const ex = await createExecutor(loadPlan(plan), { engine });
    const lines: number[] = [];
    try {
      const src = batchSource(5, 4, { failAt: 2 });
      const err = await rejection(
        ex.run(src, {
          onOutputs: (b) => {
            lines.push(b.lines[0]);
          },
        }),
      );
      expect(err.message).toBe('data.jsonl:9: bad row (non-numeric): field "x"');
      expect(lines).toEqual([1, 5]);
      expect(src.closed).toBe(true);
    } finally {
      await ex.close();
    }
  });

  it('stops between batches when aborted, and closes the source', async () => {
    const ex = await createExecutor(loadPlan(plan), { engine });
    try {
      const ac = new AbortController();
      const src = batchSource(100, 4);
      const res = await ex.run(src, {
        signal: ac.signal,
        onBatch: (_b, i) => {
          if (i === 2) ac.abort();
        },
      });
      // Batch 3 was already read ahead when the abort came: it is processed, not dropped, so every row the
      // source counted as read is a row processed. Nothing after it is read.
      expect(res).toEqual({ batches: 4, rows: 16, interrupted: true });
      expect(src.produced).toBe(4);
      expect(src.closed).toBe(true);
    } finally {
      await ex.close();
    }
  });
});

describe('runtime errors on the main thread', () => {
  it('a failing op names its node and rows', async () => {
    const ex = await createExecutor(loadPlan(plan), {
      engine: 'main',
      ops: (name) => ({
        name,
        summary: '',
        doc: '',
        example: '',
        arity: { min: 1, max: 1 },
        params: { type: 'object', properties: {}, additionalProperties: false },
        infer: () => ({ error: 'unused' }),
        kernel: () => {
          throw new Error('index 1 is out of range for a last dim of 1');
        },
      }),
    });
    try {
      const err = await rejection(ex.runBatch(batchOf(2, { firstLine: 7 })));
      expect(err.message).toMatch(/^node `(ctl|treat)_score` \(ab\.m4:1[01]:3\), rows at lines 7–8: index 1 is out of range for a last dim of 1$/);
    } finally {
      await ex.close();
    }
  });

  it('an unknown op is a plan error naming the node', async () => {
    const err = await rejection(createExecutor(loadPlan(plan), { engine: 'main', ops: () => undefined }));
    expect(err).toBeInstanceOf(PlanError);
    expect(err.message).toMatch(/^node `ctl_score` \(ab\.m4:10:3\): unknown op `column`/);
  });

  it('a model that needs an absent optional input says so', async () => {
    const p = structuredClone(plan);
    const node = p.nodes.find((n) => n.id === 'ctl')!;
    if (node.kind !== 'model') throw new Error('fixture');
    p.inputs[0].optional = true;
    const ex = await createExecutor(loadPlan(p), { engine: 'main' });
    try {
      const batch = batchOf(2);
      delete batch.tensors.x;
      const err = await rejection(ex.runBatch(batch));
      expect(err.message).toMatch(
        /^node `(ctl|treat)` \(ab\.m4:[89]:3\), rows at lines 1–2: optional input `x` is absent from the data, but this node needs it$/,
      );
    } finally {
      await ex.close();
    }
  });
});
