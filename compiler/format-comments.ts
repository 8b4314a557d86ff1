/**
 * Where `m4c fmt` puts comments back. Every comment of the source is handed out exactly once: to the
 * element of a list it precedes (leading), to the element that ends on the line it starts on (trailing),
 * to the end of a list (dangling), or — for a comment inside an element that no inner list claims
 * (`node a = /* why *\/ b`) — as a leading comment of that element. `remaining()` lets the formatter check
 * that nothing was dropped.
 */
import type { Comment, Span } from '../grammar/ast.ts';

/** A comment as the formatter prints it: line comments without trailing spaces, `\n` line ends. */
export interface FmtComment {
  text: string;
  block: boolean;
  /** Spans more than one line (a block comment with a newline inside): forces the layout to break. */
  multiline: boolean;
  /** Only whitespace follows it up to the end of its line: what follows must start on a new line. */
  endsLine: boolean;
  span: Span;
}

export function commentText(c: Comment): string {
  return c.block ? c.text.replace(/\r\n?/g, '\n') : c.text.trimEnd();
}

export class CommentPool {
  private readonly comments: FmtComment[];
  private readonly taken: boolean[];
  /** Index of the first comment not taken yet: comments are mostly taken in order. */
  private low = 0;

  constructor(
    comments: readonly Comment[],
    private readonly text: string,
  ) {
    this.comments = [...comments]
      .sort((a, b) => a.span.start - b.span.start)
      .map((c) => {
        const t = commentText(c);
        return { text: t, block: c.block, multiline: t.includes('\n'), endsLine: endsLine(text, c.span.end), span: c.span };
      });
    this.taken = new Array<boolean>(this.comments.length).fill(false);
  }

  /** Take the comments that start in `[start, end)`, in source order. */
  take(start: number, end: number): FmtComment[] {
    const out: FmtComment[] = [];
    for (let i = this.low; i < this.comments.length; i++) {
      const c = this.comments[i]!;
      if (c.span.start >= end) break;
      if (this.taken[i] || c.span.start < start) continue;
      this.taken[i] = true;
      out.push(c);
    }
    this.advance();
    return out;
  }

  /**
   * Take the comments that start in `[start, end)` on line `line` (1-based): the trailing comments of an
   * element that ends on that line. Stops at the first comment `accept` refuses (it is left for the next
   * element).
   */
  takeOnLine(start: number, end: number, line: number, accept: (c: FmtComment) => boolean = () => true): FmtComment[] {
    const out: FmtComment[] = [];
    for (let i = this.low; i < this.comments.length; i++) {
      const c = this.comments[i]!;
      if (c.span.start >= end || c.span.line !== line) break;
      if (this.taken[i] || c.span.start < start) continue;
      if (!accept(c)) break;
      this.taken[i] = true;
      out.push(c);
    }
    this.advance();
    return out;
  }

  /** Comments never handed out (the formatter refuses to drop any). */
  remaining(): FmtComment[] {
    return this.comments.filter((_, i) => !this.taken[i]);
  }

  /**
   * Whether the source between two offsets holds a blank line outside comments: two newlines with only
   * whitespace between them. The formatter keeps (at most) one blank line exactly there, so running it
   * again finds the same blank lines.
   */
  blankBetween(start: number, end: number): boolean {
    let i = this.firstAtOrAfter(start);
    let from = start;
    while (from < end) {
      const c = this.comments[i];
      const to = c && c.span.start < end ? c.span.start : end;
      if (newlinesIn(this.text, from, to) >= 2) return true;
      if (to === end) return false;
      from = c!.span.end;
      i++;
    }
    return false;
  }

  private firstAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.comments[mid]!.span.start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private advance(): void {
    while (this.low < this.comments.length && this.taken[this.low]) this.low++;
  }
}

function newlinesIn(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function endsLine(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10 || ch === 13) return true;
    if (ch !== 32 && ch !== 9) return false;
  }
  return true;
}
