/**
 * `m4c fmt`: the layout of one declaration's inline parts (expressions, types, argument lists) as a
 * {@link Doc}. Literals are printed exactly as written (numbers and strings keep their source text), so a
 * formatted file always means the same thing. Bracketed lists print flat when they fit and one element
 * per line otherwise; comments inside them stay with the element they were written next to.
 */
import type { Arg, Expr, InputDecl, ModelDecl, ModelOption, Name, Span, StringLit, TypeExpr } from '../grammar/ast.ts';
import type { CommentPool, FmtComment } from './format-comments.ts';
import { breakParent, group, hardline, indent, join, line, lineSuffix, softline, type Doc } from './format-doc.ts';

/** A list element: its span in the source and how to print it (called once, in source order). */
export interface SeqItem {
  span: Span;
  print: () => Doc;
}

export class ExprPrinter {
  constructor(
    private readonly text: string,
    private readonly pool: CommentPool,
  ) {}

  name(n: Name): string {
    return n.quoted ? `\`${n.text}\`` : n.text;
  }

  /** A string literal exactly as written (escapes included). */
  string(s: StringLit): string {
    return this.text.slice(s.span.start, s.span.end);
  }

  expr(e: Expr): Doc {
    switch (e.kind) {
      case 'ref':
        return this.name(e.name);
      case 'number':
        return e.text;
      case 'string':
        return this.string(e);
      case 'bool':
        return e.value ? 'true' : 'false';
      case 'list':
        return this.bracketed(
          '[',
          ']',
          e.span.start + 1,
          e.span.end - 1,
          e.items.map((it) => ({ span: it.span, print: () => this.expr(it) })),
        );
      case 'call':
        return [this.name(e.callee), this.argList(e.callee.span.end, e.span.end, e.args)];
      case 'member':
        return [this.expr(e.object), '.', this.name(e.member)];
    }
  }

  /** `(a, name: b)`: the parenthesis is the first `(` after `from`; `end` is just after the `)`. */
  argList(from: number, end: number, args: Arg[]): Doc {
    const open = this.indexOfCode('(', from, end);
    return this.bracketed(
      '(',
      ')',
      open + 1,
      end - 1,
      args.map((a) => ({ span: a.span, print: () => this.arg(a) })),
    );
  }

  arg(a: Arg): Doc {
    const value = a.value ? this.expr(a.value) : '';
    return a.name ? [this.name(a.name), ': ', value] : value;
  }

  /** `onnx("path")` or `external(backend: "python", inputs: {a: str[batch]}, outputs: {...})`. */
  modelLoader(d: ModelDecl): Doc {
    const loader = d.loader ? this.name(d.loader) : 'onnx';
    const items: SeqItem[] = [];
    if (d.path) items.push({ span: d.path.span, print: () => this.string(d.path!) });
    for (const o of d.options) items.push({ span: o.span, print: () => this.modelOption(o) });
    items.sort((a, b) => a.span.start - b.span.start);
    return [loader, this.bracketed('(', ')', this.indexOfCode('(', d.loader?.span.end ?? d.span.start, d.span.end) + 1, d.span.end - 1, items)];
  }

  private modelOption(o: ModelOption): Doc {
    if (!o.fields) return [this.name(o.key), ': ', o.text ? this.string(o.text) : ''];
    const open = this.indexOfCode('{', o.key.span.end, o.span.end);
    const fields = o.fields.map((f) => ({
      span: f.span,
      print: (): Doc => [f.name ? this.name(f.name) : '', ': ', f.type ? this.type(f.type) : ''],
    }));
    return [this.name(o.key), ': ', this.bracketed('{', '}', open + 1, o.span.end - 1, fields)];
  }

  /** `f32[batch, 30]` */
  type(t: TypeExpr): Doc {
    const dims = t.dims.map((d) => ({
      span: d.span,
      print: (): Doc => (d.kind === 'fixed' ? d.text : d.kind === 'symbol' ? d.name : '?'),
    }));
    const open = this.indexOfCode('[', t.dtype?.span.end ?? t.span.start, t.span.end);
    return [t.dtype ? this.name(t.dtype) : '', this.bracketed('[', ']', open + 1, t.span.end - 1, dims)];
  }

  /** ` from "field"` or ` from ["a", "b"]` */
  from(d: InputDecl): Doc {
    const f = d.from;
    if (!f) return '';
    if (f.kind === 'field') return [' from ', this.string(f.path)];
    const open = this.indexOfCode('[', f.span.start, f.span.end);
    return [
      ' from ',
      this.bracketed(
        '[',
        ']',
        open + 1,
        f.span.end - 1,
        f.items.map((s) => ({ span: s.span, print: () => this.string(s) })),
      ),
    ];
  }

  /**
   * A bracketed, comma-separated list whose interior is `[start, end)` in the source. Flat when it fits
   * and holds no line comment; otherwise one element per line, indented.
   */
  bracketed(open: string, close: string, start: number, end: number, items: SeqItem[]): Doc {
    const parts: Doc[] = [];
    let cursor = start;
    items.forEach((item, i) => {
      const leading = this.pool.take(cursor, item.span.start);
      const body = item.print();
      // Comments inside the element that no inner list claimed move in front of it.
      leading.push(...this.pool.take(item.span.start, item.span.end));
      const next = items[i + 1];
      const nextStart = next?.span.start ?? end;
      // `a, /* x */ b`: an inline comment after the comma belongs to `b`.
      const trailing = this.pool.takeOnLine(
        item.span.end,
        nextStart,
        item.span.endLine,
        (c) => !(next && c.block && !c.endsLine && this.text.slice(item.span.end, c.span.start).includes(',')),
      );
      cursor = Math.max(item.span.end, trailing.length ? trailing[trailing.length - 1]!.span.end : 0);
      const el: Doc[] = [...leading.map(leadingDoc), body];
      const suffixes: Doc[] = [];
      for (const c of trailing) {
        // A trailing comment that the next token followed on the same line stays inline (`a /* x */, b`);
        // one that ended its line waits for the line's end, after the comma.
        if (c.block && !c.endsLine && !c.multiline) el.push(' ', c.text);
        else suffixes.push(lineSuffix(` ${c.text}`), breakParent);
      }
      parts.push(i < items.length - 1 ? [el, ',', suffixes] : [el, suffixes]);
    });
    const dangling = this.pool.take(cursor, end);
    const danglingDocs: Doc[] = dangling.map((c) => [hardline, c.text]);
    if (items.length === 0 && dangling.length === 0) return [open, close];
    return group([open, indent([softline, join(line, parts), danglingDocs]), softline, close]);
  }

  /** The offset of the first `ch` in `[from, end)` that is not inside a comment or string; `from` if none. */
  indexOfCode(ch: string, from: number, end: number): number {
    let i = from;
    while (i < end) {
      const c = this.text[i]!;
      if (c === ch) return i;
      if (c === '"') {
        i = skipString(this.text, i);
        continue;
      }
      if (c === '/' && this.text[i + 1] === '/') {
        const nl = this.text.indexOf('\n', i);
        i = nl === -1 ? end : nl;
        continue;
      }
      if (c === '/' && this.text[i + 1] === '*') {
        const close = this.text.indexOf('*/', i + 2);
        i = close === -1 ? end : close + 2;
        continue;
      }
      i++;
    }
    return from;
  }
}

/** A comment before an element: on its own line if a newline followed it, inline otherwise. */
export function leadingDoc(c: FmtComment): Doc {
  if (!c.block || c.endsLine || c.multiline) return [c.text, hardline];
  return [c.text, ' '];
}

function skipString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j]!;
    if (c === '\\') j += 2;
    else if (c === '"' || c === '\n') return j + 1;
    else j++;
  }
  return j;
}
