/**
 * The plan's JSON Schema (`plan.schema.json`) compiled by ajv. Compiling it takes ~0.1 s, at every start of
 * every command that reads a plan; the CLI's bundle (scripts/build-cli.mjs) replaces this module with the
 * same validator generated ahead of time by ajv's standalone code (scripts/plan-validator-code.mjs, with
 * {@link PLAN_AJV_OPTIONS}), so only running the sources pays for the compile.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import schema from './plan.schema.json' with { type: 'json' };

/** ajv's options for the plan schema; scripts/plan-validator-code.mjs generates the bundle's validator with the same. */
export const PLAN_AJV_OPTIONS = { allErrors: true, strict: false } as const;

/** The plan schema's validator, compiled now. */
export function compilePlanValidator(): ValidateFunction {
  return new Ajv(PLAN_AJV_OPTIONS).compile(schema);
}
