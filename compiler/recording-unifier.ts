/**
 * The dims unifier of an incremental session (incremental.ts): a {@link DimUnifier} that writes down, per
 * declaration, every question the checker asked it and the answer, so a later check can replay a
 * declaration's questions instead of checking it again.
 *
 * Why replay is sound: the unifier is a state machine driven only by `callScope` (and the keys its scopes
 * make) and `unify`; its answers (a dim, or a conflict) depend on nothing else. A session rebuilds the
 * unifier on every check from empty, asking the questions of every declaration in the checking order — the
 * recorded ones for a declaration it reuses, the real checker's for one it checks — so the unifier ends in
 * the state a full check would leave it in. A replayed question whose answer differs from the recorded one
 * means the declaration might check differently: the session then gives up and checks the whole file.
 *
 * What replay does not reproduce is where a replayed fact came from (the `Origin` a binding keeps, only
 * ever read to describe a conflict): replayed questions carry a placeholder. The session therefore treats
 * any conflict during an incremental check as "not sure" and checks the whole file instead; without a
 * conflict, origins are never read.
 */
import type { Dim } from '../plan/tensor-type.ts';
import { DimUnifier, type DimConflict, type Origin } from './dims.ts';

/** One question to the unifier and its answer. */
export type UnifierQuestion =
  { op: 'scope'; model: string } | { op: 'key'; scope: number; name: string; key: string } | { op: 'unify'; a: Dim; b: Dim; dim: Dim };

/** The origin of a replayed fact (never shown: see the file comment). */
const REPLAYED: Origin = { what: 'a declaration checked earlier' };

export class RecordingUnifier extends DimUnifier {
  /** Where the questions of the declaration being checked go (`undefined`: not recorded). */
  log: UnifierQuestion[] | undefined;
  /** Conflicts found so far (recorded or not). */
  conflicts = 0;
  /** Questions asked so far (model scopes and unifications, recorded, replayed or not): a place in the order. */
  seq = 0;
  /** For each class (by its root), the place of the last question that changed it (joined it, or bound it). */
  private readonly lastChange = new Map<string, number>();
  /**
   * The fast path (recheck.ts) checks a declaration again on the final unifier instead of the one a full
   * check would have at that declaration's place `at`: a dim it shows is `stale` when its class changed
   * at or after `at` (a full check would show it as it was then).
   */
  at: number | undefined;
  stale = false;
  /**
   * The fast path's other mode: a declaration asks again what it asked last time, and is answered from
   * `expect.log` without changing anything; `deviated` when it asks anything else.
   */
  expect: { log: readonly UnifierQuestion[]; next: number } | undefined;
  deviated = false;

  override callScope(model: string): (name: string) => string {
    const ex = this.expect;
    if (ex) {
      const q = ex.log[ex.next];
      if (q?.op !== 'scope' || q.model !== model) return this.deviate(() => (name: string) => `${model}.${name}`);
      const id = ex.next++;
      this.at!++;
      return (name: string) => {
        const k = ex.log[ex.next];
        if (k?.op !== 'key' || k.scope !== id || k.name !== name) return this.deviate(() => `${model}.${name}`);
        ex.next++;
        return k.key;
      };
    }
    this.seq++;
    const scope = super.callScope(model);
    const log = this.log;
    if (!log) return scope;
    const id = log.length;
    log.push({ op: 'scope', model });
    return (name: string) => {
      const key = scope(name);
      log.push({ op: 'key', scope: id, name, key });
      return key;
    };
  }

  override unify(a: Dim, b: Dim, originA: Origin, originB: Origin): { dim: Dim } | { conflict: DimConflict } {
    const ex = this.expect;
    if (ex) {
      const q = ex.log[ex.next];
      if (q?.op !== 'unify' || q.a !== a || q.b !== b) return this.deviate(() => ({ dim: a }));
      ex.next++;
      this.at!++;
      return { dim: q.dim };
    }
    const r = this.ask(a, b, originA, originB);
    if ('conflict' in r) this.conflicts++;
    else this.log?.push({ op: 'unify', a, b, dim: r.dim });
    return r;
  }

  override resolve(d: Dim): Dim {
    if (this.at !== undefined && typeof d === 'string' && (this.lastChange.get(this.find(d)) ?? -1) >= this.at) this.stale = true;
    return super.resolve(d);
  }

  /** Unify, noting the place of a question that changed a class. */
  private ask(a: Dim, b: Dim, originA: Origin, originB: Origin): { dim: Dim } | { conflict: DimConflict } {
    const at = this.seq++;
    const ra = typeof a === 'string' ? this.find(a) : undefined;
    const rb = typeof b === 'string' ? this.find(b) : undefined;
    const boundBefore = (ra !== undefined && this.bound.has(ra)) || (rb !== undefined && this.bound.has(rb));
    const r = super.unify(a, b, originA, originB);
    if ('conflict' in r || (ra === undefined && rb === undefined)) return r;
    const joined = ra !== undefined && rb !== undefined && ra !== rb;
    const root = this.find((ra ?? rb)!);
    if (joined || (!boundBefore && this.bound.has(root))) {
      const last = Math.max(this.lastChange.get(ra!) ?? -1, this.lastChange.get(rb!) ?? -1);
      this.lastChange.set(root, Math.max(last, at));
    }
    return r;
  }

  private deviate<T>(answer: () => T): T {
    this.deviated = true;
    return answer();
  }

  /**
   * Ask a declaration's recorded questions again. False when an answer differs (the unifier then holds part
   * of them: the caller must not go on as if the declaration had been checked).
   */
  replay(log: readonly UnifierQuestion[]): boolean {
    // Made only for a declaration that called a model (most ask nothing, or only unify).
    let scopes: Map<number, (name: string) => string> | undefined;
    for (let i = 0; i < log.length; i++) {
      const q = log[i]!;
      if (q.op === 'scope') {
        this.seq++;
        (scopes ??= new Map()).set(i, super.callScope(q.model));
      } else if (q.op === 'key') {
        if (scopes?.get(q.scope)?.(q.name) !== q.key) return false;
      } else {
        const r = this.ask(q.a, q.b, REPLAYED, REPLAYED);
        if ('conflict' in r) {
          this.conflicts++;
          return false;
        }
        if (r.dim !== q.dim) return false;
      }
    }
    return true;
  }
}
