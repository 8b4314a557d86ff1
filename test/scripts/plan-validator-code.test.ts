/**
 * The CLI's bundle validates plans with the validator scripts/plan-validator-code.mjs generates ahead of time
 * (ajv standalone code) instead of compiling plan.schema.json at each start: it must give the verdicts and the
 * errors of the validator the sources compile (plan/plan-validator.ts), on valid plans and on broken ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlanValidator, PLAN_AJV_OPTIONS } from '../../plan/plan-validator.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { PLAN_AJV_OPTIONS as SCRIPT_OPTIONS, planValidatorCode } from '../../scripts/plan-validator-code.mjs';
import { abPlan } from '../runtime/support/plans.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let plan: Plan;
let precompiled: ValidateFunction;
const compiled = compilePlanValidator();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm4-plan-validator-'));
  plan = abPlan(dir, { withOps: true }).plan;
  const file = join(dir, 'plan-validator.mjs');
  writeFileSync(file, planValidatorCode(ROOT));
  precompiled = ((await import(pathToFileURL(file).href)) as { compilePlanValidator(): ValidateFunction }).compilePlanValidator();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Both validators' verdict and errors on one value. */
function both(value: unknown): { compiled: unknown; precompiled: unknown } {
  const a = compiled(value);
  const aErrors = structuredClone(compiled.errors ?? null);
  const b = precompiled(value);
  const bErrors = structuredClone(precompiled.errors ?? null);
  return { compiled: [a, aErrors], precompiled: [b, bErrors] };
}

describe('the precompiled plan validator', () => {
  it('is generated with the options the sources compile the schema with', () => {
    expect(SCRIPT_OPTIONS).toEqual(PLAN_AJV_OPTIONS);
  });

  it('accepts a valid plan, as the compiled one does', () => {
    const r = both(plan);
    expect(r.compiled).toEqual([true, null]);
    expect(r.precompiled).toEqual(r.compiled);
  });

  it('gives the same errors on broken plans', () => {
    const breakers: ((p: Record<string, unknown>) => void)[] = [
      (p) => ((p.nodes as Record<string, unknown>[])[2]!.feeds = 'x'),
      (p) => delete (p.outputs as Record<string, unknown>[])[0]!.span,
      (p) => ((p.inputs as Record<string, unknown>[])[0]!.extra = true),
      (p) => ((p.nodes as Record<string, unknown>[])[0]!.kind = 'nope'),
      (p) => (p.models = 'none'),
      (p) => delete p.format_version,
    ];
    let errors = 0;
    for (const breakIt of breakers) {
      const bad = structuredClone(plan) as unknown as Record<string, unknown>;
      breakIt(bad);
      const r = both(bad);
      expect((r.compiled as [boolean])[0]).toBe(false);
      expect(r.precompiled).toEqual(r.compiled);
      errors += ((r.compiled as [boolean, unknown[]])[1] ?? []).length;
    }
    expect(errors).toBeGreaterThan(breakers.length);
    for (const v of [null, 1, 'plan', [], {}]) expect(both(v).precompiled).toEqual(both(v).compiled);
  });
});
