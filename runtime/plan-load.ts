/**
 * Loading a plan: the runtime's only input, checked before anything runs.
 *
 * Order of checks, each a one-line {@link PlanError}: readable JSON → supported `format_version` →
 * JSON Schema (ajv, `plan/plan.schema.json`) → references inside the plan (nodes, models, inputs, and
 * topological order) → model files present and (by default) unchanged since compile (sha256).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { PLAN_FORMAT_VERSION, type Plan, type PlanModel, type PlanRef } from '../plan/plan-types.ts';

/** A plan that cannot run: unreadable, foreign version, schema violations, broken references, models gone. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

export interface LoadPlanOptions {
  /** Compare each model file's sha256 with the plan (default true): a model changed after compile is an error. */
  verifyModels?: boolean;
  /** Name used in messages for a plan given as an object (default `plan`). */
  label?: string;
}

/**
 * A validated plan plus where its model files are on this machine. Invariant: `modelPaths` has one
 * existing file per `plan.models` entry, keyed by model name.
 */
export interface LoadedPlan {
  plan: Plan;
  modelPaths: Map<string, string>;
  /** The plan file, when loaded from one. */
  file?: string;
}

/** Schema violations shown in a message; the rest are counted. */
const MAX_SHOWN_VIOLATIONS = 3;

let validator: ValidateFunction | undefined;

function planValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(new URL('../plan/plan.schema.json', import.meta.url), 'utf8')) as object;
  // ajv is CommonJS: under ESM its class is the default export's `default`.
  const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as
    new (opts: object) => { compile(s: object): ValidateFunction };
  validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return validator;
}

/**
 * Read, validate and locate a plan. `source` is a path to a plan JSON file or an already-parsed object
 * (validated all the same: a plan written by another tool runs only if it is a valid plan).
 * Throws {@link PlanError} with a one-line message; never returns an unvalidated plan.
 */
export function loadPlan(source: string | unknown, opts: LoadPlanOptions = {}): LoadedPlan {
  const file = typeof source === 'string' ? source : undefined;
  const label = file ?? opts.label ?? 'plan';
  let raw: unknown = source;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new PlanError(`${label}: cannot read the plan (${code === 'ENOENT' ? 'no such file' : code ?? String(err)})`);
    }
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new PlanError(`${label}: not valid JSON (${(err as Error).message})`);
    }
  }
  const plan = validatePlan(raw, label);
  const modelPaths = locateModels(plan, label, file, opts.verifyModels ?? true);
  return { plan, modelPaths, file };
}

/** Version, schema and reference checks of a parsed plan (no file system access). */
export function validatePlan(raw: unknown, label = 'plan'): Plan {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PlanError(`${label}: not an m4 plan (expected a JSON object)`);
  }
  const version = (raw as { format_version?: unknown }).format_version;
  if (version !== PLAN_FORMAT_VERSION) {
    const found = version === undefined ? 'no format_version' : `format_version ${JSON.stringify(version)}`;
    throw new PlanError(
      `${label}: plan has ${found}, this m4 runs format_version ${PLAN_FORMAT_VERSION}; recompile it with \`m4c compile\``,
    );
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
      const preciseInside = errors.some((o) => o !== e && !inBranch(o) && o.schemaPath.startsWith(`${e.schemaPath}/`)
        && (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`)));
      if (preciseInside) continue;
      // Every branch ruled out by `kind`: the kind itself is what is wrong.
      const w = wrong.get(e.instancePath);
      lines.push(w
        ? `${e.instancePath}/kind: must be one of ${w.kinds.map((k) => JSON.stringify(k)).join(', ')}`
        : `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
      continue;
    }
    const extra = e.keyword === 'additionalProperties'
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
  const fail = (msg: string): never => { throw new PlanError(`${label}: invalid plan: ${msg}`); };
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

/**
 * Find each model file: the absolute path recorded at compile time, else `source_path` next to the
 * .m4 source, else next to the plan file (a plan copied with its models to another machine).
 */
function locateModels(plan: Plan, label: string, file: string | undefined, verify: boolean): Map<string, string> {
  const found = new Map<string, string>();
  const digests = new Map<string, string>();
  for (const model of plan.models) {
    if (model.external) throw new PlanError(externalRefusal(plan, model, label));
    const candidates = [model.path];
    if (!isAbsolute(model.source_path)) {
      candidates.push(resolve(dirname(plan.source.file), model.source_path));
      if (file !== undefined) candidates.push(resolve(dirname(file), model.source_path));
    }
    const path = candidates.find((p) => existsSync(p) && statSync(p).isFile());
    if (path === undefined) {
      throw new PlanError(
        `${label}: model \`${model.name}\` (${spanText(model)}): file not found: ${model.path}; recompile the plan after restoring or moving it`,
      );
    }
    if (verify) {
      let digest = digests.get(path);
      if (digest === undefined) {
        digest = createHash('sha256').update(readFileSync(path)).digest('hex');
        digests.set(path, digest);
      }
      if (digest !== model.sha256) {
        throw new PlanError(
          `${label}: model \`${model.name}\` (${spanText(model)}): ${path} changed since the plan was compiled (sha256 differs); recompile with \`m4c compile\``,
        );
      }
    }
    found.set(model.name, path);
  }
  return found;
}

/**
 * Why a plan that calls an external model cannot run: the first node calling it (or the model when no node
 * does), where it is declared, what serves it elsewhere and what to do.
 */
function externalRefusal(plan: Plan, model: PlanModel, label: string): string {
  const node = plan.nodes.find((n) => n.kind === 'model' && n.model === model.name);
  const backend = model.external?.backend ? ` (backend ${model.external.backend})` : '';
  const where = node ? `node \`${node.id}\` (${node.span.file}:${node.span.line}:${node.span.column}) calls model \`${model.name}\`` : `model \`${model.name}\` (${spanText(model)})`;
  return `${label}: ${where}, which is external${backend}: m4 checks it by its declared signature but cannot run it; export it to ONNX and declare it with onnx("path/to/model.onnx"), or replace it with stdlib ops`;
}

function spanText(m: PlanModel): string {
  return `${m.span.file}:${m.span.line}:${m.span.column}`;
}
