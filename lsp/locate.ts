/**
 * What the cursor is on: the smallest named thing of the AST at an offset, with enough context for hover,
 * definition, references and rename to answer from the compilation without parsing anything again.
 */
import type {
  Arg,
  CallExpr,
  CompareDecl,
  CompareField,
  Decl,
  Expr,
  GateDecl,
  InputDecl,
  MemberExpr,
  ModelDecl,
  Name,
  SinkDecl,
} from '../grammar/ast.ts';
import type { Compilation } from '../compiler/compile.ts';
import type { M4Symbol, Target } from '../compiler/resolve.ts';
import { touches } from './analysis.ts';

export type Located =
  /** The name in a declaration (`node scaled = ...`). */
  | { kind: 'decl-name'; decl: Decl; name: Name; symbol: M4Symbol | undefined }
  /** A name read in an expression; `target` is unset when it is unknown. */
  | { kind: 'ref'; name: Name; target: Target | undefined }
  /** The callee of a call: an op or a model. */
  | { kind: 'callee'; call: CallExpr; target: Target | undefined }
  /** `name:` of a call argument: an op parameter or an ONNX input. */
  | { kind: 'arg-name'; call: CallExpr; arg: Arg; name: Name }
  /** `.probabilities` */
  | { kind: 'member'; expr: MemberExpr }
  | { kind: 'metric'; name: Name; compare: CompareDecl }
  /** A part of a gate's path: `auroc` or `delta` in `gate auroc.delta >= 0`. */
  | { kind: 'gate-path'; gate: GateDecl; index: number; compare: CompareDecl }
  | { kind: 'field-key'; field: CompareField; compare: CompareDecl }
  | { kind: 'task'; name: Name; compare: CompareDecl }
  | { kind: 'sink-kind'; sink: SinkDecl }
  | { kind: 'dtype'; decl: InputDecl; name: Name }
  | { kind: 'model-path'; decl: ModelDecl };

/** The declaration whose span contains `offset` (declarations are in file order and never overlap). */
export function declAt(comp: Compilation, offset: number): Decl | undefined {
  const decls = comp.program.decls;
  let lo = 0;
  let hi = decls.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = decls[mid]!;
    if (offset < d.span.start) hi = mid - 1;
    else if (offset > d.span.end) lo = mid + 1;
    else return d;
  }
  return undefined;
}

export function locate(comp: Compilation, offset: number): Located | undefined {
  const decl = declAt(comp, offset);
  if (!decl) return undefined;
  if (decl.name && touches(decl.name.span, offset)) {
    return { kind: 'decl-name', decl, name: decl.name, symbol: comp.resolution.declSymbols.get(decl) };
  }
  switch (decl.kind) {
    case 'input':
      if (decl.type?.dtype && touches(decl.type.dtype.span, offset)) return { kind: 'dtype', decl, name: decl.type.dtype };
      return undefined;
    case 'model':
      if (decl.path && touches(decl.path.span, offset)) return { kind: 'model-path', decl };
      return undefined;
    case 'node':
    case 'output':
      return inExpr(comp, decl.expr, offset);
    case 'compare':
      return inCompare(comp, decl, offset);
    default:
      return undefined;
  }
}

function inCompare(comp: Compilation, decl: CompareDecl, offset: number): Located | undefined {
  for (const f of decl.fields) {
    if (!touches(f.span, offset)) continue;
    if (touches(f.key.span, offset)) return { kind: 'field-key', field: f, compare: decl };
    const v = f.value;
    if (!v) return undefined;
    if (f.key.text === 'metrics') {
      const items = v.kind === 'list' ? v.items : [v];
      for (const it of items) if (it.kind === 'ref' && touches(it.name.span, offset)) return { kind: 'metric', name: it.name, compare: decl };
      return undefined;
    }
    if (f.key.text === 'task') {
      const name = v.kind === 'ref' ? v.name : v.kind === 'call' ? v.callee : undefined;
      if (name && touches(name.span, offset)) return { kind: 'task', name, compare: decl };
      return undefined;
    }
    return inExpr(comp, v, offset);
  }
  for (const g of decl.gates) {
    const index = g.path.findIndex((p) => touches(p.span, offset));
    if (index !== -1) return { kind: 'gate-path', gate: g, index, compare: decl };
  }
  for (const s of decl.sinks) {
    if (s.kind && touches(s.kind.span, offset)) return { kind: 'sink-kind', sink: s };
  }
  return undefined;
}

/** The innermost named thing of an expression at `offset`. */
function inExpr(comp: Compilation, e: Expr | undefined, offset: number): Located | undefined {
  // Iterative descent: expressions can nest deeply and the cursor is in one branch only.
  let cur: Expr | undefined = e;
  while (cur && touches(cur.span, offset)) {
    switch (cur.kind) {
      case 'ref':
        return touches(cur.name.span, offset) ? { kind: 'ref', name: cur.name, target: comp.resolution.targets.get(cur.name) } : undefined;
      case 'call': {
        if (touches(cur.callee.span, offset)) return { kind: 'callee', call: cur, target: comp.resolution.targets.get(cur.callee) };
        const call: CallExpr = cur;
        const arg: Arg | undefined = call.args.find((a) => touches(a.span, offset));
        if (!arg) return undefined;
        if (arg.name && touches(arg.name.span, offset)) return { kind: 'arg-name', call, arg, name: arg.name };
        cur = arg.value;
        break;
      }
      case 'member':
        if (touches(cur.member.span, offset)) return { kind: 'member', expr: cur };
        cur = cur.object;
        break;
      case 'list':
        cur = cur.items.find((it) => touches(it.span, offset));
        break;
      default:
        return undefined;
    }
  }
  return undefined;
}

/** The symbol a location names (a declaration's own name, or a reference or callee bound to one). */
export function symbolOf(loc: Located | undefined): M4Symbol | undefined {
  if (!loc) return undefined;
  if (loc.kind === 'decl-name') return loc.symbol;
  if ((loc.kind === 'ref' || loc.kind === 'callee') && loc.target?.kind === 'symbol') return loc.target.symbol;
  return undefined;
}
