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

  override callScope(model: string): (name: string) => string {
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
    const r = super.unify(a, b, originA, originB);
    if ('conflict' in r) this.conflicts++;
    else this.log?.push({ op: 'unify', a, b, dim: r.dim });
    return r;
  }

  /**
   * Ask a declaration's recorded questions again. False when an answer differs (the unifier then holds part
   * of them: the caller must not go on as if the declaration had been checked).
   */
  replay(log: readonly UnifierQuestion[]): boolean {
    const scopes = new Map<number, (name: string) => string>();
    for (let i = 0; i < log.length; i++) {
      const q = log[i]!;
      if (q.op === 'scope') scopes.set(i, super.callScope(q.model));
      else if (q.op === 'key') {
        if (scopes.get(q.scope)?.(q.name) !== q.key) return false;
      } else {
        const r = super.unify(q.a, q.b, REPLAYED, REPLAYED);
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
