import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/plan-types.ts';
import { buildProgram, hasConcurrentModels } from '../../runtime/plan-graph.ts';
import { AUTO_WORKERS_MIN_BATCH, chooseEngine, placeSessions, planSessions } from '../../runtime/scheduler.ts';
import { abPlan, span } from './support/plans.ts';

let dir: string;
let plan: Plan;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-scheduler-'));
  plan = abPlan(dir, { withOps: true }).plan;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const paths = (p: Plan): Map<string, string> => new Map(p.models.map((m) => [m.name, m.path]));

/** The A/B plan with the treatment fed the control's probabilities: a chain, no concurrency. */
function chainPlan(): Plan {
  const p = structuredClone(plan);
  const treat = p.nodes.find((n) => n.id === 'treat')!;
  if (treat.kind !== 'model') throw new Error('fixture');
  // Order is what matters here, not whether the shapes would run.
  treat.feeds = { x: { node: 'ctl', output: 'probabilities' } };
  return p;
}

describe('program', () => {
  it('keeps the needed nodes in order, with one slot per value and reader counts', () => {
    const prog = buildProgram(plan);
    expect(prog.steps.map((s) => s.node.id)).toEqual(['x', 'label', 'ctl', 'treat', 'ctl_score', 'treat_score']);
    const x = prog.steps[0];
    // `x` feeds both models.
    expect(prog.readers[x.kind === 'input' ? x.out : -1]).toBe(2);
    const treat = prog.steps[3];
    if (treat.kind !== 'model') throw new Error('fixture');
    expect(treat.fetches).toEqual(['label', 'probabilities']);
    expect(treat.deps).toEqual([0]);
  });

  it('drops what no requested target reads', () => {
    // Outputs read the models' probabilities and labels: the scores and `label` serve the comparison only.
    const prog = buildProgram(plan, { comparisons: false });
    expect(prog.steps.map((s) => s.node.id)).toEqual(['x', 'ctl', 'treat']);
    expect(prog.comparisons).toEqual([]);
    const none = buildProgram(plan, { outputs: false, comparisons: false });
    expect(none.steps).toEqual([]);
  });

  it('finds model calls that can run concurrently', () => {
    expect(hasConcurrentModels(buildProgram(plan))).toBe(true);
    expect(hasConcurrentModels(buildProgram(chainPlan()))).toBe(false);
  });
});

describe('engine choice', () => {
  it('auto: workers only for concurrent models at batch >= the threshold', () => {
    const prog = buildProgram(plan);
    expect(chooseEngine('auto', prog, AUTO_WORKERS_MIN_BATCH).engine).toBe('workers');
    expect(chooseEngine('auto', prog, AUTO_WORKERS_MIN_BATCH - 1).engine).toBe('main');
    expect(chooseEngine('auto', prog, undefined).engine).toBe('main');
    expect(chooseEngine('auto', buildProgram(chainPlan()), 4096)).toEqual({ engine: 'main', reason: 'no two model calls can run concurrently' });
  });

  it('an explicit engine wins, except that a graph without models needs none', () => {
    const prog = buildProgram(plan);
    expect(chooseEngine('workers', prog, 1).engine).toBe('workers');
    expect(chooseEngine('main', prog, 4096).engine).toBe('main');
    const noModels = structuredClone(plan);
    noModels.comparisons = [];
    noModels.outputs = [{ name: 'x', ref: { node: 'x', output: 'out' }, type: { dtype: 'f32', dims: ['batch', 30] }, span: span(30) }];
    expect(chooseEngine('workers', buildProgram(noModels), 4096).engine).toBe('main');
  });
});

describe('session placement', () => {
  it('opens one session per model file and spreads sessions over workers', () => {
    const p = structuredClone(plan);
    p.models.push({ ...p.models[0], name: 'v1_again' });
    const node = p.nodes.find((n) => n.id === 'treat')!;
    if (node.kind !== 'model') throw new Error('fixture');
    node.model = 'v1_again';
    const { sessions, keyOfModel } = planSessions(buildProgram(p), paths(p));
    expect(sessions).toHaveLength(1);
    expect(keyOfModel.get('v1')).toBe(keyOfModel.get('v1_again'));

    const two = planSessions(buildProgram(plan), paths(plan)).sessions;
    expect(placeSessions(two, 2).map((w) => w.map((s) => s.models[0]))).toEqual([['v1'], ['v2']]);
    expect(placeSessions(two, 1).map((w) => w.map((s) => s.models[0]))).toEqual([['v1', 'v2']]);
  });
});
