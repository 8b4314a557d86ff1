import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/plan-types.ts';
import { loadPlan } from '../../runtime/plan-load.ts';
import { PlanError, validatePlan } from '../../plan/plan-schema.ts';
import { abPlan } from './support/plans.ts';

let dir: string;
let plan: Plan;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-plan-load-'));
  plan = abPlan(dir).plan;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clone = (): Plan => structuredClone(plan);

function planErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PlanError);
    return (err as Error).message;
  }
  throw new Error('expected a PlanError');
}

describe('loadPlan', () => {
  it('loads a valid plan from a file and locates its models', () => {
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(plan));
    const loaded = loadPlan(file);
    expect(loaded.plan.nodes.map((n) => n.id)).toEqual(['x', 'label', 'ctl', 'treat']);
    expect(loaded.modelPaths.get('v1')).toBe(join(dir, 'v1.onnx'));
    expect(loaded.file).toBe(file);
  });

  it('rejects a plan of another format version with a hint to recompile', () => {
    const msg = planErrorOf(() => loadPlan({ ...clone(), format_version: 2 }, { label: 'old.json' }));
    expect(msg).toBe('old.json: plan has format_version 2, this m4 runs format_version 1; recompile it with `m4c compile`');
  });

  it('names the first schema violations by JSON pointer, one line', () => {
    const bad = clone() as unknown as Record<string, unknown>;
    (bad.nodes as Record<string, unknown>[])[2].feeds = 'x';
    delete (bad.outputs as Record<string, unknown>[])[0].span;
    (bad.inputs as Record<string, unknown>[])[0].extra = true;
    const msg = planErrorOf(() => validatePlan(bad, 'p.json'));
    expect(msg).not.toContain('\n');
    expect(msg).toMatch(/^p\.json: invalid plan: /);
    expect(msg).toContain('/inputs/0: must NOT have additional properties `extra`');
    expect(msg).toContain('/nodes/2/feeds: must be object');
    expect(msg).toContain("/outputs/0: must have required property 'span'");
    // The branches of the node `oneOf` for other kinds are noise and are not reported.
    expect(msg).not.toContain("required property 'input'");
  });

  it('reports an unknown node kind as such', () => {
    const bad = clone() as unknown as { nodes: Record<string, unknown>[] };
    bad.nodes[2].kind = 'modle';
    const msg = planErrorOf(() => validatePlan(bad));
    expect(msg).toBe('plan: invalid plan: /nodes/2/kind: must be one of "input", "op", "model"');
  });

  it('counts violations beyond the first three', () => {
    const bad = clone() as unknown as { outputs: Record<string, unknown>[] };
    for (const o of bad.outputs) {
      delete o.span;
      delete o.type;
    }
    const msg = planErrorOf(() => validatePlan(bad));
    expect(msg).toMatch(/\(and 3 more\)$/);
  });

  it('rejects references the schema cannot check', () => {
    const p = clone();
    p.outputs[0].ref = { node: 'ctl', output: 'logits' };
    expect(planErrorOf(() => validatePlan(p))).toContain('output `p1` reads `ctl.logits`, but node `ctl` has no output `logits`');
    const q = clone();
    q.nodes.reverse();
    expect(planErrorOf(() => validatePlan(q))).toContain('reads node `x`, which is not defined before it');
  });

  it('rejects a file that is not JSON, or missing', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"format_version": 1,');
    expect(planErrorOf(() => loadPlan(file))).toMatch(/broken\.json: not valid JSON/);
    expect(planErrorOf(() => loadPlan(join(dir, 'nope.json')))).toMatch(/nope\.json: cannot read the plan \(no such file\)/);
  });

  it('names the model and its declaration when a model file is missing', () => {
    const p = clone();
    p.models[1].path = join(dir, 'gone.onnx');
    p.models[1].source_path = 'gone.onnx';
    expect(planErrorOf(() => loadPlan(p))).toBe(
      `plan: model \`v2\` (ab.m4:6:1): file not found: ${join(dir, 'gone.onnx')}; recompile the plan after restoring or moving it`,
    );
  });

  it('finds a moved model next to the .m4 source by its relative path', () => {
    const p = clone();
    p.models[0].path = '/nowhere/v1.onnx';
    expect(loadPlan(p).modelPaths.get('v1')).toBe(join(dir, 'v1.onnx'));
  });

  it('detects a model changed after compile, unless verification is off', () => {
    const p = clone();
    p.models[0].sha256 = 'b'.repeat(64);
    expect(planErrorOf(() => loadPlan(p))).toMatch(
      /model `v1` \(ab\.m4:5:1\): .*v1\.onnx changed since the plan was compiled \(sha256 differs\); recompile with `m4c compile`/,
    );
    expect(loadPlan(p, { verifyModels: false }).modelPaths.size).toBe(2);
  });
});
