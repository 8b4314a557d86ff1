/**
 * The fast path of an incremental check (incremental.ts): after an edit, work in proportion to what changed
 * and what reads it, not to the file. Where the slower path visits every declaration (to reuse it) and asks
 * the dims unifier every declaration's questions again, this one keeps the last check's results in place
 * and touches only:
 * - resolve: the changed declarations (resolve-again.ts, its declaration map and unused warnings updated in place);
 * - graph: the changed declarations' dead-end warnings (graph.ts `graphAgain` with the changed symbols);
 * - type check: the changed declarations, those that reported anything last time (their messages are never
 *   kept), and, in the checking order, the readers of a declaration whose type or dims changed (early
 *   cutoff); a reader of one whose type is the same but a new object only has its references pointed at it
 *   (reuse-typing.ts `repoint`). The unifier is the last check's, unchanged: it runs only when no
 *   declaration checked again asks (or asked last time) a question that can change the unifier;
 * - compare pass: the compare blocks whose tree changed or whose fields' values were checked or pointed
 *   again; the others' results (and the one unifier fact each adds) are the last check's.
 *
 * Whenever it cannot be sure — a unifier question that changes anything, other models, a compare block
 * adding another fact — it undoes what it changed in the last check's maps (undo-map.ts) and the session
 * takes the slower path. Its result is then what a full check gives (test/compiler/incremental.property.test.ts).
 */
import type { Decl } from '../grammar/ast.ts';
import { compareOne, type CompareInfo } from './compare-check.ts';
import type { Diagnostic, PassResult } from './diagnostics/diagnostic.ts';
import type { DeclGraph } from './graph.ts';
import type { ModelTable } from './models.ts';
import type { RecordingUnifier, UnifierQuestion } from './recording-unifier.ts';
import { forget, repoint } from './reuse-typing.ts';
import type { M4Symbol, Resolution } from './resolve.ts';
import type { CheckedDecl, Supply, TypecheckHooks, Typing, ValueType } from './typecheck.ts';
import { UndoMap } from './undo-map.ts';

/** What a declaration's last check was, to decide whether the next may reuse it. */
export interface DeclRecord {
  /** The tree it was made for (moved along while reused). */
  decl: Decl;
  /** Whether its results may be kept: it reported nothing, read no file, was not checked inside another's check. */
  reusable: boolean;
  /** The declarations it read (by name: names are unique while records live) and the types they had. */
  reads: string[];
  readTypes: (ValueType | undefined)[];
  /**
   * The symbols of `reads` in the resolution's symbol map `symbolsOf`: while resolve only updates that map
   * (resolve-again.ts), they are used as they are, without a lookup by name per read.
   */
  readSyms: M4Symbol[];
  symbolsOf: Map<string, M4Symbol>;
  questions: UnifierQuestion[];
  /** The unifier's `seq` when its questions were asked (its place in the order). */
  seqAt: number;
}

/** A compare block's last result in the compare pass, and the unifier questions it asked. */
export interface CompareRecord {
  decl: Decl;
  result: CompareInfo | undefined;
  diagnostics: Diagnostic[];
  questions: UnifierQuestion[];
  seqAt: number;
}

/**
 * The same type as far as a reader depends on it: dtype and dims (its origin is only read by messages, and
 * a reader that reported anything is checked again).
 */
export function sameType(a: ValueType | undefined, b: ValueType | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.dtype !== b.dtype || a.dims.length !== b.dims.length) return false;
  for (let i = 0; i < a.dims.length; i++) if (a.dims[i] !== b.dims[i]) return false;
  return true;
}

/**
 * A question that leaves the unifier as it was, wherever it is asked: with an unknown dim, or a dim with
 * itself (at most it adds a variable of its own, which nothing can tell from one never added).
 */
function inert(q: UnifierQuestion): boolean {
  return q.op === 'unify' && (q.a === null || q.b === null || q.a === q.b);
}

function allInert(qs: readonly UnifierQuestion[]): boolean {
  for (const q of qs) if (!inert(q)) return false;
  return true;
}

function sameQuestions(a: readonly UnifierQuestion[], b: readonly UnifierQuestion[]): boolean {
  if (allInert(a) && allInert(b)) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.op !== 'unify' || y.op !== 'unify' || x.a !== y.a || x.b !== y.b || x.dim !== y.dim) return false;
  }
  return true;
}

/** What the session keeps for the fast path between checks (incremental.ts). */
export interface SessionState {
  records: Map<string, DeclRecord>;
  /** Names whose record is not reusable: checked again on every edit. */
  unreusable: Set<string>;
  compares: Map<string, CompareRecord>;
  /** The compare blocks' names in file order (the compare pass's order). */
  compareOrder: string[];
  /** Each typed declaration's and compare block's place in the checking order, for `positionsFor`. */
  positions: Map<M4Symbol, number> | undefined;
  positionsFor: readonly M4Symbol[] | undefined;
}

/** What the fast path did (for tests and benchmarks). */
export interface FastCounts {
  checked: number;
  repointed: number;
  compareChecks: number;
}

/** One fast check: its hooks, then `finish` (keep) or `undo`. */
export class FastCheck {
  /** Why it gave up (then `undo`). */
  gaveUp: string | undefined;
  readonly counts: FastCounts = { checked: 0, repointed: 0, compareChecks: 0 };
  private readonly pending = new Map<string, DeclRecord | undefined>();
  /** Declarations checked or pointed again (a compare block among them is checked again by the compare pass). */
  private readonly touched = new Set<M4Symbol>();
  /** The record of the declaration being checked again. */
  private checking: DeclRecord | undefined;
  private readonly typing: { values: UndoMap<unknown, unknown>; calls: UndoMap<unknown, unknown>; declTypes: UndoMap<M4Symbol, ValueType> };

  constructor(
    private readonly state: SessionState,
    private readonly last: Typing,
    private readonly res: Resolution,
    private readonly graph: DeclGraph,
    /** The changed declarations' symbols. */
    private readonly changed: readonly M4Symbol[],
    private readonly sameModels: (models: ModelTable) => boolean,
  ) {
    this.typing = {
      values: last.values as unknown as UndoMap<unknown, unknown>,
      calls: last.calls as unknown as UndoMap<unknown, unknown>,
      declTypes: last.declTypes as UndoMap<M4Symbol, ValueType>,
    };
    for (const m of Object.values(this.typing)) m.begin();
    this.unifier.stale = false;
    this.unifier.deviated = false;
  }

  /** Whether the last check's maps can be changed and put back (made by a session). */
  static possible(last: Typing): boolean {
    return last.values instanceof UndoMap && last.calls instanceof UndoMap && last.declTypes instanceof UndoMap;
  }

  private get unifier(): RecordingUnifier {
    return this.last.unifier as RecordingUnifier;
  }

  checkHooks(): TypecheckHooks {
    const t = this.last;
    return {
      unifier: t.unifier,
      values: t.values,
      calls: t.calls,
      declTypes: t.declTypes,
      begin: (_res, _order, models) => {
        if (!this.sameModels(models)) this.gaveUp = 'a model changed';
      },
      after: (decl, sym, checked) => this.after(decl, sym, checked),
      partial: { drive: (check, supply) => this.drive(check, supply) },
    };
  }

  private positions(): Map<M4Symbol, number> {
    const st = this.state;
    const order = this.graph.bestEffortSymbols;
    if (st.positions && st.positionsFor === order) return st.positions;
    const pos = new Map<M4Symbol, number>();
    order.forEach((s, i) => pos.set(s, i));
    st.compareOrder.forEach((name, k) => {
      const s = this.res.symbols.get(name);
      if (s) pos.set(s, order.length + k);
    });
    st.positions = pos;
    st.positionsFor = order;
    return pos;
  }

  private drive(check: (sym: M4Symbol) => void, supply: Supply): void {
    if (this.gaveUp) return;
    const pos = this.positions();
    const queue = new Heap(pos);
    const queued = new Set<M4Symbol>();
    const push = (s: M4Symbol | undefined) => {
      if (!s || queued.has(s) || !(s.kind === 'input' || s.kind === 'node' || s.kind === 'output' || s.kind === 'compare')) return;
      queued.add(s);
      queue.push(s);
    };
    for (const s of this.changed) push(s);
    for (const name of this.state.unreusable) push(this.res.symbols.get(name));
    const { declTypes } = this.typing;
    for (let sym = queue.pop(); sym; sym = queue.pop()) {
      const rec = this.state.records.get(sym.name);
      if (!rec || !pos.has(sym)) return this.giveUp('a declaration without a record');
      // What the last check put in the maps for it goes first (or the checker would take its cached values).
      if (rec.decl !== sym.decl) forget(rec.decl, this.last);
      forget(sym.decl, this.last);
      const before = declTypes.get(sym);
      // Questions that change nothing are asked for real; any other must be what it asked last time, answered
      // as then (the unifier already holds their facts).
      const u = this.unifier;
      u.at = rec.seqAt;
      if (allInert(rec.questions)) u.log = [];
      else u.expect = { log: rec.questions, next: 0 };
      this.checking = rec;
      try {
        check(sym);
      } finally {
        u.at = undefined;
        u.expect = undefined;
        u.log = undefined;
        this.checking = undefined;
      }
      this.counts.checked++;
      if (u.stale) this.giveUp('a dims shown as a full check would not show them');
      if (this.gaveUp) return;
      this.touched.add(sym);
      if (sym.kind === 'compare') continue;
      const now = declTypes.get(sym);
      if (!sameType(before, now)) for (const r of this.graph.readersOf(sym)) push(r);
      else if (before !== now) for (const r of this.graph.readersOf(sym)) if (!queued.has(r)) this.repoint(r, sym, now, supply);
    }
  }

  /** A reader of `dep` (checked again, its type the same) kept: its references point at `dep`'s new value. */
  private repoint(reader: M4Symbol, dep: M4Symbol, type: ValueType | undefined, supply: Supply): void {
    const rec = this.state.records.get(reader.name);
    if (!rec) return;
    repoint(reader.decl, this.last, this.res, supply);
    this.counts.repointed++;
    this.touched.add(reader);
    // Pointed at more than one declaration checked again: each updates the record pending.
    const base = this.pending.get(reader.name) ?? rec;
    const readTypes = base.readTypes.slice();
    for (let i = 0; i < base.reads.length; i++) if (base.reads[i] === dep.name) readTypes[i] = type;
    this.pending.set(reader.name, { ...base, readTypes });
  }

  private after(decl: Decl, sym: M4Symbol, checked: CheckedDecl): void {
    const u = this.unifier;
    const last = this.checking;
    // (A partial check checks only what it is asked: never one declaration inside another.)
    if (!last) return this.giveUp('a declaration checked inside another');
    let questions: UnifierQuestion[];
    if (u.expect) {
      if (u.deviated || u.expect.next !== u.expect.log.length) return this.giveUp('other dims questions');
      questions = last.questions;
    } else {
      questions = u.log ?? [];
      if (!allInert(questions)) return this.giveUp('a new dims question');
    }
    const reads: string[] = [];
    const readTypes: (ValueType | undefined)[] = [];
    for (const dep of checked.reads) {
      reads.push(dep.name);
      readTypes.push(this.last.declTypes.get(dep));
    }
    const reusable = checked.diagnostics === 0 && checked.cacheable && checked.alone;
    this.pending.set(sym.name, {
      decl,
      reusable,
      reads,
      readTypes,
      readSyms: checked.reads.slice(),
      symbolsOf: this.res.symbols,
      questions,
      seqAt: last.seqAt,
    });
  }

  /** The compare pass: the blocks not touched keep their last result. */
  compare(typing: Typing): PassResult<CompareInfo[]> {
    // Given up: the result is thrown away, so nothing is checked.
    const none = { result: [], diagnostics: [] };
    if (this.gaveUp) return none;
    const st = this.state;
    const infos: CompareInfo[] = [];
    const diagnostics: Diagnostic[] = [];
    const redone: [string, CompareRecord][] = [];
    for (const name of st.compareOrder) {
      const sym = this.res.symbols.get(name);
      const last = st.compares.get(name);
      if (!sym || sym.decl.kind !== 'compare' || !last) {
        this.giveUp('a compare block without a record');
        return none;
      }
      let rec = last;
      if (last.decl !== sym.decl || this.touched.has(sym)) {
        this.counts.compareChecks++;
        const u = this.unifier;
        const seq = u.seq;
        u.log = [];
        u.at = last.seqAt;
        const one = compareOne(sym.decl, typing);
        const questions = u.log;
        u.log = undefined;
        u.at = undefined;
        u.seq = seq;
        if (u.stale || !sameQuestions(last.questions, questions)) {
          this.giveUp(u.stale ? 'a compare block shows dims as a full check would not' : 'a compare block added another dims fact');
          return none;
        }
        rec = { decl: sym.decl, result: one?.result, diagnostics: one?.diagnostics ?? [], questions, seqAt: last.seqAt };
        redone.push([name, rec]);
      }
      if (rec.result) infos.push(rec.result);
      for (const d of rec.diagnostics) diagnostics.push(d);
    }
    for (const [name, rec] of redone) st.compares.set(name, rec);
    return { result: infos, diagnostics };
  }

  private giveUp(why: string): void {
    this.gaveUp ??= why;
  }

  /** Keep the changes: the records of what was checked or pointed again. */
  finish(): void {
    for (const m of Object.values(this.typing)) m.commit();
    const st = this.state;
    for (const [name, rec] of this.pending) {
      if (!rec) continue;
      st.records.set(name, rec);
      if (rec.reusable) st.unreusable.delete(name);
      else st.unreusable.add(name);
    }
  }

  /** Put the last check's maps back as they were. */
  undo(): void {
    for (const m of Object.values(this.typing)) m.rollback();
  }
}

/** A queue of symbols by their place in the checking order (a binary heap). */
class Heap {
  private readonly items: M4Symbol[] = [];
  constructor(private readonly pos: Map<M4Symbol, number>) {}

  push(s: M4Symbol): void {
    const a = this.items;
    const p = this.pos.get(s) ?? Infinity;
    let i = a.length;
    a.push(s);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if ((this.pos.get(a[up]!) ?? Infinity) <= p) break;
      a[i] = a[up]!;
      i = up;
    }
    a[i] = s;
  }

  pop(): M4Symbol | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      const p = this.pos.get(last) ?? Infinity;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && (this.pos.get(a[r]!) ?? Infinity) < (this.pos.get(a[l]!) ?? Infinity) ? r : l;
        if ((this.pos.get(a[c]!) ?? Infinity) >= p) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
