/**
 * Syntax moved in the text: a copy of a declaration (or comment, or syntax problem) parsed at the start of a
 * text, with every span moved to where its text now starts. The incremental parser (incremental-parse.ts)
 * reuses the syntax of an unchanged declaration this way when text before it grew or shrank.
 *
 * Written per node kind rather than as a generic walk over properties: every declaration after an edit is
 * moved, on every edit, and the generic walk (for..in, a type test per value) was the incremental parser's
 * largest cost. Invariant (tested against a generic deep copy on every `.m4` file of the repository and on
 * random edits, test/grammar/shift-spans.test.ts and incremental-parse.test.ts): the copy equals the
 * original with each span moved, property order included. Spans the parser shares between two nodes (a
 * reference and its name) are moved once and stay shared.
 */
import type * as A from './ast.ts';
import type { Place } from './declaration-starts.ts';

/** A span of a text that starts at `place`, in the bigger text (columns move only on the text's first line). */
export function shiftSpan(s: A.Span, place: Place): A.Span {
  return {
    file: s.file,
    start: s.start + place.offset,
    end: s.end + place.offset,
    line: s.line + place.line,
    column: s.line === 1 ? s.column + place.column : s.column,
    endLine: s.endLine + place.line,
    endColumn: s.endLine === 1 ? s.endColumn + place.column : s.endColumn,
  };
}

/** Anything with a span and otherwise only plain values (a comment, a syntax problem). */
export function shiftSpanned<T extends { span: A.Span }>(x: T, place: Place): T {
  return { ...x, span: shiftSpan(x.span, place) };
}

export function shiftDecl(d: A.Decl, place: Place): A.Decl {
  const s = new Shifter(place);
  const span = s.span(d.span);
  switch (d.kind) {
    case 'input':
      return { kind: 'input', name: s.name(d.name), type: s.type(d.type), optional: d.optional, from: s.from(d.from), span };
    case 'model':
      return {
        kind: 'model',
        name: s.name(d.name),
        loader: s.name(d.loader),
        path: d.path && s.string(d.path),
        options: d.options.map((o) => ({
          key: s.name(o.key),
          text: o.text && s.string(o.text),
          fields: o.fields?.map((f) => ({ name: s.name(f.name), type: s.type(f.type), span: s.span(f.span) })),
          span: s.span(o.span),
        })),
        span,
      };
    case 'node':
    case 'output':
      return { kind: d.kind, name: s.name(d.name), expr: d.expr && s.expr(d.expr), span };
    case 'compare':
      return {
        kind: 'compare',
        name: s.name(d.name),
        fields: d.fields.map((f) => ({ key: s.name(f.key), value: f.value && s.expr(f.value), span: s.span(f.span) })),
        gates: d.gates.map((g) => ({
          path: g.path.map((p) => s.name(p)),
          op: g.op,
          bound: g.bound && s.number(g.bound),
          at: g.at && s.number(g.at),
          text: g.text,
          span: s.span(g.span),
        })),
        sinks: d.sinks.map((k) => ({ kind: s.name(k.kind), args: s.args(k.args), span: s.span(k.span) })),
        span,
      };
    case 'replay':
      return { kind: 'replay', path: d.path && s.string(d.path), span };
  }
}

class Shifter {
  /** The last span moved and its copy: a reference and its name share one span object. */
  private lastIn: A.Span | undefined;
  private lastOut: A.Span | undefined;

  constructor(private readonly place: Place) {}

  span(x: A.Span): A.Span {
    if (x === this.lastIn) return this.lastOut!;
    this.lastIn = x;
    return (this.lastOut = shiftSpan(x, this.place));
  }

  name<N extends A.Name | undefined>(n: N): N {
    if (!n) return n;
    return { text: n.text, quoted: n.quoted, span: this.span(n.span) } as N;
  }

  string(x: A.StringLit): A.StringLit {
    return { kind: 'string', value: x.value, span: this.span(x.span) };
  }

  number(x: A.NumberLit): A.NumberLit {
    return { kind: 'number', value: x.value, text: x.text, span: this.span(x.span) };
  }

  type(t: A.TypeExpr | undefined): A.TypeExpr | undefined {
    if (!t) return undefined;
    return {
      dtype: this.name(t.dtype),
      dims: t.dims.map((d): A.DimExpr => {
        switch (d.kind) {
          case 'fixed':
            return { kind: 'fixed', value: d.value, text: d.text, span: this.span(d.span) };
          case 'symbol':
            return { kind: 'symbol', name: d.name, span: this.span(d.span) };
          case 'unknown':
            return { kind: 'unknown', span: this.span(d.span) };
        }
      }),
      span: this.span(t.span),
    };
  }

  from(f: A.InputSource | undefined): A.InputSource | undefined {
    if (!f) return undefined;
    if (f.kind === 'field') return { kind: 'field', path: this.string(f.path), span: this.span(f.span) };
    return { kind: 'columns', items: f.items.map((i) => this.string(i)), span: this.span(f.span) };
  }

  args(args: A.Arg[]): A.Arg[] {
    return args.map((a) => ({ name: this.name(a.name), value: a.value && this.expr(a.value), span: this.span(a.span) }));
  }

  expr(e: A.Expr): A.Expr {
    switch (e.kind) {
      case 'ref': {
        const name = this.name(e.name);
        return { kind: 'ref', name, span: e.span === e.name.span ? name.span : this.span(e.span) };
      }
      case 'call':
        return { kind: 'call', callee: this.name(e.callee), args: this.args(e.args), span: this.span(e.span) };
      case 'member':
        return { kind: 'member', object: this.expr(e.object), member: this.name(e.member), span: this.span(e.span) };
      case 'number':
        return this.number(e);
      case 'string':
        return this.string(e);
      case 'bool':
        return { kind: 'bool', value: e.value, span: this.span(e.span) };
      case 'list':
        return { kind: 'list', items: e.items.map((i) => this.expr(i)), span: this.span(e.span) };
    }
  }
}
