/**
 * The `.m4` formatter, shared by `m4c fmt` and the language server: one canonical layout, no options.
 *
 * - One declaration per line; compare blocks one item per line, indented by two spaces.
 * - Consecutive declarations of one kind align their `=` (inputs: their type after `name:`), and
 *   consecutive compare fields align their values; a blank line ends the alignment.
 * - Expressions print on one line when they fit in {@link FORMAT_WIDTH} columns, otherwise each bracketed
 *   list breaks to one element per line.
 * - Blank lines between declarations and compare items are kept, at most one; none at the start or end
 *   of a file or block.
 * - Every comment is kept next to what it was written with (format-comments.ts); trailing `//` comments of
 *   consecutive one-line items are aligned.
 *
 * Guarantees: a file with syntax errors is refused, never reformatted; the output parses to the same
 * declarations (checked on every run — if it did not, the file would be refused with M7001 rather than
 * changed) and keeps every comment; formatting twice gives the same text.
 */
import type { CompareDecl, Decl, Program, Span } from '../grammar/ast.ts';
import { parse } from '../grammar/parse.ts';
import { diag, type Diagnostic } from './diagnostics/diagnostic.ts';
import { CommentPool, commentText, type FmtComment } from './format-comments.ts';
import { printDoc, type Doc } from './format-doc.ts';
import { ExprPrinter } from './format-expr.ts';
import { syntaxPass } from './syntax.ts';

/** Lines longer than this are broken where an expression allows it. */
export const FORMAT_WIDTH = 120;
const INDENT = '  ';

export type FormatResult =
  | { ok: true; text: string; changed: boolean }
  /** Syntax errors (M0xxx), or M7001 if the formatter could not keep the meaning (a bug). */
  | { ok: false; diagnostics: Diagnostic[] };

/** Format `.m4` source text. Never throws. */
export function formatSource(text: string, file = '<input>'): FormatResult {
  const syntax = syntaxPass(text, file);
  if (syntax.diagnostics.length > 0) return { ok: false, diagnostics: syntax.diagnostics };
  const program = syntax.result;
  let out: string;
  try {
    out = new Layout(text, program).program();
  } catch (err) {
    return { ok: false, diagnostics: [diag('M7001', program.span, { detail: `formatter: ${err instanceof Error ? err.message : String(err)}` })] };
  }
  const problem = meaningProblem(program, out, file);
  if (problem) {
    return {
      ok: false,
      diagnostics: [diag('M7001', program.span, { detail: `the formatter would change this file (${problem}); it was left as it is` })],
    };
  }
  return { ok: true, text: out, changed: out !== text };
}

/** One element of a vertical list (declarations, compare items). */
interface VItem {
  span: Span;
  /** Items of the same class next to each other align `keyWidth` columns. */
  alignClass?: string;
  keyWidth?: number;
  /** The item's lines; `align` is the key width of its alignment run. */
  render: (align: number, indent: string, startColumn: number) => string;
}

interface Rendered {
  /** Blank line before this item's first line (its first comment, or its body). */
  blankBefore: boolean;
  /** Own-line comments before the item. */
  before: { text: string; blankBefore: boolean }[];
  body: string;
  /** Blank line between the comments before the item and its body. */
  bodyBlankBefore: boolean;
  trailing: string;
  /** The item has no own-line comments before it (for trailing-comment alignment). */
  bare: boolean;
}

class Layout {
  private readonly pool: CommentPool;
  private readonly ex: ExprPrinter;

  constructor(
    private readonly text: string,
    private readonly prog: Program,
  ) {
    this.pool = new CommentPool(prog.comments, text);
    this.ex = new ExprPrinter(text, this.pool);
  }

  program(): string {
    const items = this.prog.decls.map((d) => this.declItem(d));
    const lines = this.vertical(items, 0, this.text.length, '');
    const left = this.pool.remaining();
    if (left.length > 0) throw new Error(`comment at line ${left[0]!.span.line} was not placed`);
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  /** Lay out items one per line between source offsets `start` and `end`; returns the lines. */
  private vertical(items: VItem[], start: number, end: number, indent: string): string[] {
    const widths = this.alignmentWidths(items);
    const rendered: Rendered[] = [];
    let cursor = start;
    items.forEach((item, i) => {
      const leading = this.pool.take(cursor, item.span.start);
      const before: Rendered['before'] = [];
      let prefix = '';
      let prevEnd = cursor;
      for (const c of leading) {
        // A blank line before the first comment is the item's own blank line (`blankBefore`).
        const blank = (before.length > 0 || prefix !== '') && this.pool.blankBetween(prevEnd, c.span.start);
        if (isInline(c)) prefix += `${c.text} `;
        else {
          before.push({ text: `${indent}${prefix}${c.text}`, blankBefore: blank });
          prefix = '';
        }
        prevEnd = c.span.end;
      }
      const blankBeforeBody = leading.length > 0 && this.pool.blankBetween(prevEnd, item.span.start);
      const body = item.render(widths[i]!, indent, indent.length + prefix.length);
      // Comments inside the item that no inner list placed go on their own lines in front of it.
      const leftovers = this.pool.take(item.span.start, item.span.end);
      leftovers.forEach((c, k) => before.push({ text: `${indent}${c.text}`, blankBefore: k === 0 && blankBeforeBody }));
      const next = items[i + 1];
      const trailing = this.pool.takeOnLine(item.span.end, next?.span.start ?? end, item.span.endLine);
      rendered.push({
        blankBefore: i > 0 && this.pool.blankBetween(cursor, leading[0]?.span.start ?? item.span.start),
        before,
        body: indent + prefix + body,
        bodyBlankBefore: leftovers.length === 0 && blankBeforeBody,
        trailing: trailing.map((c) => c.text).join(' '),
        bare: before.length === 0 && prefix === '',
      });
      cursor = trailing.length > 0 ? trailing[trailing.length - 1]!.span.end : item.span.end;
    });

    this.alignTrailing(rendered);
    const lines: string[] = [];
    for (const r of rendered) {
      if (r.blankBefore) lines.push('');
      for (const b of r.before) {
        if (b.blankBefore) lines.push('');
        lines.push(...b.text.split('\n'));
      }
      if (r.bodyBlankBefore) lines.push('');
      lines.push(...(r.trailing ? `${r.body} ${r.trailing}` : r.body).split('\n'));
    }
    const dangling = this.pool.take(cursor, end);
    let prevEnd = cursor;
    for (const c of dangling) {
      if (lines.length > 0 && this.pool.blankBetween(prevEnd, c.span.start)) lines.push('');
      lines.push(...`${indent}${c.text}`.split('\n'));
      prevEnd = c.span.end;
    }
    return lines;
  }

  /** The key width of each item: the widest key of its run (same class, no blank line between). */
  private alignmentWidths(items: VItem[]): number[] {
    const widths = items.map((it) => it.keyWidth ?? 0);
    let runStart = 0;
    const close = (endIdx: number) => {
      let max = 0;
      for (let k = runStart; k < endIdx; k++) max = Math.max(max, widths[k]!);
      for (let k = runStart; k < endIdx; k++) widths[k] = max;
    };
    for (let i = 1; i <= items.length; i++) {
      const prev = items[i - 1]!;
      const cur = items[i];
      const sameRun =
        cur !== undefined &&
        cur.alignClass !== undefined &&
        cur.alignClass === prev.alignClass &&
        !this.pool.blankBetween(prev.span.end, cur.span.start);
      if (!sameRun) {
        close(i);
        runStart = i;
      }
    }
    return widths;
  }

  /** Trailing comments of consecutive one-line items start in one column (gofmt's rule). */
  private alignTrailing(rendered: Rendered[]): void {
    let i = 0;
    while (i < rendered.length) {
      const r = rendered[i]!;
      if (!canAlign(r)) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < rendered.length && canAlign(rendered[j]!) && rendered[j]!.bare && !rendered[j]!.blankBefore) j++;
      if (j - i > 1) {
        const width = Math.max(...rendered.slice(i, j).map((x) => x.body.length));
        for (let k = i; k < j; k++) rendered[k]!.body = rendered[k]!.body.padEnd(width);
      }
      i = j;
    }
  }

  // ── declarations ────────────────────────────────────────────────────────────────────────────
  private declItem(d: Decl): VItem {
    const ex = this.ex;
    const nameText = d.name ? ex.name(d.name) : '';
    switch (d.kind) {
      case 'input':
        return {
          span: d.span,
          alignClass: 'input',
          keyWidth: nameText.length + 1,
          render: (w, indent, col) =>
            this.print([`input ${`${nameText}:`.padEnd(w)} `, d.type ? ex.type(d.type) : '', d.optional ? ' optional' : '', ex.from(d)], indent, col),
        };
      case 'model':
        return {
          span: d.span,
          alignClass: 'model',
          keyWidth: nameText.length,
          render: (w, indent, col) => this.print([`model ${nameText.padEnd(w)} = `, ex.modelLoader(d)], indent, col),
        };
      case 'node':
      case 'output':
        return {
          span: d.span,
          alignClass: d.kind,
          keyWidth: nameText.length,
          render: (w, indent, col) => this.print([`${d.kind} ${nameText.padEnd(w)} = `, d.expr ? ex.expr(d.expr) : ''], indent, col),
        };
      case 'replay':
        return { span: d.span, render: (_w, indent, col) => this.print(['replay ', d.path ? ex.string(d.path) : ''], indent, col) };
      case 'compare':
        return { span: d.span, render: (_w, indent) => this.compare(d, nameText, indent) };
    }
  }

  private compare(d: CompareDecl, nameText: string, indent: string): string {
    const closeAt = this.text[d.span.end - 1] === '}' ? d.span.end - 1 : d.span.end;
    const open = this.ex.indexOfCode('{', d.name?.span.end ?? d.span.start, closeAt);
    const inner = `${indent}${INDENT}`;
    const items: VItem[] = [];
    for (const f of d.fields) {
      const key = `${f.key.text}:`;
      items.push({
        span: f.span,
        alignClass: 'field',
        keyWidth: key.length,
        render: (w, ind, col) => this.print([`${key.padEnd(w)} `, f.value ? this.ex.expr(f.value) : ''], ind, col),
      });
    }
    for (const g of d.gates) {
      const at = g.at ? ` at ${g.at.text}%` : '';
      items.push({
        span: g.span,
        render: (_w, ind, col) => this.print([`gate ${g.path.map((p) => p.text).join('.')} ${g.op ?? ''} ${g.bound?.text ?? ''}${at}`], ind, col),
      });
    }
    for (const s of d.sinks) {
      items.push({
        span: s.span,
        render: (_w, ind, col) =>
          this.print(['sink ', s.kind ? this.ex.name(s.kind) : '', this.ex.argList(s.kind?.span.end ?? s.span.start, s.span.end, s.args)], ind, col),
      });
    }
    items.sort((a, b) => a.span.start - b.span.start);
    const openLine = lineOf(this.text, open);
    const headerComments = this.pool.takeOnLine(open + 1, items[0]?.span.start ?? closeAt, openLine);
    const header = `compare ${nameText} {${headerComments.map((c) => ` ${c.text}`).join('')}`;
    const start = headerComments.length > 0 ? headerComments[headerComments.length - 1]!.span.end : open + 1;
    const body = this.vertical(items, start, closeAt, inner);
    if (body.length === 0 && headerComments.length === 0) return `compare ${nameText} {}`;
    return [header, ...body, `${indent}}`].join('\n');
  }

  private print(doc: Doc, indent: string, startColumn: number): string {
    return printDoc(doc, FORMAT_WIDTH, indent.length, startColumn);
  }
}

function isInline(c: FmtComment): boolean {
  return c.block && !c.endsLine && !c.multiline;
}

function canAlign(r: Rendered): boolean {
  return r.trailing !== '' && !r.body.includes('\n') && !r.trailing.includes('\n');
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Why `out` does not mean what `original` meant, or undefined when it does (same declarations, same comments). */
function meaningProblem(original: Program, out: string, file: string): string | undefined {
  const again = parse(out, file);
  if (again.problems.length > 0) return `its output does not parse: ${again.problems[0]!.kind} at line ${again.problems[0]!.span.line}`;
  if (shape(original.decls) !== shape(again.program.decls)) return 'its output declares something else';
  const before = original.comments.map(commentText).sort();
  const after = again.program.comments.map(commentText).sort();
  if (before.length !== after.length || before.some((c, i) => c !== after[i])) return 'its output lost or changed a comment';
  return undefined;
}

/** The declarations without their positions. */
function shape(decls: Decl[]): string {
  return JSON.stringify(decls, (k, v: unknown) => (k === 'span' ? undefined : v));
}
