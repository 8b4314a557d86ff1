/**
 * Loading a plan: the runtime's only input, checked before anything runs.
 *
 * Order of checks, each a one-line {@link PlanError}: readable JSON → the plan's own checks
 * (plan/plan-schema.ts: version, JSON Schema, references) → model files present and (by default)
 * unchanged since compile (sha256).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Plan, PlanModel } from '../plan/plan-types.ts';
import { PlanError, validatePlan } from '../plan/plan-schema.ts';

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
      throw new PlanError(`${label}: cannot read the plan (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))})`);
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
  const where = node
    ? `node \`${node.id}\` (${node.span.file}:${node.span.line}:${node.span.column}) calls model \`${model.name}\``
    : `model \`${model.name}\` (${spanText(model)})`;
  return `${label}: ${where}, which is external${backend}: m4 checks it by its declared signature but cannot run it; export it to ONNX and declare it with onnx("path/to/model.onnx"), or replace it with stdlib ops`;
}

function spanText(m: PlanModel): string {
  return `${m.span.file}:${m.span.line}:${m.span.column}`;
}
