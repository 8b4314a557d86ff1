/**
 * The params pass: an op call's named arguments are validated against the op's JSON Schema with ajv,
 * and every ajv error is mapped back to the span of the argument it concerns, in words.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Arg, CallExpr, Expr, Span } from '../grammar/ast.ts';
import type { OpSpec } from '../stdlib/ops/op-spec.ts';
import { HELP, NOTE } from './diagnostics/catalogue.ts';
import { didYouMean, suggest } from './did-you-mean.ts';
import { diag, type Diagnostic } from './diagnostics/diagnostic.ts';
import { PARAMS_AJV_OPTIONS, PRECOMPILED_PARAMS } from './params-validators.ts';

let ajv: Ajv | undefined;
const newAjv = (): Ajv => new (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv(PARAMS_AJV_OPTIONS);
const validators = new Map<string, ValidateFunction>();

function validatorFor(op: OpSpec): ValidateFunction {
  let v = validators.get(op.name);
  if (!v) {
    // The CLI's bundle has every op's validator compiled ahead of time (params-validators.ts); ajv itself
    // loads only for an op without one (never in the bundle).
    v = PRECOMPILED_PARAMS[op.name] ?? (ajv ??= newAjv()).compile(op.params);
    validators.set(op.name, v);
  }
  return v;
}

/** A literal expression's JSON value, or `undefined` when the expression is not a literal. */
export function literalValue(e: Expr | undefined): unknown {
  if (!e) return undefined;
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'string':
      return e.value;
    case 'bool':
      return e.value;
    case 'list': {
      const out: unknown[] = [];
      for (const it of e.items) {
        const v = literalValue(it);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    default:
      return undefined;
  }
}

export interface ParamsCheck {
  /** The params with schema defaults applied; `undefined` when they are invalid. */
  params: Record<string, unknown> | undefined;
  diagnostics: Diagnostic[];
}

/** Validate the named arguments of a call of `op`. */
export function checkParams(op: OpSpec, call: CallExpr, named: Arg[]): ParamsCheck {
  const diagnostics: Diagnostic[] = [];
  const params: Record<string, unknown> = {};
  const argOf = new Map<string, Arg>();
  for (const a of named) {
    if (!a.name) continue;
    const key = a.name.text;
    if (argOf.has(key)) {
      diagnostics.push(diag('M4006', a.name.span, { op: op.name, param: key }));
      continue;
    }
    argOf.set(key, a);
    const v = literalValue(a.value);
    if (v === undefined) {
      if (a.value) diagnostics.push(diag('M4005', a.value.span, { op: op.name, param: key }));
      continue;
    }
    params[key] = v;
  }
  if (diagnostics.length > 0) return { params: undefined, diagnostics };

  const validate = validatorFor(op);
  if (validate(params)) return { params, diagnostics };

  const byParam = new Map<string, ErrorObject[]>();
  for (const err of validate.errors ?? []) {
    if (err.keyword === 'additionalProperties') {
      const name = String((err.params as { additionalProperty: string }).additionalProperty);
      const arg = argOf.get(name);
      const guess = didYouMean(name, Object.keys(op.params.properties));
      const span = arg?.name?.span ?? call.callee.span;
      diagnostics.push(
        diag(
          'M4002',
          span,
          { op: op.name, param: name },
          guess ? suggest(guess, span) : { help: HELP.opParameters(op.name, Object.keys(op.params.properties)) },
        ),
      );
      continue;
    }
    if (err.keyword === 'required') {
      const name = String((err.params as { missingProperty: string }).missingProperty);
      const desc = op.params.properties[name]?.description;
      diagnostics.push(
        diag(
          'M4003',
          call.callee.span,
          { op: op.name, param: name },
          desc ? { notes: [NOTE.parameter(name, desc)], help: HELP.addParameter(name) } : {},
        ),
      );
      continue;
    }
    const name = err.instancePath.split('/')[1] ?? '';
    if (!byParam.has(name)) byParam.set(name, []);
    byParam.get(name)!.push(err);
  }
  for (const [name, errs] of byParam) {
    const arg = argOf.get(name);
    const span = errorSpan(arg, errs[0]!) ?? call.span;
    diagnostics.push(diag('M4001', span, { op: op.name, param: name, reason: reasonOf(errs, op, name) }));
  }
  return { params: undefined, diagnostics };
}

/** Point at the list item when the error is about one (`/mean/2`). */
function errorSpan(arg: Arg | undefined, err: ErrorObject): Span | undefined {
  if (!arg?.value) return arg?.span;
  const parts = err.instancePath.split('/').slice(2);
  let e: Expr | undefined = arg.value;
  for (const p of parts) {
    if (e?.kind !== 'list') break;
    e = e.items[Number(p)];
  }
  return (e ?? arg.value).span;
}

function reasonOf(errs: ErrorObject[], op: OpSpec, name: string): string {
  // With oneOf/anyOf, ajv reports every branch; the schema's description says it better.
  if (errs.some((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')) {
    const desc = op.params.properties[name]?.description;
    return desc ? `is invalid: expected ${desc}` : 'has an invalid value';
  }
  const e = errs[0]!;
  const item = e.instancePath.split('/').length > 2 ? `item ${e.instancePath.split('/').slice(2).join('.')} ` : '';
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `${item}must be ${article(String(p.type))}`;
    case 'enum':
      return `${item}must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${item}must be ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
      return `${item}must be at least ${String(p.limit)}`;
    case 'maximum':
      return `${item}must be at most ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `${item}must be greater than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `${item}must be less than ${String(p.limit)}`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'multipleOf':
      return `${item}must be a multiple of ${String(p.multipleOf)}`;
    case 'not':
      return `${item}has a value that is not allowed`;
    default:
      return `${item}${e.message ?? 'is invalid'}`;
  }
}

function article(type: string): string {
  const words: Record<string, string> = {
    number: 'a number',
    integer: 'an integer',
    string: 'a string',
    boolean: 'a boolean',
    array: 'a list',
    object: 'an object',
  };
  return type
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ');
}
