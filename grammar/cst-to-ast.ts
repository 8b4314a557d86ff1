/**
 * CST → AST. Kept apart from the grammar (STYLE: Chevrotain). Every function tolerates the partial
 * nodes that parser recovery leaves behind: a missing child becomes `undefined`, never an exception.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';

type Children = Record<string, CstElement[] | undefined>;

export class AstBuilder {
  constructor(private readonly file: string) {}

  tokenSpan(t: IToken): A.Span {
    return this.between(t, t);
  }

  /** The span from the first to the last real token of a node; `fallback` for an empty recovered node. */
  nodeSpan(node: CstNode, fallback: A.Span): A.Span {
    // The parser tracks every node's location; only nodes touched by recovery need the token walk.
    const loc = node.location;
    if (
      loc &&
      !node.recoveredNode &&
      Number.isFinite(loc.startOffset) &&
      Number.isFinite(loc.endOffset) &&
      loc.startLine !== undefined &&
      loc.endColumn !== undefined
    ) {
      return {
        file: this.file,
        start: small(loc.startOffset),
        end: small(loc.endOffset! + 1),
        line: small(loc.startLine),
        column: small(loc.startColumn!),
        endLine: small(loc.endLine!),
        endColumn: small(loc.endColumn + 1),
      };
    }
    const first = firstToken(node);
    const last = lastToken(node);
    if (!first || !last) return fallback;
    return this.join(this.tokenSpan(first), this.tokenSpan(last));
  }

  /** The span from `first`'s first character to `last`'s last: a node's span in an error-free parse. */
  between(first: IToken, last: IToken): A.Span {
    return {
      file: this.file,
      start: small(first.startOffset),
      end: small((last.endOffset ?? last.startOffset) + 1),
      line: small(first.startLine ?? 1),
      column: small(first.startColumn ?? 1),
      endLine: small(last.endLine ?? last.startLine ?? 1),
      endColumn: small((last.endColumn ?? last.startColumn ?? 0) + 1),
    };
  }

  join(a: A.Span, b: A.Span): A.Span {
    return { file: this.file, start: a.start, end: b.end, line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn };
  }

  declaration(node: CstNode, fallback: A.Span): A.Decl | undefined {
    const c = node.children as Children;
    const span = this.nodeSpan(node, fallback);
    let n: CstNode | undefined;
    if ((n = child(c, 'inputDecl'))) return this.inputDecl(n, span);
    if ((n = child(c, 'modelDecl'))) return this.modelDecl(n, span);
    if ((n = child(c, 'nodeDecl'))) return this.nodeOrOutput(n, 'node', span);
    if ((n = child(c, 'outputDecl'))) return this.nodeOrOutput(n, 'output', span);
    if ((n = child(c, 'compareDecl'))) return this.compareDecl(n, span);
    if ((n = child(c, 'replayDecl'))) {
      const path = tok(n.children as Children, 'StringLiteral');
      return { kind: 'replay', path: path ? this.stringLit(path) : undefined, span };
    }
    return undefined;
  }

  name(node: CstNode | undefined): A.Name | undefined {
    if (!node) return undefined;
    const c = node.children as Children;
    const id = tok(c, 'Identifier');
    if (id) return { text: id.image, quoted: false, span: this.tokenSpan(id) };
    const q = tok(c, 'QuotedName');
    if (q) return { text: q.image.slice(1, -1), quoted: true, span: this.tokenSpan(q) };
    return undefined;
  }

  paramName(node: CstNode | undefined): A.Name | undefined {
    if (!node) return undefined;
    const c = node.children as Children;
    const q = tok(c, 'QuotedName');
    if (q) return { text: q.image.slice(1, -1), quoted: true, span: this.tokenSpan(q) };
    for (const list of Object.values(c)) {
      for (const e of list ?? []) if (isToken(e) && realToken(e)) return { text: e.image, quoted: false, span: this.tokenSpan(e) };
    }
    return undefined;
  }

  inputDecl(node: CstNode, span: A.Span): A.InputDecl {
    const c = node.children as Children;
    const typeNode = child(c, 'typeExpr');
    const fromNode = child(c, 'fromSpec');
    return {
      kind: 'input',
      name: this.name(child(c, 'name')),
      type: typeNode ? this.typeExpr(typeNode, span) : undefined,
      optional: tok(c, 'Optional') !== undefined,
      from: fromNode ? this.fromSpec(fromNode, span) : undefined,
      span,
    };
  }

  typeExpr(node: CstNode, parent: A.Span): A.TypeExpr {
    const c = node.children as Children;
    const id = tok(c, 'Identifier');
    const dims: A.DimExpr[] = [];
    for (const d of nodes(c, 'dim')) {
      const dc = d.children as Children;
      const num = tok(dc, 'NumberLiteral');
      const sym = tok(dc, 'Identifier');
      const q = tok(dc, 'Question');
      if (num) dims.push({ kind: 'fixed', value: Number(num.image), text: num.image, span: this.tokenSpan(num) });
      else if (sym) dims.push({ kind: 'symbol', name: sym.image, span: this.tokenSpan(sym) });
      else if (q) dims.push({ kind: 'unknown', span: this.tokenSpan(q) });
    }
    return {
      dtype: id ? { text: id.image, quoted: false, span: this.tokenSpan(id) } : undefined,
      dims,
      span: this.nodeSpan(node, parent),
    };
  }

  fromSpec(node: CstNode, parent: A.Span): A.InputSource | undefined {
    const c = node.children as Children;
    const span = this.nodeSpan(node, parent);
    const strings = tokens(c, 'StringLiteral').map((t) => this.stringLit(t));
    if (tok(c, 'LBracket')) return { kind: 'columns', items: strings, span };
    const first = strings[0];
    return first ? { kind: 'field', path: first, span } : undefined;
  }

  modelDecl(node: CstNode, span: A.Span): A.ModelDecl {
    const c = node.children as Children;
    const loader = tok(c, 'Identifier');
    let path: A.StringLit | undefined;
    const options: A.ModelOption[] = [];
    for (const arg of nodes(c, 'modelArg')) {
      const ac = arg.children as Children;
      const key = tok(ac, 'Identifier');
      const str = tok(ac, 'StringLiteral');
      if (!key) {
        if (str && !path) path = this.stringLit(str);
        continue;
      }
      const argSpan = this.nodeSpan(arg, span);
      const fields = tok(ac, 'LBrace')
        ? nodes(ac, 'sigField').map((f) => {
            const fc = f.children as Children;
            const t = child(fc, 'typeExpr');
            const fSpan = this.nodeSpan(f, argSpan);
            return { name: this.name(child(fc, 'name')), type: t ? this.typeExpr(t, fSpan) : undefined, span: fSpan };
          })
        : undefined;
      options.push({
        key: { text: key.image, quoted: false, span: this.tokenSpan(key) },
        text: str ? this.stringLit(str) : undefined,
        fields,
        span: argSpan,
      });
    }
    return {
      kind: 'model',
      name: this.name(child(c, 'name')),
      loader: loader ? { text: loader.image, quoted: false, span: this.tokenSpan(loader) } : undefined,
      path,
      options,
      span,
    };
  }

  nodeOrOutput(node: CstNode, kind: 'node' | 'output', span: A.Span): A.NodeDecl | A.OutputDecl {
    const c = node.children as Children;
    const e = child(c, 'expr');
    return { kind, name: this.name(child(c, 'name')), expr: e ? this.expr(e, span) : undefined, span };
  }

  expr(node: CstNode, parent: A.Span): A.Expr | undefined {
    const c = node.children as Children;
    const p = child(c, 'primary');
    let e = p ? this.primary(p, this.nodeSpan(node, parent)) : undefined;
    if (!e) return undefined;
    for (const m of nodes(c, 'name')) {
      const member = this.name(m);
      if (!member) continue;
      e = { kind: 'member', object: e, member, span: this.join(e.span, member.span) };
    }
    return e;
  }

  primary(node: CstNode, parent: A.Span): A.Expr | undefined {
    const c = node.children as Children;
    const span = this.nodeSpan(node, parent);
    const cr = child(c, 'callOrRef');
    if (cr) return this.callOrRef(cr, span);
    const num = tok(c, 'NumberLiteral');
    if (num) return this.numberLit(num);
    const str = tok(c, 'StringLiteral');
    if (str) return this.stringLit(str);
    if (tok(c, 'True')) return { kind: 'bool', value: true, span };
    if (tok(c, 'False')) return { kind: 'bool', value: false, span };
    const list = child(c, 'list');
    if (list) {
      const lc = list.children as Children;
      const items: A.Expr[] = [];
      for (const it of nodes(lc, 'expr')) {
        const e = this.expr(it, span);
        if (e) items.push(e);
      }
      return { kind: 'list', items, span: this.nodeSpan(list, span) };
    }
    return undefined;
  }

  callOrRef(node: CstNode, parent: A.Span): A.Expr | undefined {
    const c = node.children as Children;
    const name = this.name(child(c, 'name'));
    if (!name) return undefined;
    const span = this.nodeSpan(node, parent);
    if (!tok(c, 'LParen')) return { kind: 'ref', name, span: name.span };
    return { kind: 'call', callee: name, args: this.args(c, span), span };
  }

  args(c: Children, parent: A.Span): A.Arg[] {
    return nodes(c, 'arg').map((a) => {
      const ac = a.children as Children;
      const span = this.nodeSpan(a, parent);
      const e = child(ac, 'expr');
      return { name: this.paramName(child(ac, 'paramName')), value: e ? this.expr(e, span) : undefined, span };
    });
  }

  compareDecl(node: CstNode, span: A.Span): A.CompareDecl {
    const c = node.children as Children;
    const decl: A.CompareDecl = { kind: 'compare', name: this.name(child(c, 'name')), fields: [], gates: [], sinks: [], span };
    for (const item of nodes(c, 'compareItem')) {
      const ic = item.children as Children;
      const itemSpan = this.nodeSpan(item, span);
      const f = child(ic, 'fieldItem');
      const g = child(ic, 'gateItem');
      const s = child(ic, 'sinkItem');
      if (f) {
        const fc = f.children as Children;
        const key = tok(fc, 'Identifier');
        const e = child(fc, 'expr');
        if (key)
          decl.fields.push({
            key: { text: key.image, quoted: false, span: this.tokenSpan(key) },
            value: e ? this.expr(e, itemSpan) : undefined,
            span: this.nodeSpan(f, itemSpan),
          });
      } else if (g) {
        decl.gates.push(this.gateItem(g, itemSpan));
      } else if (s) {
        const sc = s.children as Children;
        const kind = tok(sc, 'Identifier');
        decl.sinks.push({
          kind: kind ? { text: kind.image, quoted: false, span: this.tokenSpan(kind) } : undefined,
          args: this.args(sc, itemSpan),
          span: this.nodeSpan(s, itemSpan),
        });
      }
    }
    return decl;
  }

  gateItem(node: CstNode, parent: A.Span): A.GateDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node, parent);
    const path = tokens(c, 'Identifier').map((t) => ({ text: t.image, quoted: false, span: this.tokenSpan(t) }));
    const opTok = tok(c, 'GreaterEq') ?? tok(c, 'LessEq') ?? tok(c, 'Greater') ?? tok(c, 'Less');
    const nums = tokens(c, 'NumberLiteral');
    const hasAt = tok(c, 'At') !== undefined;
    const bound = nums[0] ? this.numberLit(nums[0]) : undefined;
    const at = hasAt && nums[1] ? this.numberLit(nums[1]) : undefined;
    const text = `${path.map((p) => p.text).join('.')} ${opTok?.image ?? '?'} ${bound?.text ?? '?'}${at ? ` at ${at.text}%` : ''}`;
    return { path, op: opTok?.image as A.Comparator | undefined, bound, at, text, span };
  }

  numberLit(t: IToken): A.NumberLit {
    return { kind: 'number', value: Number(t.image), text: t.image, span: this.tokenSpan(t) };
  }

  stringLit(t: IToken): A.StringLit {
    let value: string;
    try {
      value = JSON.parse(t.image) as string;
    } catch {
      value = t.image.slice(1, -1);
    }
    return { kind: 'string', value, span: this.tokenSpan(t) };
  }
}

/**
 * The same number, as a small integer when it is one. Chevrotain keeps token and node positions in
 * floating-point fields, so the numbers read from them are boxed; stored as they are, they made V8 keep
 * every span field as a boxed double too (six allocations per span). `| 0` unboxes an integer; anything else
 * (NaN in a recovered token) is returned unchanged.
 */
function small(v: number): number {
  const i = v | 0;
  return i === v ? i : v;
}

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

/** Real tokens only: tokens inserted by recovery have no position and no text. */
function realToken(t: IToken): boolean {
  return !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

function tok(c: Children, key: string): IToken | undefined {
  const list = c[key];
  if (!list) return undefined;
  for (const e of list) if (isToken(e) && realToken(e)) return e;
  return undefined;
}

function tokens(c: Children, key: string): IToken[] {
  const out: IToken[] = [];
  for (const e of c[key] ?? []) if (isToken(e) && realToken(e)) out.push(e);
  return out;
}

function child(c: Children, key: string): CstNode | undefined {
  const list = c[key];
  if (!list) return undefined;
  for (const e of list) if (!isToken(e)) return e;
  return undefined;
}

function nodes(c: Children, key: string): CstNode[] {
  const out: CstNode[] = [];
  for (const e of c[key] ?? []) if (!isToken(e)) out.push(e);
  return out;
}

function firstToken(node: CstNode): IToken | undefined {
  let best: IToken | undefined;
  for (const list of Object.values(node.children as Children)) {
    for (const e of list ?? []) {
      const t = isToken(e) ? (realToken(e) ? e : undefined) : firstToken(e);
      if (t && (!best || t.startOffset < best.startOffset)) best = t;
    }
  }
  return best;
}

function lastToken(node: CstNode): IToken | undefined {
  let best: IToken | undefined;
  for (const list of Object.values(node.children as Children)) {
    for (const e of list ?? []) {
      const t = isToken(e) ? (realToken(e) ? e : undefined) : lastToken(e);
      if (t && (!best || t.startOffset > best.startOffset)) best = t;
    }
  }
  return best;
}
