/**
 * The typecheck pass: dtype and shape inference through inputs, stdlib ops and model calls, with
 * symbolic dims unified across the graph (dims.ts). Model calls are checked against the models' ONNX
 * signatures; op calls against their parameter schemas (params.ts) and type rules. A mismatch names both
 * types and where each came from. An expression whose type cannot be known (an earlier error) is `unknown`
 * and never produces a second, cascading error.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { CallExpr, Decl, Expr, InputDecl, MemberExpr, Span } from '../grammar/ast.ts';
import { writeName } from '../grammar/language.ts';
import type { OpSpec } from '../stdlib/ops/op-spec.ts';
import { isInferError } from '../stdlib/ops/op-spec.ts';
import { getOp } from '../stdlib/ops/index.ts';
import { DTYPES, INPUT_DTYPES, formatDim, type DType, type Dim, type TensorType } from '../plan/tensor-type.ts';
import { HELP, NOTE } from './diagnostics/catalogue.ts';
import { didYouMean, suggest } from './did-you-mean.ts';
import { DimUnifier, type DimConflict, type Origin } from './dims.ts';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import type { ModelInfo, ModelTable } from './models.ts';
import { checkParams } from './params.ts';
import { compareValueFields, declaredSymbols, type M4Symbol, type Resolution } from './resolve.ts';

/** A tensor's static type plus where it came from, for messages. */
export interface ValueType {
  dtype: DType;
  dims: Dim[];
  origin: Origin;
}

export type ExprValue =
  | { kind: 'tensor'; type: ValueType }
  | { kind: 'model-call'; call: CallExpr; model: ModelInfo; outputs: Map<string, ValueType> }
  | { kind: 'unknown' };

/** What the checker learned about each call, for lowering. */
export type CallInfo =
  { kind: 'op'; op: OpSpec; params: Record<string, unknown>; args: Expr[] } | { kind: 'model'; model: ModelInfo; feeds: Map<string, Expr> };

export interface Typing {
  unifier: DimUnifier;
  /** The value of every expression that was checked. */
  values: Map<Expr, ExprValue>;
  /** Inputs, nodes and outputs that have a known tensor type. */
  declTypes: Map<M4Symbol, ValueType>;
  calls: Map<CallExpr, CallInfo>;
  /** A type as it is known after the whole graph was unified, for plans, hover and messages. */
  resolved(t: { dtype: DType; dims: Dim[] }): TensorType;
}

/**
 * How an incremental session (incremental.ts) takes part in a check: it may supply a declaration's results
 * instead of checking it, and is told what each declaration it did not supply produced. Without hooks,
 * `typecheck` checks everything (the `m4c check` path).
 */
export interface TypecheckHooks {
  /** The unifier to use (a session's recording one). */
  unifier?: DimUnifier;
  /**
   * The maps of values and call facts to fill, holding already what the hook will supply for reused
   * declarations (an incremental session passes the last check's, with what no longer holds removed).
   */
  values?: Map<Expr, ExprValue>;
  calls?: Map<CallExpr, CallInfo>;
  /** Called once, before any declaration is checked. */
  begin?(res: Resolution, order: readonly M4Symbol[], models: ModelTable): void;
  /**
   * Called before a declaration (typed ones in the checking order, then comparisons) is checked: `true` when
   * the hook supplied its results through `supply` instead.
   */
  before?(decl: Decl, sym: M4Symbol, supply: Supply): boolean;
  /** Called after a declaration the hook did not supply was checked. */
  after?(decl: Decl, sym: M4Symbol, checked: CheckedDecl, supply: Supply): void;
  /** The map of declared types to fill (default: a new one). */
  declTypes?: Map<M4Symbol, ValueType>;
  /**
   * Check only the declarations `drive` asks for (an incremental session's fast path, recheck.ts), in the
   * order it asks (each after what it reads). Every other declaration keeps the type `declTypes` holds
   * (the last check's map, updated in place) and its values and call facts in `values` and `calls`.
   */
  partial?: { drive(check: (sym: M4Symbol) => void, supply: Supply): void };
}

/** What a hook may put into the check in place of checking a declaration. */
export interface Supply {
  /** The declared type of an input, node or output (`undefined`: none). */
  setType(sym: M4Symbol, t: ValueType | undefined): void;
  /** The type a symbol has so far in this check (`undefined` when it has none or was not reached). */
  typeOf(sym: M4Symbol): ValueType | undefined;
  setValue(e: Expr, v: ExprValue): void;
  /** The one value every reference to `sym` shares. */
  symbolValue(sym: M4Symbol): ExprValue;
  setCall(c: CallExpr, info: CallInfo): void;
}

/** What checking one declaration did. */
export interface CheckedDecl {
  /** Diagnostics it reported. */
  diagnostics: number;
  /** The declarations it read the types of, in reading order (repeats possible). */
  reads: M4Symbol[];
  /** False when its result depends on more than its text, what it reads and the dims (a file-reading op). */
  cacheable: boolean;
  /** False when it was checked inside another declaration's check (a cycle): not attributable. */
  alone: boolean;
}

const UNKNOWN: ExprValue = { kind: 'unknown' };
/** The state of a declaration whose type is being computed (a reference back to it is a cycle). */
const VISITING = Symbol('visiting');

/**
 * `order`: the declarations' symbols with each after what it reads (the graph pass's order, or a best effort
 * when there is a cycle). Checking in that order keeps recursion as deep as one expression, not one chain.
 */
export function typecheck(
  res: Resolution,
  models: ModelTable,
  order: readonly M4Symbol[] = [],
  baseDir?: string,
  hooks?: TypecheckHooks,
): PassResult<Typing> {
  const diagnostics: Diagnostic[] = [];
  const unifier = hooks?.unifier ?? new DimUnifier();
  const values = hooks?.values ?? new Map<Expr, ExprValue>();
  const declTypes = hooks?.declTypes ?? new Map<M4Symbol, ValueType>();
  const partial = hooks?.partial;
  /** In a partial check, the declaration `drive` asked for (any other one not checked yet keeps its type). */
  let forced: M4Symbol | undefined;
  const calls = hooks?.calls ?? new Map<CallExpr, CallInfo>();
  // A symbol being typed, or typed: its type (`null`: none). One map read per reference, not two.
  const state = new Map<M4Symbol, typeof VISITING | ValueType | null>();
  /** How many symbols `state` holds: when it holds every typed declaration, none was left out by the order. */
  let entered = 0;
  const deferred = new Set<M4Symbol>();
  const symbolValues = new Map<M4Symbol, ExprValue>();
  const resolved = resolvedBy(unifier);
  const show = (t: { dtype: DType; dims: Dim[] }) => `${t.dtype}[${t.dims.map((d) => formatDim(unifier.resolve(d))).join(', ')}]`;
  // The declaration being checked for the hooks (a stack: a cycle checks one inside another).
  const checking: CheckedDecl[] = [];
  const supply: Supply = {
    setType(sym, t) {
      if (t) declTypes.set(sym, t);
      if (!state.has(sym)) entered++;
      state.set(sym, t ?? null);
    },
    typeOf: (sym) => declTypes.get(sym),
    setValue: (e, v) => values.set(e, v),
    symbolValue(sym) {
      let v = symbolValues.get(sym);
      if (!v) symbolValues.set(sym, (v = { kind: 'tensor', type: declTypes.get(sym)! }));
      return v;
    },
    setCall: (c, info) => calls.set(c, info),
  };
  // A declaration is checked through the hooks as: `supplied` (true: the hook gave its results), else
  // `startCheck`, the check, `endCheck`. (Not one function taking the check as a closure: under tsx, esbuild's
  // keepNames gives every closure made a `name`, which cost a 4 MB file's check measurably.)
  const supplied = (decl: Decl, sym: M4Symbol): boolean => !!hooks?.before?.(decl, sym, supply);
  function startCheck(): CheckedDecl | undefined {
    if (!hooks) return undefined;
    const rec: CheckedDecl = { diagnostics: diagnostics.length, reads: [], cacheable: true, alone: checking.length === 0 };
    for (const outer of checking) outer.alone = false;
    checking.push(rec);
    return rec;
  }
  function endCheck(rec: CheckedDecl | undefined, decl: Decl, sym: M4Symbol): void {
    if (!rec) return;
    checking.pop();
    rec.diagnostics = diagnostics.length - rec.diagnostics;
    hooks!.after?.(decl, sym, rec, supply);
  }
  const where = (o: Origin) => (o.span ? `${o.what} (${o.span.file}:${o.span.line}:${o.span.column})` : o.what);

  const conflictDiag = (c: DimConflict, span: Span, what: string): Diagnostic => {
    if (c.symbol) {
      return diag(
        'M3007',
        span,
        { symbol: c.symbol, first: String(c.first), second: String(c.second) },
        {
          notes: [
            NOTE.fixedBy(String(c.first), where(c.firstOrigin)),
            NOTE.fixedBy(String(c.second), where(c.secondOrigin)),
            NOTE.whileChecking(what),
          ],
          related: relatedOf([c.firstOrigin, c.secondOrigin]),
        },
      );
    }
    return diag('M3003', span, { what, expected: String(c.first), found: String(c.second) }, { related: relatedOf([c.firstOrigin, c.secondOrigin]) });
  };

  // ── declarations ──────────────────────────────────────────────────────────────────────────────
  function typeOfSymbol(sym: M4Symbol): ValueType | undefined {
    // On or after a cycle: typed on its own below, never through a chain (the set is empty until then).
    if (deferred.size > 0 && deferred.has(sym)) return undefined;
    const st = state.get(sym);
    if (st === VISITING) return undefined; // a cycle: the graph pass reports it
    if (st !== undefined) return st ?? undefined;
    if (partial && sym !== forced) return declTypes.get(sym);
    const decl = sym.decl;
    if (hooks && supplied(decl, sym)) return declTypes.get(sym);
    const rec = startCheck();
    state.set(sym, VISITING);
    entered++;
    let t: ValueType | undefined;
    if (decl.kind === 'input') t = inputType(decl, sym);
    else if (decl.kind === 'node' || decl.kind === 'output') {
      const v = exprValue(decl.expr, `${decl.kind} \`${sym.name}\``);
      const tv = asTensor(v, decl.expr);
      if (tv) t = { ...tv, origin: { what: `${decl.kind} \`${sym.name}\``, span: sym.nameSpan } };
    }
    if (t) declTypes.set(sym, t);
    else if (partial) declTypes.delete(sym);
    state.set(sym, t ?? null);
    endCheck(rec, decl, sym);
    return t;
  }

  function inputType(decl: InputDecl, sym: M4Symbol): ValueType | undefined {
    const te = decl.type;
    if (!te?.dtype) return undefined;
    let ok = true;
    if (te.dtype.text === 'image') {
      diagnostics.push(diag('M3013', te.dtype.span, { name: sym.name }));
      ok = false;
    } else if (!(DTYPES as readonly string[]).includes(te.dtype.text)) {
      const guess = didYouMean(te.dtype.text, INPUT_DTYPES);
      diagnostics.push(diag('M3001', te.dtype.span, { name: te.dtype.text }, suggest(guess, te.dtype.span)));
      ok = false;
    }
    if (te.dims.length === 0) {
      diagnostics.push(diag('M3008', te.span, { name: sym.name }));
      ok = false;
    }
    const dims: Dim[] = [];
    for (const d of te.dims) {
      if (d.kind === 'fixed') {
        if (!Number.isInteger(d.value) || d.value < 1) {
          diagnostics.push(diag('M3006', d.span, { text: d.text }));
          ok = false;
        }
        dims.push(d.value);
      } else dims.push(d.kind === 'symbol' ? d.name : null);
    }
    if (decl.from?.kind === 'columns') {
      const last = dims[dims.length - 1];
      if (typeof last === 'number' && last !== decl.from.items.length) {
        diagnostics.push(diag('M3011', decl.from.span, { name: sym.name, dims: last, columns: decl.from.items.length }));
      }
    }
    if (decl.from) {
      const paths = decl.from.kind === 'field' ? [decl.from.path] : decl.from.items;
      for (const p of paths) {
        if (p.value.split('.').some((s) => s.length === 0)) diagnostics.push(diag('M3010', p.span, { path: p.value }));
      }
    }
    if (!ok) return undefined;
    return { dtype: te.dtype.text as DType, dims, origin: { what: `input \`${sym.name}\``, span: te.span } };
  }

  // ── expressions ───────────────────────────────────────────────────────────────────────────────
  function exprValue(e: Expr | undefined, context: string): ExprValue {
    if (!e) return UNKNOWN;
    const cached = values.get(e);
    if (cached) return cached;
    let v: ExprValue = UNKNOWN;
    try {
      v = computeValue(e, context);
    } catch (err) {
      // A bug in a check must not take the whole compilation down (STYLE: Langium).
      diagnostics.push(diag('M7001', e.span, { detail: err instanceof Error ? err.message : String(err) }));
    }
    values.set(e, v);
    return v;
  }

  function computeValue(e: Expr, context: string): ExprValue {
    switch (e.kind) {
      case 'ref': {
        const target = res.targets.get(e.name);
        if (!target || target.kind !== 'symbol') return UNKNOWN;
        const sym = target.symbol;
        if (sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') {
          const t = typeOfSymbol(sym);
          if (checking.length > 0) checking[checking.length - 1]!.reads.push(sym);
          if (!t) return UNKNOWN;
          // One value per symbol, shared by every reference to it (values are read-only).
          let v = symbolValues.get(sym);
          if (!v) symbolValues.set(sym, (v = { kind: 'tensor', type: t }));
          return v;
        }
        return UNKNOWN;
      }
      case 'call': {
        const target = res.targets.get(e.callee);
        if (!target) {
          // An unknown callee (reported by resolve): its literal arguments may be parameters, so only the
          // others are checked, as values.
          for (const a of e.args) if (a.value && !isLiteral(a.value)) exprValue(a.value, context);
          return UNKNOWN;
        }
        if (target.kind === 'op') return opCall(e, getOp(target.op)!, context);
        if (target.symbol.kind === 'model') return modelCall(e, target.symbol, context);
        for (const a of e.args) if (a.value && !isLiteral(a.value)) exprValue(a.value, context);
        return UNKNOWN;
      }
      case 'member':
        return member(e, context);
      case 'number':
      case 'string':
      case 'bool':
      case 'list':
        diagnostics.push(diag('M3009', e.span, { what: context }));
        return UNKNOWN;
    }
  }

  /** The tensor of a value; a multi-output model call without a selected output is an error here. */
  function asTensor(v: ExprValue, e: Expr | undefined): ValueType | undefined {
    if (v.kind === 'tensor') return v.type;
    if (v.kind === 'model-call') {
      if (v.outputs.size === 1) return [...v.outputs.values()][0];
      if (e) {
        const names = [...v.outputs.keys()];
        diagnostics.push(
          diag(
            'M2006',
            e.span,
            { model: v.model.name, outputs: names.map((n) => `\`${n}\``).join(', ') },
            {
              suggestion: names[0]
                ? {
                    span: { ...e.span, start: e.span.end, column: e.span.endColumn, line: e.span.endLine },
                    replacement: `.${writeName(names[0])}`,
                    title: HELP.selectOutput(names[0]),
                  }
                : undefined,
            },
          ),
        );
      }
    }
    return undefined;
  }

  function opCall(call: CallExpr, op: OpSpec, context: string): ExprValue {
    const positional = call.args.filter((a) => !a.name);
    const named = call.args.filter((a) => a.name);
    const argTypes: (ValueType | undefined)[] = [];
    positional.forEach((a, i) => {
      if (a.value && isLiteral(a.value)) {
        diagnostics.push(
          diag(
            'M3009',
            a.value.span,
            { what: `argument ${i + 1} of \`${op.name}\`` },
            {
              help: Object.keys(op.params.properties).length > 0 ? HELP.literalsAreParameters(Object.keys(op.params.properties)) : undefined,
            },
          ),
        );
        argTypes.push(undefined);
        return;
      }
      argTypes.push(asTensor(exprValue(a.value, `argument ${i + 1} of \`${op.name}\``), a.value));
    });
    const { params, diagnostics: pd } = checkParams(op, call, named);
    diagnostics.push(...pd);
    const { min, max } = op.arity;
    if (positional.length < min || positional.length > max) {
      const expected = min === max ? String(min) : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      diagnostics.push(diag('M4004', call.callee.span, { op: op.name, expected, found: positional.length }, { notes: [NOTE.usage(op.example)] }));
      return UNKNOWN;
    }
    if (!params || argTypes.some((t) => !t)) return UNKNOWN;
    const types = argTypes as ValueType[];
    if (!op.readsImages) {
      const img = types.findIndex((t) => t.dtype === 'image');
      if (img >= 0) {
        diagnostics.push(diag('M3012', positional[img].span, { op: op.name }));
        return UNKNOWN;
      }
    }
    // File paths are relative to the .m4 file; the type rule reads the file, the plan keeps the absolute path.
    // The file may change while the text does not: such a check is never reused.
    if (op.fileParams && checking.length > 0) checking[checking.length - 1]!.cacheable = false;
    for (const p of op.fileParams ?? []) {
      const v = params[p];
      if (typeof v === 'string' && baseDir !== undefined && !isAbsolute(v)) params[p] = resolvePath(baseDir, v);
    }
    let conflicted = false;
    // A method, not an arrow property: under tsx (esbuild keepNames) an arrow here would get a `name`
    // defined on it for every call checked.
    const ctx = {
      sameDim(a: Dim, b: Dim, argA: number, argB: number): Dim {
        const r = unifier.unify(a, b, types[argA]?.origin ?? { what: 'argument' }, types[argB]?.origin ?? { what: 'argument' });
        if ('conflict' in r) {
          if (!conflicted) {
            conflicted = true;
            const ta = types[argA];
            const tb = types[argB];
            const symbolic = 'conflict' in r && r.conflict.symbol;
            if (symbolic) diagnostics.push(conflictDiag(r.conflict, call.span, `arguments of \`${op.name}\``));
            else
              diagnostics.push(
                diag(
                  'M3003',
                  call.span,
                  { what: `arguments of \`${op.name}\``, expected: ta ? show(ta) : '?', found: tb ? show(tb) : '?' },
                  {
                    notes: [
                      ta ? NOTE.argument(argA + 1, show(ta), where(ta.origin)) : '',
                      tb ? NOTE.argument(argB + 1, show(tb), where(tb.origin)) : '',
                    ].filter(Boolean),
                    related: relatedOf([ta?.origin, tb?.origin]),
                  },
                ),
              );
          }
          return a;
        }
        return r.dim;
      },
    };
    // Type rules see the dims as variables, so a conflict found through them names the symbol and both
    // places that fixed its size.
    const r = op.infer(
      types.map((t) => ({ dtype: t.dtype, dims: t.dims })),
      params,
      ctx,
    );
    if (conflicted) return UNKNOWN;
    if (isInferError(r)) {
      const argSpan = r.arg !== undefined ? positional[r.arg]?.span : undefined;
      const paramSpan = r.param !== undefined ? named.find((a) => a.name?.text === r.param)?.span : undefined;
      if (r.file && r.param !== undefined) {
        const valueSpan = named.find((a) => a.name?.text === r.param)?.value?.span;
        diagnostics.push(diag('M4007', valueSpan ?? paramSpan ?? call.span, { op: op.name, param: r.param, reason: r.error }));
        return UNKNOWN;
      }
      diagnostics.push(diag('M3005', argSpan ?? paramSpan ?? call.span, { op: op.name, message: r.error }, { notes: [NOTE.usage(op.example)] }));
      return UNKNOWN;
    }
    calls.set(call, { kind: 'op', op, params, args: positional.map((a) => a.value!) });
    return { kind: 'tensor', type: { dtype: r.dtype, dims: r.dims, origin: { what: `\`${op.name}(...)\` in ${context}`, span: call.span } } };
  }

  function modelCall(call: CallExpr, sym: M4Symbol, context: string): ExprValue {
    const model = models.get(sym.name);
    const feeds = new Map<string, Expr>();
    const argValues = new Map<string, { type: ValueType | undefined; span: Span; nameSpan: Span }>();
    for (const a of call.args) {
      const v = a.value ? exprValue(a.value, a.name ? `input \`${a.name.text}\` of \`${sym.name}\`` : context) : UNKNOWN;
      if (!a.name) {
        diagnostics.push(
          diag(
            'M2007',
            a.span,
            { model: sym.name },
            model
              ? {
                  notes: [
                    NOTE.inputsOf(
                      sym.name,
                      model.signature.inputs.map((i) => `\`${i.name}\``),
                    ),
                  ],
                }
              : {},
          ),
        );
        continue;
      }
      if (argValues.has(a.name.text)) {
        diagnostics.push(diag('M2009', a.name.span, { model: sym.name, name: a.name.text }));
        continue;
      }
      argValues.set(a.name.text, { type: asTensor(v, a.value), span: a.value?.span ?? a.span, nameSpan: a.name.span });
      if (a.value) feeds.set(a.name.text, a.value);
    }
    if (!model) return UNKNOWN; // the model file could not be read: reported by the models pass
    const sig = model.signature;
    const scope = unifier.callScope(sym.name);
    const local = (d: Dim): Dim => (typeof d === 'string' ? scope(d) : d);
    const sigOrigin = (what: string): Origin => ({
      what: `${what} of model \`${sym.name}\` (its ${model.external ? 'declared' : 'ONNX'} signature)`,
      span: model.decl.path?.span ?? model.decl.span,
    });
    let ok = true;
    let unknownArgs = 0;
    for (const name of argValues.keys()) if (!sig.inputs.some((i) => i.name === name)) unknownArgs++;
    for (const [name, arg] of argValues) {
      const input = sig.inputs.find((i) => i.name === name);
      if (!input) {
        const unbound = sig.inputs.map((i) => i.name).filter((n) => !argValues.has(n));
        const guess = didYouMean(name, unbound);
        // One unknown name and one unbound input: that is the rename, however different the names are.
        const only = !guess && unbound.length === 1 && unknownArgs === 1 ? unbound[0] : undefined;
        diagnostics.push(
          diag(
            'M2003',
            arg.nameSpan,
            { model: sym.name, name },
            {
              notes: [
                NOTE.inputsOf(
                  sym.name,
                  sig.inputs.map((i) => NOTE.typed(i.name, show(i.type))),
                ),
              ],
              ...suggest(guess ?? only, arg.nameSpan, writeName(guess ?? only ?? '')),
              ...(only ? { help: HELP.renameArgument(name, only) } : {}),
            },
          ),
        );
        ok = false;
        continue;
      }
      if (!arg.type) {
        ok = false;
        continue;
      }
      const expectedDims = input.type.dims.map(local);
      const what = `input \`${name}\` of \`${sym.name}\``;
      const expectedOrigin = sigOrigin(`input \`${name}\``);
      if (arg.type.dtype !== input.type.dtype) {
        diagnostics.push(
          diag(
            'M3002',
            arg.span,
            { what, expected: input.type.dtype, found: arg.type.dtype },
            {
              notes: [
                NOTE.expected(show({ dtype: input.type.dtype, dims: expectedDims }), where(expectedOrigin)),
                NOTE.found(show(arg.type), where(arg.type.origin)),
              ],
              help: HELP.cast(input.type.dtype),
              related: relatedOf([arg.type.origin]),
            },
          ),
        );
        ok = false;
        continue;
      }
      if (arg.type.dims.length !== expectedDims.length) {
        diagnostics.push(
          diag(
            'M3004',
            arg.span,
            { what, expected: expectedDims.length, found: arg.type.dims.length },
            {
              notes: [
                NOTE.expected(show({ dtype: input.type.dtype, dims: expectedDims }), where(expectedOrigin)),
                NOTE.found(show(arg.type), where(arg.type.origin)),
              ],
              related: relatedOf([arg.type.origin]),
            },
          ),
        );
        ok = false;
        continue;
      }
      for (let i = 0; i < expectedDims.length; i++) {
        const r = unifier.unify(expectedDims[i]!, arg.type.dims[i]!, expectedOrigin, arg.type.origin);
        if ('conflict' in r) {
          // Shown only for a message (an incremental check asks the unifier for what it shows: recheck.ts). A
          // conflicting unification changes nothing, so these read what they would have read before it.
          const before = show({ dtype: arg.type.dtype, dims: arg.type.dims });
          const expectedShown = show({ dtype: input.type.dtype, dims: expectedDims });
          const c = r.conflict;
          diagnostics.push(
            c.symbol
              ? conflictDiag(c, arg.span, what)
              : diag(
                  'M3003',
                  arg.span,
                  { what, expected: expectedShown, found: before },
                  {
                    notes: [
                      NOTE.expected(expectedShown, where(expectedOrigin)),
                      NOTE.found(before, where(arg.type.origin)),
                      NOTE.dimensionDiffers(i + 1, String(c.first), String(c.second)),
                    ],
                    related: relatedOf([arg.type.origin]),
                  },
                ),
          );
          ok = false;
          break;
        }
      }
    }
    const missing = sig.inputs.filter((i) => !argValues.has(i.name));
    if (missing.length > 0) {
      diagnostics.push(
        diag(
          'M2004',
          call.callee.span,
          { model: sym.name, names: missing.map((m) => `\`${m.name}\``).join(', ') },
          {
            notes: missing.map((m) => NOTE.typed(m.name, show(m.type))),
            help: HELP.addArguments(missing.map((m) => writeName(m.name))),
          },
        ),
      );
      ok = false;
    }
    if (!ok) return UNKNOWN;
    const outputs = new Map<string, ValueType>();
    for (const o of sig.outputs) {
      outputs.set(o.name, {
        dtype: o.type.dtype,
        dims: o.type.dims.map(local),
        origin: { what: `output \`${o.name}\` of \`${sym.name}(...)\` in ${context}`, span: call.span },
      });
    }
    calls.set(call, { kind: 'model', model, feeds });
    return { kind: 'model-call', call, model, outputs };
  }

  function member(e: MemberExpr, context: string): ExprValue {
    const obj = exprValue(e.object, context);
    if (obj.kind === 'unknown') return UNKNOWN;
    if (obj.kind === 'tensor') {
      diagnostics.push(diag('M2011', e.member.span, { name: exprText(e.object) }));
      return UNKNOWN;
    }
    const out = obj.outputs.get(e.member.text);
    if (!out) {
      const unsupported = obj.model.signature.unsupportedOutputs.find((u) => u.name === e.member.text);
      if (unsupported) {
        diagnostics.push(diag('M2008', e.member.span, { model: obj.model.name, name: e.member.text, reason: unsupported.reason }));
        return UNKNOWN;
      }
      const names = [...obj.outputs.keys()];
      const guess = didYouMean(e.member.text, names);
      diagnostics.push(
        diag(
          'M2005',
          e.member.span,
          { model: obj.model.name, name: e.member.text },
          {
            notes: [
              NOTE.outputsOf(
                obj.model.name,
                names.map((n) => `\`${n}\``),
              ),
            ],
            ...suggest(guess, e.member.span, writeName(guess ?? '')),
          },
        ),
      );
      return UNKNOWN;
    }
    return { kind: 'tensor', type: out };
  }

  function checkCompare(decl: Decl, sym: M4Symbol): void {
    if (decl.kind !== 'compare') return;
    const rec = startCheck();
    for (const f of compareValueFields(decl)) exprValue(f.value, `\`${f.key.text}\` of comparison \`${decl.name?.text ?? ''}\``);
    endCheck(rec, decl, sym);
  }

  // ── drive ─────────────────────────────────────────────────────────────────────────────────────
  hooks?.begin?.(res, order, models);
  if (partial) {
    partial.drive((sym) => {
      if (sym.kind === 'compare') return checkCompare(sym.decl, sym);
      forced = sym;
      try {
        typeOfSymbol(sym);
      } finally {
        forced = undefined;
      }
    }, supply);
    return { result: { unifier, values, declTypes, calls, resolved }, diagnostics };
  }
  for (const sym of order) {
    if (sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') typeOfSymbol(sym);
  }
  // What the order left out (cycle members and what they feed, a duplicate declaration) is checked one
  // declaration at a time, its references to the others unknown: following them would recurse once per link
  // of a 100,000-node cycle. Nothing was left out when every typed declaration was entered.
  let typed = 0;
  for (const sym of res.declSymbols.values()) if (sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') typed++;
  if (typed !== entered) {
    for (const sym of declaredSymbols(res)) {
      if ((sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') && !state.has(sym)) deferred.add(sym);
    }
  }
  for (const sym of [...deferred]) {
    deferred.delete(sym);
    typeOfSymbol(sym);
  }
  for (const sym of declaredSymbols(res)) {
    const decl = sym.decl;
    if (decl.kind !== 'compare' || (hooks && supplied(decl, sym))) continue;
    checkCompare(decl, sym);
  }

  return { result: { unifier, values, declTypes, calls, resolved }, diagnostics };
}

/**
 * `Typing.resolved`, made outside `typecheck`: a closure made inside would keep the checker's whole scope
 * alive as long as the typing (an incremental session's hooks and, through them, the check before).
 */
function resolvedBy(unifier: DimUnifier): Typing['resolved'] {
  return (t) => ({ dtype: t.dtype, dims: t.dims.map((d) => unifier.resolve(d)) });
}

function isLiteral(e: Expr): boolean {
  return e.kind === 'number' || e.kind === 'string' || e.kind === 'bool' || e.kind === 'list';
}

function relatedOf(origins: (Origin | undefined)[]): { span: Span; message: string }[] {
  const out: { span: Span; message: string }[] = [];
  for (const o of origins) if (o?.span) out.push({ span: o.span, message: o.what });
  return out;
}

function exprText(e: Expr): string {
  switch (e.kind) {
    case 'ref':
      return e.name.text;
    case 'call':
      return `${e.callee.text}(...)`;
    case 'member':
      return `${exprText(e.object)}.${e.member.text}`;
    default:
      return 'this value';
  }
}
