/**
 * ajv validation of plans against plan/plan.schema.json. The compiler checks what it writes; the runtime has
 * its own loader that checks what it reads (it does not import the compiler).
 */
import { Ajv } from 'ajv';
import { createRequire } from 'node:module';

const schema = createRequire(import.meta.url)('../plan/plan.schema.json') as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** Schema violations of a plan, as `pointer: message` lines; empty when the plan is valid. */
export function planSchemaErrors(plan: unknown): string[] {
  if (validate(plan)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
