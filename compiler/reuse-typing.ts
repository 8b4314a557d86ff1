/**
 * A declaration's type-check results kept from the last check (incremental.ts). The declaration is the same
 * tree (the incremental parser keeps an unchanged declaration's objects and moves their spans in place), so
 * the last check's values and call facts of its expressions are still keyed right, and the spans inside
 * them (a value's origin is a span of the declaration's own tree) have moved with the text. A session
 * therefore keeps the last check's maps and changes only what no longer holds:
 * - {@link forget}: the entries of a declaration that is gone or is checked again;
 * - {@link repoint}: a reference's value, when the declaration it names was checked again (its type the
 *   same but a new object, whose origin is the new tree's): the one value every reference to it shares.
 * Messages are never kept: a declaration that reported anything is always checked again.
 */
import type { Decl, Expr } from '../grammar/ast.ts';
import type { Resolution } from './resolve.ts';
import type { Supply, Typing } from './typecheck.ts';

/** Visit a declaration's expressions (what its check evaluates) and their subexpressions. */
function eachExpr(d: Decl, visit: (e: Expr) => void): void {
  if (d.kind === 'node' || d.kind === 'output') walk(d.expr, visit);
  else if (d.kind === 'compare') for (const f of d.fields) walk(f.value, visit);
}

function walk(e: Expr | undefined, visit: (e: Expr) => void): void {
  if (!e) return;
  visit(e);
  if (e.kind === 'call') for (const a of e.args) walk(a.value, visit);
  else if (e.kind === 'member') walk(e.object, visit);
  else if (e.kind === 'list') for (const i of e.items) walk(i, visit);
}

/** Remove a declaration's values and call facts from the maps. */
export function forget(d: Decl, typing: Pick<Typing, 'values' | 'calls'>): void {
  eachExpr(d, (e) => {
    typing.values.delete(e);
    if (e.kind === 'call') typing.calls.delete(e);
  });
}

/** Point a kept declaration's references at the current values of what they name. */
export function repoint(d: Decl, typing: Pick<Typing, 'values'>, res: Resolution, supply: Supply): void {
  eachExpr(d, (e) => {
    if (e.kind !== 'ref') return;
    const v = typing.values.get(e);
    if (!v || v.kind === 'unknown') return;
    const t = res.targets.get(e.name);
    if (t?.kind === 'symbol') typing.values.set(e, supply.symbolValue(t.symbol));
  });
}
