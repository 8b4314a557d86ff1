/**
 * The graph pass: declarations and the references between them form a DAG (@dagrejs/graphlib). Cycles are
 * errors naming every declaration on the cycle; nodes that reach no output or comparison are warnings.
 */
import { Graph } from '@dagrejs/graphlib';
import { HELP } from './diagnostics/catalogue.ts';
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
  /**
   * Kahn's order of the acyclic part (cycle members and what they feed are left out), as symbols: the
   * checker's order (by name, it would look each one up again: 100,000 lookups in a 4 MB file).
   */
  bestEffortSymbols: M4Symbol[];
  /** Nodes that feed an output or a comparison. */
  live: Set<string>;
  /** The declarations that read `sym` directly (an incremental check follows a type change to them). */
  readersOf(sym: M4Symbol): M4Symbol[];
  /** The same by name, on the graph `graphAgain` keeps (one function, however many edits keep the graph). */
  readerNames(name: string): string[];
}

export function graphPass(res: Resolution): PassResult<DeclGraph> {
  const diagnostics: Diagnostic[] = [];
  // The algorithms below run on adjacency lists of declaration indices: graphlib's own recurse once per node
  // (and overflow the stack on a 20,000-node chain), and string-keyed maps cost seconds on a 4 MB file.
  const syms = [...res.symbols.values()];
  const names = syms.map((s) => s.name);
  const index = new Map<string, number>();
  for (let i = 0; i < names.length; i++) index.set(names[i]!, i);
  // Edges u → v (v reads u), then both directions in compressed rows: two typed arrays each instead of two
  // growable arrays per declaration, which kept ~18 MB of a 4 MB file's heap alive.
  const from: number[] = [];
  const to: number[] = [];
  for (const [sym, deps] of res.deps) {
    const v = index.get(sym.name);
    if (v === undefined || syms[v] !== sym) continue; // a duplicate declaration
    for (const d of deps) {
      const u = index.get(d.name);
      if (u === undefined || u === v || syms[u] !== d) continue;
      from.push(u);
      to.push(v);
    }
  }
  const adj: Adjacency = { size: names.length, succ: rows(names.length, from, to), pred: rows(names.length, to, from) };
  const { pred } = adj;

  let order: string[] | undefined;
  const cycles = stronglyConnected(adj);
  const bestEffort = topologicalOrder(adj);
  if (cycles.length === 0) {
    order = bestEffort.map((i) => names[i]!);
  } else {
    for (const cycle of cycles) {
      const members = cycle.sort((a, b) => syms[a]!.nameSpan.start - syms[b]!.nameSpan.start);
      const path = cyclePath(adj, members).map((i) => names[i]!);
      const first = syms[members[0]!]!;
      diagnostics.push(
        diag(
          'M5001',
          first.nameSpan,
          { cycle: showCycle(path) },
          {
            related: members.slice(1, 1 + MAX_RELATED).map((i) => ({ span: syms[i]!.nameSpan, message: `\`${names[i]}\` is on the cycle` })),
          },
        ),
      );
    }
  }

  const isLive = new Uint8Array(names.length);
  const stack: number[] = [];
  for (let i = 0; i < syms.length; i++) if (syms[i]!.kind === 'output' || syms[i]!.kind === 'compare') stack.push(i);
  const hasSinks = stack.length > 0;
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (isLive[n]) continue;
    isLive[n] = 1;
    for (let k = pred.start[n]!; k < pred.start[n + 1]!; k++) stack.push(pred.list[k]!);
  }
  const live = new Set<string>();
  for (let i = 0; i < names.length; i++) if (isLive[i]) live.add(names[i]!);
  const dead = new Map<M4Symbol, Diagnostic>();
  deadEnds(syms, live, hasSinks, dead, diagnostics);
  deadEndsOf.set(live, { hasSinks, dead });
  let graph: Graph | undefined;
  const result: DeclGraph = {
    get graph() {
      if (!graph) {
        graph = new Graph({ directed: true });
        for (const sym of syms) graph.setNode(sym.name, sym);
        const { succ } = adj;
        for (let v = 0; v < adj.size; v++) for (let k = succ.start[v]!; k < succ.start[v + 1]!; k++) graph.setEdge(names[v]!, names[succ.list[k]!]!);
      }
      return graph;
    },
    order,
    bestEffortSymbols: bestEffort.map((i) => syms[i]!),
    live,
    readersOf(sym) {
      const i = index.get(sym.name);
      return i === undefined ? [] : Array.from(neighbours(adj.succ, i), (j) => syms[j]!);
    },
    readerNames: namesReader(names, index, adj.succ),
  };
  return { result, diagnostics };
}

/**
 * The unused-node warnings of a graph, by node (kept by its `live` set, which `graphAgain` keeps): a warning's
 * span is its symbol's name span, which moves in place with the text.
 */
const deadEndsOf = new WeakMap<Set<string>, { hasSinks: boolean; dead: Map<M4Symbol, Diagnostic> }>();

/**
 * Warnings for what never runs: no output or comparison at all, or a node that feeds neither (also kept in
 * `dead`, by node).
 */
function deadEnds(syms: Iterable<M4Symbol>, live: Set<string>, hasSinks: boolean, dead: Map<M4Symbol, Diagnostic>, diagnostics: Diagnostic[]): void {
  if (!hasSinks) {
    for (const first of syms) {
      diagnostics.push(diag('M5003', first.nameSpan, {}, { help: HELP.addSink }));
      break;
    }
    return;
  }
  for (const sym of syms) {
    if (sym.kind === 'node' && !live.has(sym.name)) {
      const d = diag('M5002', sym.nameSpan, { name: sym.name }, { unnecessary: true });
      dead.set(sym, d);
      diagnostics.push(d);
    }
  }
}

/**
 * The graph of a resolution with the same declarations (names and kinds, in order) and the same edges (what
 * each reads, by name) as the one `prev` was made from, `prev` having no cycle: the order and what is live
 * are `prev`'s, the symbols and warnings the new ones (an incremental session, incremental.ts, after an edit
 * that changed no declaration's reads). The graphlib graph is built again on first read.
 */
export function graphAgain(prev: DeclGraph, res: Resolution, changed?: readonly M4Symbol[]): PassResult<DeclGraph> & { visited: number } {
  let diagnostics: Diagnostic[] = [];
  let visited = 0;
  let graph: Graph | undefined;
  const kept = deadEndsOf.get(prev.live);
  let bestEffortSymbols: M4Symbol[];
  let readersOf: DeclGraph['readersOf'];
  if (changed && kept) {
    // The same symbols (resolved again), the same edges and kinds: only the changed declarations' warnings
    // can change (their name spans are new). No sinks: one warning, on the first declaration.
    const { hasSinks, dead } = kept;
    if (!hasSinks) {
      visited = 1;
      deadEnds([res.symbols.values().next().value!], prev.live, false, dead, diagnostics);
    } else {
      for (const sym of changed) {
        visited++;
        if (dead.has(sym)) dead.set(sym, diag('M5002', sym.nameSpan, { name: sym.name }, { unnecessary: true }));
      }
      diagnostics = [...dead.values()];
    }
    bestEffortSymbols = prev.bestEffortSymbols;
    readersOf = prev.readersOf;
  } else {
    const syms = [...res.symbols.values()];
    visited = syms.length;
    const dead = new Map<M4Symbol, Diagnostic>();
    let hasSinks = false;
    for (const sym of syms) if (sym.kind === 'output' || sym.kind === 'compare') hasSinks = true;
    deadEnds(syms, prev.live, hasSinks, dead, diagnostics);
    deadEndsOf.set(prev.live, { hasSinks, dead });
    bestEffortSymbols = prev.bestEffortSymbols.map((s) => res.symbols.get(s.name)!);
    const { readerNames } = prev;
    readersOf = (sym) => readerNames(sym.name).map((n) => res.symbols.get(n)!);
  }
  const result: DeclGraph = {
    get graph() {
      return (graph ??= graphPass(res).result.graph);
    },
    order: prev.order,
    bestEffortSymbols,
    live: prev.live,
    readersOf,
    readerNames: prev.readerNames,
  };
  return { result, diagnostics, visited };
}

/** Readers by name, made outside `graphPass` so that keeping it keeps only these arrays (not the symbols). */
function namesReader(names: string[], index: Map<string, number>, succ: Rows): (name: string) => string[] {
  return (name) => {
    const i = index.get(name);
    return i === undefined ? [] : Array.from(neighbours(succ, i), (j) => names[j]!);
  };
}

/** A cycle's members shown as related locations, at most (the message names more). */
const MAX_RELATED = 20;
/** A cycle longer than this is shown with its middle elided. */
const MAX_SHOWN = 12;

/** `a` → `b` → `a`; a long cycle keeps its start and end and says how many it leaves out between. */
function showCycle(path: string[]): string {
  const q = (n: string) => `\`${n}\``;
  if (path.length <= MAX_SHOWN) return path.map(q).join(' → ');
  const head = path.slice(0, MAX_SHOWN / 2).map(q);
  const tail = path.slice(path.length - MAX_SHOWN / 2).map(q);
  return [...head, `… ${path.length - MAX_SHOWN} more …`, ...tail].join(' → ');
}

/** Neighbour lists in compressed rows: the neighbours of `n` are `list[start[n]] .. list[start[n + 1] - 1]`. */
interface Rows {
  start: Int32Array;
  list: Int32Array;
}

interface Adjacency {
  /** Declarations are 0 .. size-1, in declaration order. */
  size: number;
  succ: Rows;
  pred: Rows;
}

/** The rows of edges `a[i]` → `b[i]`, each row in edge order. */
function rows(size: number, a: number[], b: number[]): Rows {
  const start = new Int32Array(size + 1);
  for (const n of a) start[n + 1]!++;
  for (let n = 0; n < size; n++) start[n + 1]! += start[n]!;
  const list = new Int32Array(a.length);
  const fill = start.slice(0, size);
  for (let i = 0; i < a.length; i++) list[fill[a[i]!]!++] = b[i]!;
  return { start, list };
}

function neighbours(r: Rows, n: number): Int32Array {
  return r.list.subarray(r.start[n]!, r.start[n + 1]!);
}

/** Walk the cycle from its first member so the message reads in the direction data flows: a → b → a. */
function cyclePath(g: Adjacency, members: number[]): number[] {
  const inCycle = new Set(members);
  const start = members[0]!;
  const path = [start];
  const seen = new Set([start]);
  let cur = start;
  for (;;) {
    const next = neighbours(g.succ, cur).find((n) => inCycle.has(n) && (!seen.has(n) || n === start));
    if (next === undefined) break;
    path.push(next);
    if (next === start) break;
    seen.add(next);
    cur = next;
  }
  if (path[path.length - 1] !== start) path.push(start);
  return path;
}

/** Kahn's algorithm: sources first; ties in declaration order, so plans are stable. */
function topologicalOrder(g: Adjacency): number[] {
  const indegree = new Int32Array(g.size);
  const ready: number[] = [];
  for (let n = 0; n < g.size; n++) {
    indegree[n] = g.pred.start[n + 1]! - g.pred.start[n]!;
    if (indegree[n] === 0) ready.push(n);
  }
  for (let i = 0; i < ready.length; i++) {
    const n = ready[i]!;
    for (let k = g.succ.start[n]!; k < g.succ.start[n + 1]!; k++) {
      const s = g.succ.list[k]!;
      if (--indegree[s]! === 0) ready.push(s);
    }
  }
  return ready;
}

/**
 * Tarjan's strongly connected components of more than one declaration (the cycles), iterative: an explicit
 * stack of (node, next successor) frames instead of recursion.
 */
function stronglyConnected(g: Adjacency): number[][] {
  const idx = new Int32Array(g.size).fill(-1);
  const low = new Int32Array(g.size);
  const onStack = new Uint8Array(g.size);
  const stack: number[] = [];
  const frames: number[] = []; // node
  const nextChild: number[] = []; // position in its successor list
  const out: number[][] = [];
  let counter = 0;
  const enter = (v: number) => {
    idx[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = 1;
    frames.push(v);
    nextChild.push(0);
  };
  for (let root = 0; root < g.size; root++) {
    if (idx[root] !== -1) continue;
    enter(root);
    while (frames.length > 0) {
      const top = frames.length - 1;
      const v = frames[top]!;
      const first = g.succ.start[v]!;
      if (first + nextChild[top]! < g.succ.start[v + 1]!) {
        const w = g.succ.list[first + nextChild[top]!++]!;
        if (idx[w] === -1) enter(w);
        else if (onStack[w]) low[v] = Math.min(low[v]!, idx[w]!);
        continue;
      }
      frames.pop();
      nextChild.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1]!;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === idx[v]) {
        if (stack[stack.length - 1] === v) {
          stack.pop(); // a component of one declaration: not a cycle (a self-reference is M1010)
          onStack[v] = 0;
          continue;
        }
        const scc: number[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack[w] = 0;
          scc.push(w);
          if (w === v) break;
        }
        out.push(scc);
      }
    }
  }
  return out;
}
