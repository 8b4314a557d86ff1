/**
 * The comparison run driven by the real executor, as `m4c run` wires it: examples/fraud/ab.m4
 * compiled, its replay streamed through both ONNX models, each batch's comparison parents handed to
 * `run.onBatch`, then finish → report → record. Also the same replay in 2 shards, merged.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { publishOutcome } from '../../runtime/comparison-publish.ts';
import { createComparisonRun, type ComparisonRun } from '../../runtime/comparison-run.ts';
import { createExecutor } from '../../runtime/executor.ts';
import { loadPlan } from '../../runtime/plan-load.ts';
import { runMeta } from '../../runtime/run-meta.ts';
import type { RunMeta } from '../../plan/record-types.ts';
import { openRunSinks } from '../../runtime/sinks/run-sinks.ts';
import { openSource } from '../../runtime/sources/index.ts';
import { mergeStateFiles, readStateFile, writeStateFile } from '../../runtime/state-file.ts';
import type { Plan } from '../../plan/plan-types.ts';

const ROOT = join(import.meta.dirname, '../..');
const DATA = join(ROOT, 'examples/fraud/data/replay.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'm4-run-executor-'));

function compiled(): Plan {
  const c = compileFile(join(ROOT, 'examples/fraud/ab.m4'));
  if (!c.plan) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c.plan;
}

/** What `m4c run` does around the executor, with this module's API. */
async function replay(plan: Plan, shard?: { index: number; count: number }): Promise<{ run: ComparisonRun; meta: RunMeta }> {
  const run = createComparisonRun(plan, { shard });
  const source = openSource(DATA, { inputs: plan.inputs, batchSize: 512, onBadRow: 'skip', shard });
  const executor = await createExecutor(loadPlan(plan, { verifyModels: false }), { engine: 'main', batchSize: 512, outputs: false });
  const startedAt = new Date();
  try {
    const r = await executor.run(source, { onComparisonBatch: (name, b) => run.onBatch(name, b) });
    return {
      run,
      meta: runMeta(run.subject, {
        dataPath: DATA,
        stats: source.stats,
        startedAt,
        endedAt: new Date(),
        shard: shard ?? null,
        interrupted: r.interrupted,
      }),
    };
  } finally {
    await executor.close();
    await source.close();
  }
}

describe('examples/fraud/ab.m4 through the executor', () => {
  const plan = compiled();

  it('judges the gates on every row, reports, and records the run', async () => {
    const { run, meta } = await replay(plan);
    const outcome = run.finish(meta);
    const c = outcome.comparisons[0]!;
    expect(c.name).toBe('v2_vs_v1');
    expect(c.result.rows).toBe(meta.rows_seen - Object.values(meta.rows_skipped).reduce((s, n) => s + n, 0));
    expect(c.result.rows).toBeGreaterThan(1000);
    expect(c.spec).toMatchObject({ hasLabel: true, hasSlices: true });
    expect(c.verdicts.map((v) => v.gate)).toEqual(['auroc.delta >= -0.005 at 95%', 'recall.delta >= -0.02', 'agreement >= 0.75']);
    expect(c.comparison.model_roles).toEqual({ v1: 'control', v2: 'treatment' });
    expect(outcome.exitCode).toBe(outcome.passed ? 0 : 1);
    expect(c.result.slices!.items.length).toBeGreaterThan(1);

    const db = join(tmp, 'ab.db');
    const sinks = await openRunSinks(run.subject, { db });
    let text = '';
    await publishOutcome(outcome, {
      format: 'human',
      color: false,
      sinks,
      out: {
        write: (s: string) => {
          text += s;
        },
      },
    });
    await sinks.close();
    expect(text).toContain('comparison v2_vs_v1 · binary, threshold 0.5');
    expect(text).toMatch(/auroc +0\.\d{4} +0\.\d{4} +[+-]0\.\d{4} +\[[^\]]+\] +\S+ DeLong/);
    const d = new Database(db, { readonly: true });
    expect(d.prepare('SELECT name, role FROM run_models ORDER BY name').all()).toEqual([
      { name: 'v1', role: 'control' },
      { name: 'v2', role: 'treatment' },
    ]);
    expect((d.prepare('SELECT passed FROM runs').get() as { passed: number }).passed).toBe(outcome.passed ? 1 : 0);
    d.close();
  }, 60_000);

  it('two shards of the replay merge into the same result', async () => {
    const whole = await replay(plan);
    const one = whole.run.finish(whole.meta);
    const files = [];
    for (const index of [0, 1]) {
      const { run, meta } = await replay(plan, { index, count: 2 });
      const path = join(tmp, `fraud-${index}.json`);
      writeStateFile(path, run, meta);
      files.push({ path, state: readStateFile(path) });
    }
    const merged = mergeStateFiles(files);
    const m = merged.run.finish(merged.meta);
    const points = (o: typeof one) =>
      o.comparisons[0]!.result.metrics.map((x) => (x.shape === 'scalar' && x.kind === 'model' ? [x.name, x.control, x.treatment] : [x.name]));
    expect(points(m)).toEqual(points(one));
    expect(m.comparisons[0]!.verdicts.map((v) => v.passed)).toEqual(one.comparisons[0]!.verdicts.map((v) => v.passed));
    expect(m.meta.rows_seen).toBe(one.meta.rows_seen);
  }, 60_000);
});
