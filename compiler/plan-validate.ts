/**
 * ajv validation of plans against plan/plan.schema.json. The compiler checks what it writes; the runtime has
 * its own loader that checks what it reads (it does not import the compiler).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import schema from '../plan/plan.schema.json' with { type: 'json' };

let validate: ValidateFunction | undefined;

/** Schema violations of a plan, as `pointer: message` lines; empty when the plan is valid. */
export function planSchemaErrors(plan: unknown): string[] {
  validate ??= new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (validate(plan)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
