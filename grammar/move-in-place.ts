/**
 * Syntax moved in the text, in place: the spans of a declaration (or comment, or syntax problem) that was
 * at `from` and whose unchanged text now starts at `to` are rewritten where they are. The incremental
 * parser (incremental-parse.ts) moves the trees of unchanged declarations this way, so a declaration keeps
 * its objects across edits and whatever a check keyed by them (compiler/incremental.ts) stays valid — and
 * spans shared with a check's results (a type's origin, a reference's span) move with the text.
 *
 * Every span object is moved once: a reference and its name share one span (as in shift-spans.ts, the
 * only sharing the parser makes). Written per node kind, like shift-spans.ts, for speed.
 */
import type * as A from './ast.ts';
import type { Place } from './declaration-starts.ts';

export class InPlaceMover {
  private last: A.Span | undefined;
  private readonly offset: number;
  private readonly lines: number;
  private readonly columns: number;
  /** Spans on this line (the text's first) also move sideways. */
  private readonly firstLine: number;

  constructor(from: Place, to: Place) {
    this.offset = to.offset - from.offset;
    this.lines = to.line - from.line;
    this.columns = to.column - from.column;
    this.firstLine = from.line + 1;
  }

  span(s: A.Span): void {
    if (s === this.last) return;
    this.last = s;
    s.start += this.offset;
    s.end += this.offset;
    if (s.line === this.firstLine) s.column += this.columns;
    if (s.endLine === this.firstLine) s.endColumn += this.columns;
    s.line += this.lines;
    s.endLine += this.lines;
  }

  /** In the order shift-spans.ts copies them, so the same spans are found shared. */
  decl(d: A.Decl): void {
    this.span(d.span);
    this.name(d.name);
    switch (d.kind) {
      case 'input':
        this.type(d.type);
        if (d.from) {
          if (d.from.kind === 'field') this.span(d.from.path.span);
          else for (const i of d.from.items) this.span(i.span);
          this.span(d.from.span);
        }
        break;
      case 'model':
        this.name(d.loader);
        if (d.path) this.span(d.path.span);
        for (const o of d.options) {
          this.name(o.key);
          if (o.text) this.span(o.text.span);
          for (const f of o.fields ?? []) {
            this.name(f.name);
            this.type(f.type);
            this.span(f.span);
          }
          this.span(o.span);
        }
        break;
      case 'node':
      case 'output':
        if (d.expr) this.expr(d.expr);
        break;
      case 'compare':
        for (const f of d.fields) {
          this.name(f.key);
          if (f.value) this.expr(f.value);
          this.span(f.span);
        }
        for (const g of d.gates) {
          for (const p of g.path) this.name(p);
          if (g.bound) this.span(g.bound.span);
          if (g.at) this.span(g.at.span);
          this.span(g.span);
        }
        for (const k of d.sinks) {
          this.name(k.kind);
          this.args(k.args);
          this.span(k.span);
        }
        break;
      case 'replay':
        if (d.path) this.span(d.path.span);
        break;
    }
  }

  private name(n: A.Name | undefined): void {
    if (n) this.span(n.span);
  }

  private type(t: A.TypeExpr | undefined): void {
    if (!t) return;
    this.name(t.dtype);
    for (const d of t.dims) this.span(d.span);
    this.span(t.span);
  }

  private args(args: A.Arg[]): void {
    for (const a of args) {
      this.name(a.name);
      if (a.value) this.expr(a.value);
      this.span(a.span);
    }
  }

  private expr(e: A.Expr): void {
    switch (e.kind) {
      case 'ref':
        this.name(e.name);
        this.span(e.span);
        return;
      case 'call':
        this.name(e.callee);
        this.args(e.args);
        this.span(e.span);
        return;
      case 'member':
        this.expr(e.object);
        this.name(e.member);
        this.span(e.span);
        return;
      case 'list':
        for (const i of e.items) this.expr(i);
        this.span(e.span);
        return;
      default:
        this.span(e.span);
    }
  }
}
