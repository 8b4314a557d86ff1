/**
 * The one check of a plan's shape, used by the compiler on what it writes and by the runtime on what it
 * reads: supported `format_version` → JSON Schema (ajv, `plan.schema.json`) → references inside the plan
 * (nodes, models, inputs, topological order). Each failure is a one-line {@link PlanError}.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compilePlanValidator } from './plan-validator.ts';
import type { Plan, PlanRef } from './plan-types.ts';
import { PLAN_FORMAT_VERSION } from './version.ts';
import { EXIT, M4Error } from './errors.ts';

/** A plan that cannot run: unreadable, foreign version, schema violations, broken references, models gone (exit 2). */
export class PlanError extends M4Error {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** Schema violations shown in a message; the rest are counted. */
const MAX_SHOWN_VIOLATIONS = 3;

let validator: ValidateFunction | undefined;

function planValidator(): ValidateFunction {
  validator ??= compilePlanValidator();
  return validator;
}

/** Schema violations of a plan, as readable `pointer: message` lines; empty when the plan is valid. */
export function planSchemaErrors(plan: unknown): string[] {
  const validate = planValidator();
  return validate(plan) ? [] : readableViolations(validate.errors ?? []);
}

/** Version, schema and reference checks of a parsed plan (no file system access). */
export function validatePlan(raw: unknown, label = 'plan'): Plan {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PlanError(`${label}: not an m4 plan (expected a JSON object)`);
  }
  const version = (raw as { format_version?: unknown }).format_version;
  if (version !== PLAN_FORMAT_VERSION) {
    const found = version === undefined ? 'no format_version' : `format_version ${JSON.stringify(version)}`;
    throw new PlanError(`${label}: plan has ${found}, this m4 runs format_version ${PLAN_FORMAT_VERSION}; recompile it with \`m4c compile\``);
  }
  const validate = planValidator();
  if (!validate(raw)) {
    const shown = readableViolations(validate.errors ?? []);
    const more = shown.length > MAX_SHOWN_VIOLATIONS ? ` (and ${shown.length - MAX_SHOWN_VIOLATIONS} more)` : '';
    throw new PlanError(`${label}: invalid plan: ${shown.slice(0, MAX_SHOWN_VIOLATIONS).join('; ')}${more}`);
  }
  const plan = raw as Plan;
  checkReferences(plan, label);
  return plan;
}

/**
 * ajv reports every branch of a `oneOf` (node kinds, input sources, tasks). A branch whose `kind`
 * constant does not match the object is not the one the author meant, so its errors are noise: drop
 * them, and drop the "must match exactly one schema" summary when a more precise error remains.
 */
function readableViolations(errors: ErrorObject[]): string[] {
  // instance path → oneOf branches ruled out by their `kind` constant, and the kinds they wanted
  const wrong = new Map<string, { branches: string[]; kinds: unknown[] }>();
  for (const e of errors) {
    const m = /^(.*\/oneOf\/\d+)\/properties\/kind\/const$/.exec(e.schemaPath);
    if (!m || e.keyword !== 'const') continue;
    const inst = e.instancePath.replace(/\/kind$/, '');
    const entry = wrong.get(inst) ?? { branches: [], kinds: [] };
    entry.branches.push(`${m[1]}/`);
    entry.kinds.push((e.params as { allowedValue: unknown }).allowedValue);
    wrong.set(inst, entry);
  }
  const inBranch = (e: ErrorObject): boolean => {
    for (const [inst, { branches }] of wrong) {
      if (e.instancePath !== inst && !e.instancePath.startsWith(`${inst}/`)) continue;
      if (branches.some((b) => e.schemaPath.startsWith(b))) return true;
    }
    return false;
  };
  const lines: string[] = [];
  for (const e of errors) {
    if (inBranch(e)) continue;
    if (e.keyword === 'oneOf') {
      const preciseInside = errors.some(
        (o) =>
          o !== e &&
          !inBranch(o) &&
          o.schemaPath.startsWith(`${e.schemaPath}/`) &&
          (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`)),
      );
      if (preciseInside) continue;
      // Every branch ruled out by `kind`: the kind itself is what is wrong.
      const w = wrong.get(e.instancePath);
      lines.push(
        w
          ? `${e.instancePath}/kind: must be one of ${w.kinds.map((k) => JSON.stringify(k)).join(', ')}`
          : `${e.instancePath || '/'}: ${e.message ?? e.keyword}`,
      );
      continue;
    }
    const extra =
      e.keyword === 'additionalProperties'
        ? ` \`${(e.params as { additionalProperty: string }).additionalProperty}\``
        : e.keyword === 'enum'
          ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
          : e.keyword === 'const'
            ? ` ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`
            : '';
    lines.push(`${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`);
  }
  return [...new Set(lines)];
}

/** What the schema cannot say: names resolve, and `nodes` is in topological order. */
function checkReferences(plan: Plan, label: string): void {
  const fail = (msg: string): never => {
    throw new PlanError(`${label}: invalid plan: ${msg}`);
  };
  const inputs = new Set(plan.inputs.map((i) => i.name));
  const models = new Set(plan.models.map((m) => m.name));
  const outputsOf = new Map<string, Set<string>>();
  const refOk = (ref: PlanRef, where: string): void => {
    const outs = outputsOf.get(ref.node);
    if (!outs) fail(`${where} reads node \`${ref.node}\`, which is not defined before it`);
    else if (!outs.has(ref.output)) fail(`${where} reads \`${ref.node}.${ref.output}\`, but node \`${ref.node}\` has no output \`${ref.output}\``);
  };
  for (const [i, node] of plan.nodes.entries()) {
    const where = `/nodes/${i} (\`${node.id}\`)`;
    if (outputsOf.has(node.id)) fail(`${where}: duplicate node id`);
    if (node.kind === 'input' && !inputs.has(node.input)) fail(`${where}: unknown input \`${node.input}\``);
    if (node.kind === 'model' && !models.has(node.model)) fail(`${where}: unknown model \`${node.model}\``);
    if (node.kind === 'op') node.args.forEach((a, j) => refOk(a, `${where} argument ${j}`));
    if (node.kind === 'model') for (const [name, ref] of Object.entries(node.feeds)) refOk(ref, `${where} feed \`${name}\``);
    outputsOf.set(node.id, new Set(node.outputs.map((o) => o.name)));
  }
  plan.outputs.forEach((o) => refOk(o.ref, `output \`${o.name}\``));
  for (const c of plan.comparisons) {
    refOk(c.control, `comparison \`${c.name}\` control`);
    refOk(c.treatment, `comparison \`${c.name}\` treatment`);
    if (c.label) refOk(c.label, `comparison \`${c.name}\` label`);
    if (c.slice_by) refOk(c.slice_by, `comparison \`${c.name}\` slice_by`);
  }
}
