/**
 * Two compilations of the same text are the same for every reader: diagnostics, the program, and what the
 * editor features and lowering read — the resolution, each expression's value and call facts, the declared
 * types (as written and as resolved by the dims unifier), the graph and the comparisons. The two may be
 * different object trees (an incremental check and a fresh one), so expressions are matched by position
 * in a walk of each program.
 */
import { expect } from 'vitest';
import type { Decl, Expr, Name } from '../../grammar/ast.ts';
import type { Compilation } from '../../compiler/compile.ts';
import type { ExprValue } from '../../compiler/typecheck.ts';

function exprsOf(decls: Decl[]): Expr[] {
  const out: Expr[] = [];
  const walk = (e: Expr | undefined): void => {
    if (!e) return;
    out.push(e);
    if (e.kind === 'call') for (const a of e.args) walk(a.value);
    else if (e.kind === 'member') walk(e.object);
    else if (e.kind === 'list') for (const i of e.items) walk(i);
  };
  for (const d of decls) {
    if (d.kind === 'node' || d.kind === 'output') walk(d.expr);
    else if (d.kind === 'compare') for (const f of d.fields) walk(f.value);
  }
  return out;
}

function namesOf(e: Expr): Name[] {
  return e.kind === 'ref' ? [e.name] : e.kind === 'call' ? [e.callee] : [];
}

function shownValue(v: ExprValue | undefined, c: Compilation): unknown {
  if (!v) return undefined;
  if (v.kind === 'tensor') return { v, resolved: c.typing.resolved(v.type) };
  if (v.kind === 'model-call') return { v, resolved: [...v.outputs.values()].map((t) => c.typing.resolved(t)) };
  return v;
}

export function expectSameCompilation(a: Compilation, b: Compilation): void {
  expect(a.diagnostics).toEqual(b.diagnostics);
  expect(a.program).toEqual(b.program);
  const ea = exprsOf(a.program.decls);
  const eb = exprsOf(b.program.decls);
  expect(ea.length).toBe(eb.length);
  for (let i = 0; i < ea.length; i++) {
    expect(shownValue(a.typing.values.get(ea[i]!), a)).toEqual(shownValue(b.typing.values.get(eb[i]!), b));
    if (ea[i]!.kind === 'call') expect(a.typing.calls.get(ea[i] as never)).toEqual(b.typing.calls.get(eb[i] as never));
    const na = namesOf(ea[i]!);
    const nb = namesOf(eb[i]!);
    for (let k = 0; k < na.length; k++) {
      const ta = a.resolution.targets.get(na[k]!);
      const tb = b.resolution.targets.get(nb[k]!);
      expect(ta?.kind === 'symbol' ? ta.symbol.name : ta?.op).toEqual(tb?.kind === 'symbol' ? tb.symbol.name : tb?.op);
    }
  }
  expect([...a.resolution.symbols.keys()]).toEqual([...b.resolution.symbols.keys()]);
  for (const [name, sa] of a.resolution.symbols) {
    const sb = b.resolution.symbols.get(name)!;
    expect(sa).toEqual(sb);
    const ta = a.typing.declTypes.get(sa);
    const tb = b.typing.declTypes.get(sb);
    expect(ta).toEqual(tb);
    if (ta && tb) expect(a.typing.resolved(ta)).toEqual(b.typing.resolved(tb));
    expect(a.resolution.references.get(sa)).toEqual(b.resolution.references.get(sb));
    expect(a.resolution.deps.get(sa)?.map((s) => s.name)).toEqual(b.resolution.deps.get(sb)?.map((s) => s.name));
  }
  expect(a.graph.order).toEqual(b.graph.order);
  expect(a.graph.graph.nodes()).toEqual(b.graph.graph.nodes());
  expect(a.graph.graph.edges()).toEqual(b.graph.graph.edges());
  expect([...a.graph.live]).toEqual([...b.graph.live]);
  expect(a.graph.bestEffortSymbols.map((s) => s.name)).toEqual(b.graph.bestEffortSymbols.map((s) => s.name));
  expect(a.compares).toEqual(b.compares);
}
