/**
 * The graph pass: declarations and the references between them form a DAG (@dagrejs/graphlib). Cycles are
 * errors naming every declaration on the cycle; nodes that reach no output or comparison are warnings.
 */
import { Graph } from '@dagrejs/graphlib';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import type { M4Symbol, Resolution } from './resolve.ts';

export interface DeclGraph {
  /**
   * The declarations as a graphlib DAG (node label: the symbol), built on first read: the checks below run
   * on adjacency lists, and building graphlib's edge index costs more than the whole pass on every edit in
   * the language server.
   */
  readonly graph: Graph;
  /** Declaration names in an order where each comes after what it reads; `undefined` if there is a cycle. */
  order: string[] | undefined;
  /** Kahn's order of the acyclic part (cycle members and what they feed are left out): for checking. */
  bestEffortOrder: string[];
  /** Nodes that feed an output or a comparison. */
  live: Set<string>;
}

export function graphPass(res: Resolution): PassResult<DeclGraph> {
  const diagnostics: Diagnostic[] = [];
  // The algorithms below run on plain adjacency lists: graphlib's own recurse once per node (and overflow
  // the stack on a 20,000-node chain) and allocate a fresh array per successors() call.
  const succ = new Map<string, string[]>();
  const pred = new Map<string, string[]>();
  for (const sym of res.symbols.values()) {
    succ.set(sym.name, []);
    pred.set(sym.name, []);
  }
  for (const [sym, deps] of res.deps) {
    if (res.symbols.get(sym.name) !== sym) continue; // a duplicate declaration
    for (const d of deps) {
      if (d === sym || res.symbols.get(d.name) !== d) continue;
      succ.get(d.name)!.push(sym.name);
      pred.get(sym.name)!.push(d.name);
    }
  }
  const adj: Adjacency = { nodes: [...succ.keys()], succ, pred };

  let order: string[] | undefined;
  const cycles = stronglyConnected(adj).filter((scc) => scc.length > 1);
  if (cycles.length === 0) {
    order = topologicalOrder(adj);
  } else {
    for (const cycle of cycles) {
      const syms = cycle.map((n) => res.symbols.get(n)!).sort((a, b) => a.nameSpan.start - b.nameSpan.start);
      const path = cyclePath(adj, syms.map((s) => s.name));
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
    for (const p of pred.get(n) ?? []) stack.push(p);
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
  let graph: Graph | undefined;
  const result: DeclGraph = {
    get graph() {
      if (!graph) {
        graph = new Graph({ directed: true });
        for (const sym of res.symbols.values()) graph.setNode(sym.name, sym);
        for (const [v, ws] of succ) for (const w of ws) graph.setEdge(v, w);
      }
      return graph;
    },
    order, bestEffortOrder: order ?? topologicalOrder(adj), live,
  };
  return { result, diagnostics };
}

interface Adjacency {
  nodes: string[];
  succ: Map<string, string[]>;
  pred: Map<string, string[]>;
}

/** Walk the cycle from its first member so the message reads in the direction data flows: a → b → a. */
function cyclePath(g: Adjacency, members: string[]): string[] {
  const set = new Set(members);
  const start = members[0]!;
  const path = [start];
  const seen = new Set([start]);
  let cur = start;
  for (;;) {
    const next = (g.succ.get(cur) ?? []).find((n) => set.has(n) && (!seen.has(n) || n === start));
    if (!next) break;
    path.push(next);
    if (next === start) break;
    seen.add(next);
    cur = next;
  }
  if (path[path.length - 1] !== start) path.push(start);
  return path;
}

/** Kahn's algorithm: sources first; ties in declaration order, so plans are stable. */
function topologicalOrder(g: Adjacency): string[] {
  const indegree = new Map<string, number>();
  for (const n of g.nodes) indegree.set(n, g.pred.get(n)!.length);
  const ready = g.nodes.filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  for (let i = 0; i < ready.length; i++) {
    const n = ready[i]!;
    order.push(n);
    for (const s of g.succ.get(n)!) {
      const d = indegree.get(s)! - 1;
      indegree.set(s, d);
      if (d === 0) ready.push(s);
    }
  }
  return order;
}

/** Tarjan's strongly connected components, iterative (an explicit stack instead of recursion). */
function stronglyConnected(g: Adjacency): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  for (const root of g.nodes) {
    if (idx.has(root)) continue;
    const work: { v: string; succ: string[]; i: number }[] = [];
    const enter = (v: string) => {
      idx.set(v, index);
      low.set(v, index);
      index++;
      stack.push(v);
      onStack.add(v);
      work.push({ v, succ: g.succ.get(v)!, i: 0 });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      if (frame.i < frame.succ.length) {
        const w = frame.succ[frame.i++]!;
        if (!idx.has(w)) enter(w);
        else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v)!, idx.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(frame.v)!));
      if (low.get(frame.v) === idx.get(frame.v)) {
        const scc: string[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
          if (w === frame.v) break;
        }
        out.push(scc);
      }
    }
  }
  return out;
}
