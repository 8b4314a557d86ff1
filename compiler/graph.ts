/**
 * The graph pass: declarations and the references between them form a DAG (@dagrejs/graphlib). Cycles are
 * errors naming every declaration on the cycle; nodes that reach no output or comparison are warnings.
 */
import { Graph, alg } from '@dagrejs/graphlib';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import type { M4Symbol, Resolution } from './resolve.ts';

export interface DeclGraph {
  graph: Graph;
  /** Declaration names in an order where each comes after what it reads; `undefined` if there is a cycle. */
  order: string[] | undefined;
  /** Nodes that feed an output or a comparison. */
  live: Set<string>;
}

export function graphPass(res: Resolution): PassResult<DeclGraph> {
  const diagnostics: Diagnostic[] = [];
  const g = new Graph({ directed: true });
  for (const sym of res.symbols.values()) g.setNode(sym.name, sym);
  for (const [sym, deps] of res.deps) {
    if (res.symbols.get(sym.name) !== sym) continue; // a duplicate declaration
    for (const d of deps) if (d !== sym) g.setEdge(d.name, sym.name);
  }

  let order: string[] | undefined;
  const cycles = alg.findCycles(g);
  if (cycles.length === 0) {
    order = alg.topsort(g);
  } else {
    for (const cycle of cycles) {
      const syms = cycle.map((n) => res.symbols.get(n)!).sort((a, b) => a.nameSpan.start - b.nameSpan.start);
      const path = cyclePath(g, syms.map((s) => s.name));
      const first = syms[0]!;
      diagnostics.push(diag('M5001', first.nameSpan, { cycle: path.map((n) => `\`${n}\``).join(' → ') }, {
        related: syms.slice(1).map((s: M4Symbol) => ({ span: s.nameSpan, message: `\`${s.name}\` is on the cycle` })),
      }));
    }
  }

  const sinks = [...res.symbols.values()].filter((s) => s.kind === 'output' || s.kind === 'compare');
  const live = new Set<string>();
  const stack = sinks.map((s) => s.name);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (live.has(n)) continue;
    live.add(n);
    for (const p of g.predecessors(n) ?? []) stack.push(p);
  }
  if (sinks.length === 0) {
    if (res.symbols.size > 0) {
      const first = [...res.symbols.values()][0]!;
      diagnostics.push(diag('M5003', first.nameSpan, {}, { help: 'add an `output NAME = ...` or a `compare NAME { ... }` block' }));
    }
  } else {
    for (const sym of res.symbols.values()) {
      if (sym.kind === 'node' && !live.has(sym.name)) diagnostics.push(diag('M5002', sym.nameSpan, { name: sym.name }, { unnecessary: true }));
    }
  }
  return { result: { graph: g, order, live }, diagnostics };
}

/** Walk the cycle from its first member so the message reads in the direction data flows: a → b → a. */
function cyclePath(g: Graph, members: string[]): string[] {
  const set = new Set(members);
  const start = members[0]!;
  const path = [start];
  const seen = new Set([start]);
  let cur = start;
  for (;;) {
    const next = (g.successors(cur) ?? []).find((n) => set.has(n) && (!seen.has(n) || n === start));
    if (!next) break;
    path.push(next);
    if (next === start) break;
    seen.add(next);
    cur = next;
  }
  if (path[path.length - 1] !== start) path.push(start);
  return path;
}
