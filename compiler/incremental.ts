/**
 * An incremental check of one document (the language server keeps one per open file): after an edit, only
 * the declarations whose text changed are type-checked again, and the declarations that read them only when
 * what they read changed (early cutoff: a new body with the same type and dims re-checks nothing else).
 * `m4c check` keeps the plain full path (compile.ts).
 *
 * Two paths. The fast path (recheck.ts) visits only the changed declarations and what reads them, on the
 * last check's maps and dims unifier kept in place; when it cannot be sure it undoes its changes and the
 * slower path below runs, which visits every declaration (in proportion to the file, with small constants).
 *
 * The slower path: every check goes through `compileParsed` with {@link TypecheckHooks}. A session remembers (in one
 * map, updated in place by each check), for each declaration the checker checked, a record: the
 * declaration, whether its check can be reused (it reported nothing, read no file, was not checked inside
 * another's check), the declarations it read with the types they had (dtype and dims), and the questions it
 * asked the dims unifier with their answers (recording-unifier.ts). On the next check, a declaration is
 * reused — its results kept in place on the same, moved tree (reuse-typing.ts) and its unifier questions replayed — when
 * its text is the same, its first column is the same, what it reads has the types it had, and every
 * replayed answer is the one recorded. Otherwise it is checked, and its new type decides whether the
 * declarations reading it can be reused in turn.
 *
 * The unifier, on that path: rebuilt from empty on every check by asking, in the checking order, each declaration's
 * questions (replayed or real), so it ends as a full check leaves it; a replayed answer that differs, or any
 * conflict (whose message would name where a replayed fact came from, which replay does not keep), means
 * the session is not sure and checks the whole file at once (records made anew).
 *
 * Before the type check: parsing is incremental (grammar/incremental-parse.ts, which keeps unchanged
 * declarations' trees); resolve visits only the declarations with a new tree when the last resolve
 * reported nothing but unused inputs or models (resolve-again.ts); the graph is the last one when no
 * declaration's reads changed (graph.ts `graphAgain`). The models table (signatures cached by file) runs on
 * the whole program; the compare pass records each block's result for the fast path.
 *
 * The whole file is checked (records made anew) when the session cannot be sure: the first check, a
 * syntax error before or after the edit, a declaration added, removed, renamed or of another kind, a model
 * declaration or model file changed, a duplicate name, a cycle, a dims conflict, an internal error.
 *
 * Invariant (test/compiler/incremental.property.test.ts, random edits of generated programs): every
 * `update` returns what `compileSource` returns for the same text — diagnostics, and the resolution,
 * types, values and call facts the editor features read.
 */
import type { CallExpr, Decl, Expr, Program } from '../grammar/ast.ts';
import { IncrementalParser } from '../grammar/incremental-parse.ts';
import { compareOne, type CompareInfo } from './compare-check.ts';
import { compileParsed, type Compilation, type CompileHooks, type CompileOptions } from './compile.ts';
import type { Diagnostic, PassResult } from './diagnostics/diagnostic.ts';
import { graphAgain, type DeclGraph } from './graph.ts';
import { FastCheck, sameType, type DeclRecord, type SessionState } from './recheck.ts';
import { resolveAgain, type ResolvedAgain } from './resolve-again.ts';
import type { ModelTable } from './models.ts';
import { RecordingUnifier } from './recording-unifier.ts';
import { forget, repoint } from './reuse-typing.ts';
import { declaredSymbols, type M4Symbol, type Resolution } from './resolve.ts';
import { syntaxOf } from './syntax.ts';
import type { CallInfo, CheckedDecl, ExprValue, Supply, TypecheckHooks, Typing, ValueType } from './typecheck.ts';
import { UndoMap } from './undo-map.ts';

/** What the last `update` did (for tests and benchmarks). */
export interface UpdateStats {
  /** `full`: the whole file was checked; `incremental`: declarations were reused where possible. */
  mode: 'full' | 'incremental';
  /** Why the whole file was checked. */
  reason?: string;
  /** Declarations (inputs, nodes, outputs, comparisons) type-checked. */
  checked: number;
  /** Declarations whose results were reused. */
  reused: number;
  /** Whether the graph pass's result was the last check's (no declaration's reads changed). */
  graphReused: boolean;
  /** Whether only the declarations with a new tree were resolved (resolve-again.ts). */
  resolvedAgain: boolean;
  /**
   * Whether the fast path (recheck.ts) did the check: only the changed declarations and what reads them
   * were visited. `false` with mode `incremental`: every declaration was visited to be reused.
   */
  fast: boolean;
  /** Why the fast path was not taken (or gave up). */
  slowReason?: string;
  /** Compare blocks the compare pass checked (compare-check.ts). */
  compareChecks: number;
  /** Declarations whose dead-end (unused node) warning the graph pass looked at. */
  deadEndsVisited: number;
  /** Readers kept with their references pointed at a declaration checked again (recheck.ts). */
  repointed: number;
}

const NO_STATS = { reused: 0, graphReused: false, resolvedAgain: false, fast: false, compareChecks: 0, deadEndsVisited: 0, repointed: 0 };

export class CheckSession {
  readonly parser: IncrementalParser;
  private prev: Compilation | undefined;
  /** Records by declared name, and the compare pass's, of the last check. */
  private state: SessionState = freshState();
  /** What the last `update` did. */
  stats: UpdateStats = { mode: 'full', reason: 'first check', checked: 0, ...NO_STATS };

  /** The options of the last check (another `baseDir` is another check). */
  private optsKey = '';
  /** Whether the last check's text had syntax errors. */
  private syntaxErrors = 0;

  constructor(readonly file: string) {
    this.parser = new IncrementalParser(file);
  }

  /** Check `text` (the document's whole new text): equal to `compileSource(text, file, opts)`. */
  update(text: string, opts: CompileOptions = {}): Compilation {
    const syntax = syntaxOf(this.parser.parse(text));
    const prev = this.prev;
    const optsKey = JSON.stringify([opts.baseDir, opts.noPlan]);
    let reason = optsKey !== this.optsKey && prev ? 'other options' : this.cannotReuse(prev, syntax.result.decls, syntax.diagnostics.length);
    this.optsKey = optsKey;
    this.syntaxErrors = syntax.diagnostics.length;
    let comp: Compilation | undefined;
    if (!reason) {
      const decls = syntax.result.decls;
      const before = prev!.program.decls;
      const changed: number[] = [];
      for (let i = 0; i < decls.length; i++) if (before[i] !== decls[i]) changed.push(i);
      const fast = this.fast(prev!, changed, decls, text, syntax, opts);
      let slowReason: string | undefined;
      if ('comp' in fast) comp = fast.comp;
      else {
        slowReason = fast.why;
        // The records are updated in place (one map kept across checks, not one entry copied per declaration).
        const pass = new Pass(prev!, this.state, decls, changed, fast.memo);
        comp = compileParsed(text, this.file, syntax, opts, pass.hooks());
        pass.done();
        reason = pass.unsure ?? (pass.unifier.conflicts > 0 ? 'a dims conflict' : undefined) ?? internalError(comp);
        if (!reason) {
          this.stats = {
            mode: 'incremental',
            checked: pass.checked,
            reused: pass.reused,
            graphReused: pass.graphReused,
            resolvedAgain: pass.resolvedAgain !== undefined,
            fast: false,
            slowReason,
            compareChecks: pass.compareChecks,
            deadEndsVisited: pass.deadEndsVisited,
            repointed: 0,
          };
        }
      }
    }
    if (reason) {
      this.state = freshState();
      const pass = new Pass(undefined, this.state, syntax.result.decls, [], {});
      comp = compileParsed(text, this.file, syntax, opts, pass.hooks());
      pass.done();
      this.stats = { mode: 'full', reason, checked: pass.checked, ...NO_STATS, compareChecks: pass.compareChecks };
      // Records of a check with a conflict or an internal error are not trusted by the next one.
      if (pass.unifier.conflicts > 0 || internalError(comp)) this.state = freshState();
    }
    this.prev = comp!;
    return comp!;
  }

  /**
   * The fast path (recheck.ts): the compilation, or why not and what it already computed (the last
   * resolution is updated in place: the slower path must take it as it is).
   */
  private fast(
    prev: Compilation,
    changed: readonly number[],
    decls: readonly Decl[],
    text: string,
    syntax: PassResult<Program>,
    opts: CompileOptions,
  ): { comp: Compilation } | { why: string; memo: Memo } {
    if (prev.graph.order === undefined) return { why: 'a cycle', memo: {} };
    if (!FastCheck.possible(prev.typing)) return { why: "the last check was not made by the fast path's rules", memo: {} };
    const last = prev.diagnostics.filter((d) => d.code.startsWith('M10') || d.code === 'M7001' || d.code === 'M7002');
    const resolved = resolveAgain(prev.resolution, last, prev.program.decls, decls);
    if (!resolved) return { why: 'resolve reported more than unused inputs', memo: {} };
    if (resolved.depsChanged) return { why: 'what a declaration reads changed', memo: { resolved } };
    const res = resolved.result;
    const syms: M4Symbol[] = [];
    for (const i of changed) {
      const s = res.declSymbols.get(decls[i]!);
      if (s) syms.push(s);
    }
    const graph = graphAgain(prev.graph, res, syms);
    const memo: Memo = { resolved, graph };
    const check = new FastCheck(this.state, prev.typing, res, graph.result, syms, (models) => sameModels(prev.models, models));
    const comp = compileParsed(text, this.file, syntax, opts, {
      resolve: () => resolved,
      graph: () => graph,
      check: check.checkHooks(),
      compare: (_res, typing) => check.compare(typing),
    });
    const why = check.gaveUp ?? (this.unifierOf(prev).conflicts > 0 ? 'a dims conflict' : undefined) ?? internalError(comp);
    if (why) {
      check.undo();
      return { why, memo };
    }
    check.finish();
    const { checked, repointed, compareChecks } = check.counts;
    this.stats = {
      mode: 'incremental',
      checked,
      reused: 0,
      graphReused: true,
      resolvedAgain: true,
      fast: true,
      compareChecks,
      deadEndsVisited: graph.visited,
      repointed,
    };
    return { comp };
  }

  private unifierOf(c: Compilation): RecordingUnifier {
    return c.typing.unifier as RecordingUnifier;
  }

  /** Why the last check's records cannot serve `text` (undefined: they may, declaration by declaration). */
  private cannotReuse(prev: Compilation | undefined, decls: Decl[], syntaxErrors: number): string | undefined {
    if (!prev) return 'first check';
    if (this.state.records.size === 0) return 'no records (the last check had a conflict or an internal error)';
    if (syntaxErrors > 0 || this.syntaxErrors > 0) return 'a syntax error';
    const before = prev.program.decls;
    if (before.length !== decls.length) return 'a declaration added or removed';
    for (let i = 0; i < decls.length; i++) {
      const a = before[i]!;
      const b = decls[i]!;
      if (a === b) continue;
      if (a.kind !== b.kind || a.name?.text !== b.name?.text) return 'a declaration renamed or of another kind';
      // The parser keeps an unchanged declaration's tree: another tree is another text.
      if (a.kind === 'model' && a !== b) return 'a model declaration changed';
    }
    return undefined;
  }
}

function internalError(comp: Compilation): string | undefined {
  return comp.diagnostics.some((d) => d.code === 'M7001') ? 'an internal error' : undefined;
}

/** What the fast path computed before giving up (the last resolution is already updated in place). */
interface Memo {
  resolved?: ResolvedAgain;
  graph?: PassResult<DeclGraph> & { visited: number };
}

function freshState(): SessionState {
  return { records: new Map(), unreusable: new Set(), compares: new Map(), compareOrder: [], positions: undefined, positionsFor: undefined };
}

/**
 * One check visiting every declaration: its hooks decide, declaration by declaration, whether the last
 * check's results serve.
 */
class Pass {
  readonly unifier = new RecordingUnifier();
  /** Why the incremental check is not sure of its result (it is then redone in full). */
  unsure: string | undefined;
  checked = 0;
  reused = 0;
  compareChecks = 0;
  deadEndsVisited = 0;
  /** Whether the graph was the last check's. */
  graphReused = false;
  /** Set when the resolution was the last one updated (resolve-again.ts). */
  resolvedAgain: { depsChanged: boolean } | undefined;
  private res: Resolution | undefined;
  private readonly records: Map<string, DeclRecord>;
  /** The unifier's place when each declaration checked began its check. */
  private readonly seqAt = new Map<M4Symbol, number>();

  constructor(
    /** The last check; `undefined`: check everything (and record it). */
    private prev: Compilation | undefined,
    /**
     * The last check's records, updated in place into this check's: a reused declaration keeps its record,
     * a checked one gets a new one.
     */
    private readonly state: SessionState,
    /** The declarations of the text being checked. */
    private readonly decls: readonly Decl[],
    /** The indices of the declarations whose tree is new. */
    private readonly changed: readonly number[],
    private readonly memo: Memo,
  ) {
    this.records = state.records;
  }

  hooks(): CompileHooks {
    return {
      resolve: () => this.resolve(),
      graph: (res) => this.graph(res),
      check: this.checkHooks(),
      compare: (res, typing) => this.compare(res, typing),
    };
  }

  /** The last resolution, updated for the declarations whose tree is new (resolve-again.ts). */
  private resolve(): PassResult<Resolution> | undefined {
    const prev = this.prev;
    if (!prev) return undefined;
    // What the last resolve reported (its codes are M10xx; an internal error anywhere, or diagnostics left
    // out by the cap per file, M7002, which could hide some: start afresh).
    const r =
      this.memo.resolved ??
      resolveAgain(
        prev.resolution,
        prev.diagnostics.filter((d) => d.code.startsWith('M10') || d.code === 'M7001' || d.code === 'M7002'),
        prev.program.decls,
        this.decls,
      );
    if (!r) return undefined;
    this.resolvedAgain = { depsChanged: r.depsChanged };
    return r;
  }

  /**
   * The last check's graph, when no declaration's reads changed (names and kinds are the same, checked
   * before): only the declarations whose tree is new can read something else.
   */
  private graph(res: Resolution): PassResult<DeclGraph> | undefined {
    const prev = this.prev;
    if (!prev || prev.graph.order === undefined) return undefined;
    if (this.memo.graph) {
      this.graphReused = true;
      this.deadEndsVisited = this.memo.graph.visited;
      return this.memo.graph;
    }
    let again: ReturnType<typeof graphAgain>;
    // Resolved again: the last resolution's maps are the new ones, so the reads are compared there.
    if (this.resolvedAgain) {
      if (this.resolvedAgain.depsChanged) return undefined;
      const syms: M4Symbol[] = [];
      for (const i of this.changed) {
        const sym = res.declSymbols.get(this.decls[i]!);
        if (sym) syms.push(sym);
      }
      again = graphAgain(prev.graph, res, syms);
    } else {
      if (res.symbols.size !== res.declSymbols.size || prev.resolution.symbols.size !== prev.resolution.declSymbols.size) return undefined;
      const before = prev.program.decls;
      for (const i of this.changed) {
        const a = prev.resolution.deps.get(prev.resolution.declSymbols.get(before[i]!)!) ?? [];
        const b = res.deps.get(res.declSymbols.get(this.decls[i]!)!) ?? [];
        if (a.length !== b.length || a.some((s, k) => s.name !== b[k]!.name)) return undefined;
      }
      again = graphAgain(prev.graph, res);
    }
    this.graphReused = true;
    this.deadEndsVisited = again.visited;
    return again;
  }

  /** Every compare block, each with the unifier questions it asks (the fast path compares them next time). */
  private compare(res: Resolution, typing: Typing): PassResult<CompareInfo[]> {
    const infos: CompareInfo[] = [];
    const diagnostics: Diagnostic[] = [];
    const st = this.state;
    st.compares.clear();
    st.compareOrder = [];
    st.positions = undefined;
    for (const sym of declaredSymbols(res)) {
      if (sym.decl.kind !== 'compare') continue;
      this.unifier.log = [];
      const seqAt = this.unifier.seq;
      const one = compareOne(sym.decl, typing);
      const questions = this.unifier.log;
      this.unifier.log = undefined;
      if (!one) continue;
      this.compareChecks++;
      st.compareOrder.push(sym.name);
      st.compares.set(sym.name, { decl: sym.decl, result: one.result, diagnostics: one.diagnostics, questions, seqAt });
      if (one.result) infos.push(one.result);
      for (const d of one.diagnostics) diagnostics.push(d);
    }
    return { result: infos, diagnostics };
  }

  private checkHooks(): TypecheckHooks {
    const prev = this.prev;
    let maps: { values: Map<Expr, ExprValue>; calls: Map<CallExpr, CallInfo> } = { values: new UndoMap(), calls: new UndoMap() };
    if (prev) {
      // The last check's maps (reuse-typing.ts), without the declarations that are gone (another tree:
      // another text). They become this check's: the last compilation is not valid after an update anyway.
      maps = { values: prev.typing.values, calls: prev.typing.calls };
      const before = prev.program.decls;
      for (const i of this.changed) forget(before[i]!, prev.typing);
    }
    return {
      unifier: this.unifier,
      ...maps,
      declTypes: new UndoMap(),
      begin: (res, order, models) => this.begin(res, order, models),
      before: (decl, sym, supply) => {
        if (this.prev && !this.unsure && this.reuse(decl, sym, supply)) {
          this.reused++;
          return true;
        }
        // Checked again (maybe in the same tree): what the last check put in the maps for it goes first,
        // or the checker would take its cached values.
        if (this.prev) forget(decl, this.prev.typing);
        this.unifier.log = [];
        this.seqAt.set(sym, this.unifier.seq);
        return false;
      },
      after: (decl, sym, checked, supply) => this.after(decl, sym, checked, supply),
    };
  }

  /**
   * Let go of the last check. The new one keeps its hooks alive (the checker's closures share one scope), so
   * a pass that held on to the last check would keep every earlier check alive through it.
   */
  done(): void {
    this.prev = undefined;
    this.res = undefined;
  }

  private begin(res: Resolution, order: readonly M4Symbol[], models: ModelTable): void {
    this.res = res;
    if (!this.prev) return;
    if (res.symbols.size !== res.declSymbols.size) this.unsure = 'a duplicate name';
    else if (order.length !== res.symbols.size) this.unsure = 'a cycle';
    else if (!sameModels(this.prev.models, models)) this.unsure = 'a model changed';
  }

  private reuse(decl: Decl, sym: M4Symbol, supply: Supply): boolean {
    const rec = this.records.get(sym.name);
    const prev = this.prev!;
    // The parser keeps an unchanged declaration's tree (moved in place): a new tree is a new text.
    if (!rec || !rec.reusable || rec.decl !== decl) return false;
    const res = this.res!;
    // What it reads has the types it had; when one is a new object (its declaration checked again), the
    // references to it are pointed at the new one.
    let renewed = false;
    const known = rec.symbolsOf === res.symbols;
    for (let i = 0; i < rec.reads.length; i++) {
      const dep = known ? rec.readSyms[i] : res.symbols.get(rec.reads[i]!);
      if (!dep) return false;
      if (!known) rec.readSyms[i] = dep;
      const t = supply.typeOf(dep);
      if (t !== rec.readTypes[i]) {
        if (!sameType(t, rec.readTypes[i])) return false;
        renewed = true;
      }
    }
    // From here on the unifier has (part of) the declaration's questions: a failure is no longer a
    // "check it instead" but "not sure".
    rec.seqAt = this.unifier.seq;
    if (!this.unifier.replay(rec.questions)) {
      this.unsure = 'a dims answer changed';
      return false;
    }
    if (renewed) {
      repoint(decl, prev.typing, res, supply);
      for (let i = 0; i < rec.reads.length; i++) rec.readTypes[i] = supply.typeOf(rec.readSyms[i]!);
    }
    rec.symbolsOf = res.symbols;
    if (decl.kind === 'input' || decl.kind === 'node' || decl.kind === 'output')
      // Resolved again, the symbol is the last check's (no lookup of it by its declaration).
      supply.setType(sym, prev.typing.declTypes.get(this.resolvedAgain ? sym : prev.resolution.declSymbols.get(decl)!));
    return true;
  }

  private after(decl: Decl, sym: M4Symbol, checked: CheckedDecl, supply: Supply): void {
    this.checked++;
    const questions = this.unifier.log ?? [];
    this.unifier.log = undefined;
    const reusable = checked.diagnostics === 0 && checked.cacheable && checked.alone;
    if (reusable) this.state.unreusable.delete(sym.name);
    else this.state.unreusable.add(sym.name);
    const reads: string[] = [];
    const readTypes: (ValueType | undefined)[] = [];
    for (const dep of checked.reads) {
      reads.push(dep.name);
      readTypes.push(supply.typeOf(dep));
    }
    const seqAt = this.seqAt.get(sym) ?? this.unifier.seq;
    this.records.set(sym.name, { decl, reusable, reads, readTypes, readSyms: checked.reads.slice(), symbolsOf: this.res!.symbols, questions, seqAt });
  }
}

/** The same models (by name, file and content) in both tables. */
function sameModels(a: ModelTable, b: ModelTable): boolean {
  if (a.size !== b.size) return false;
  for (const [name, m] of a) {
    const n = b.get(name);
    if (!n || n.absPath !== m.absPath || n.sha256 !== m.sha256 || JSON.stringify(n.signature) !== JSON.stringify(m.signature)) return false;
  }
  return true;
}
