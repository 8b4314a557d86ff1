/**
 * Resolve again after an edit (incremental.ts): when the declarations are the same names and kinds in the
 * same order and the last resolve reported nothing but unused inputs or models, only the declarations
 * whose tree is new are visited; the last resolution's maps are updated in place (the last compilation is
 * not valid after an update anyway) and its symbols kept — a changed declaration's symbol is pointed at its
 * new tree — so whatever is keyed by symbols (the type check's records) stays valid.
 *
 * A new declaration's names are bound as `resolve` binds them; where `resolve` would report anything (an
 * unknown name, a self-reference, a value used as a callee...), this gives up before changing anything and
 * the caller runs `resolve`. Invariant (test/compiler/incremental.property.test.ts): the result equals
 * `resolve(program)` — symbols, targets, references in text order, deps, diagnostics.
 */
import type { Decl, Expr, Name, Span } from '../grammar/ast.ts';
import { getOp } from '../stdlib/ops/index.ts';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import { compareValueFields, type M4Symbol, type Resolution, type Target } from './resolve.ts';

/** A name of a new declaration and what it binds to (a symbol, or an op by name). */
type Binding = [Name, M4Symbol | string];

export interface ResolvedAgain extends PassResult<Resolution> {
  /** Whether some declaration now reads other declarations than before (the graph must be built again). */
  depsChanged: boolean;
}

/**
 * `prev` and `lastDiagnostics` are the last resolve's; `before` and `decls` the last and the new
 * declarations (same length, names and kinds: the caller checked). `undefined`: run `resolve` instead.
 */
export function resolveAgain(
  prev: Resolution,
  lastDiagnostics: readonly Diagnostic[],
  before: readonly Decl[],
  decls: readonly Decl[],
): ResolvedAgain | undefined {
  if (prev.symbols.size !== prev.declSymbols.size) return undefined;
  for (const d of lastDiagnostics) if (d.code !== 'M1003') return undefined;
  const plans: { old: Decl; decl: Decl; sym: M4Symbol; bound: Binding[]; deps: M4Symbol[] }[] = [];
  for (let i = 0; i < decls.length; i++) {
    const old = before[i]!;
    const decl = decls[i]!;
    if (old === decl) continue;
    const sym = prev.declSymbols.get(old);
    if (!sym || !decl.name) return undefined;
    const bound: Binding[] = [];
    const deps: M4Symbol[] = [];
    if (!bindDecl(decl, sym, prev.symbols, bound, deps)) return undefined;
    plans.push({ old, decl, sym, bound, deps });
  }

  let depsChanged = false;
  const affected = new Set<M4Symbol>();
  const gone = new Set<Span>();
  for (const p of plans) {
    for (const n of namesOf(p.old)) {
      prev.targets.delete(n);
      gone.add(n.span);
    }
    const oldDeps = prev.deps.get(p.sym) ?? [];
    if (oldDeps.length !== p.deps.length || oldDeps.some((s, k) => s !== p.deps[k])) depsChanged = true;
    for (const s of oldDeps) affected.add(s);
    for (const s of p.deps) affected.add(s);
    p.sym.decl = p.decl;
    p.sym.nameSpan = p.decl.name!.span;
    prev.deps.set(p.sym, p.deps);
    for (const [name, to] of p.bound)
      prev.targets.set(name, typeof to === 'string' ? { kind: 'op', op: to } : ({ kind: 'symbol', symbol: to } as Target));
  }
  // The places a symbol is named, in text order (as `resolve` visits them): the old declarations' out, the new ones' in.
  for (const s of affected) {
    const refs = (prev.references.get(s) ?? []).filter((span) => !gone.has(span));
    for (const p of plans) for (const [name, to] of p.bound) if (to === s) refs.push(name.span);
    refs.sort((a, b) => a.start - b.start);
    prev.references.set(s, refs);
  }
  // The declarations' map, in place: a changed declaration's entry is keyed by its new tree (which moves it
  // to the end of the map's order: readers in file order go by `declaredSymbols`, resolve.ts).
  for (const p of plans) {
    prev.declSymbols.delete(p.old);
    prev.declSymbols.set(p.decl, p.sym);
  }
  // Unused inputs and models: only the symbols whose references or declaration changed can change.
  let unused = unusedOf.get(prev.symbols);
  if (!unused) {
    unusedOf.set(prev.symbols, (unused = new Map()));
    for (const sym of prev.symbols.values()) unusedAgain(prev, sym, unused);
  } else {
    for (const s of affected) unusedAgain(prev, s, unused);
    for (const p of plans) unusedAgain(prev, p.sym, unused);
  }
  const diagnostics = [...unused.values()];
  return { result: prev, diagnostics, depsChanged };
}

/**
 * The unused-input and -model warnings of a resolution's symbols (kept by its `symbols` map, which an
 * incremental resolve keeps): a warning's span is its symbol's name span, which moves in place with the text.
 */
const unusedOf = new WeakMap<Map<string, M4Symbol>, Map<M4Symbol, Diagnostic>>();

function unusedAgain(res: Resolution, sym: M4Symbol, unused: Map<M4Symbol, Diagnostic>): void {
  if ((sym.kind === 'input' || sym.kind === 'model') && (res.references.get(sym)?.length ?? 0) === 0) {
    const d = unused.get(sym);
    if (!d || d.span !== sym.nameSpan) unused.set(sym, diag('M1003', sym.nameSpan, { name: sym.name, kind: sym.kind }, { unnecessary: true }));
  } else unused.delete(sym);
}

/** Every name `resolve` binds in a declaration (references and callees). */
function namesOf(d: Decl): Name[] {
  const out: Name[] = [];
  const walk = (e: Expr | undefined): void => {
    if (!e) return;
    if (e.kind === 'ref') out.push(e.name);
    else if (e.kind === 'call') {
      out.push(e.callee);
      for (const a of e.args) walk(a.value);
    } else if (e.kind === 'member') walk(e.object);
    else if (e.kind === 'list') for (const i of e.items) walk(i);
  };
  if (d.kind === 'node' || d.kind === 'output') walk(d.expr);
  else if (d.kind === 'compare') for (const f of compareValueFields(d)) walk(f.value);
  return out;
}

/** Bind a declaration's names as `resolve` does; false where `resolve` would report something. */
function bindDecl(d: Decl, owner: M4Symbol, symbols: Map<string, M4Symbol>, bound: Binding[], deps: M4Symbol[]): boolean {
  const use = (s: M4Symbol) => {
    if (!deps.includes(s)) deps.push(s);
  };
  const visit = (e: Expr | undefined): boolean => {
    if (!e) return true;
    switch (e.kind) {
      case 'ref': {
        const s = symbols.get(e.name.text);
        if (!s || s === owner || s.kind === 'model' || s.kind === 'compare') return false;
        bound.push([e.name, s]);
        use(s);
        return true;
      }
      case 'call': {
        const s = symbols.get(e.callee.text);
        if (s) {
          if (s.kind !== 'model') return false;
          bound.push([e.callee, s]);
          use(s);
        } else if (getOp(e.callee.text)) bound.push([e.callee, e.callee.text]);
        else return false;
        for (const a of e.args) if (!visit(a.value)) return false;
        return true;
      }
      case 'member':
        return visit(e.object);
      case 'list':
        for (const i of e.items) if (!visit(i)) return false;
        return true;
      default:
        return true;
    }
  };
  if (d.kind === 'node' || d.kind === 'output') return visit(d.expr);
  if (d.kind === 'compare') for (const f of compareValueFields(d)) if (!visit(f.value)) return false;
  return true;
}
