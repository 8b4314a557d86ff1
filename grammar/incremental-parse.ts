/**
 * Re-parse only what an edit touched (the language server parses every open document this way). The grammar already parses a file one declaration at a time (the
 * token stream is cut at declaration keywords, grammar/parse.ts), so a declaration's syntax tree and syntax
 * diagnostics depend only on its own text. This keeps them per chunk of text: after an edit, the chunks
 * whose text is unchanged are reused — the same objects, their spans moved in place (move-in-place.ts) when
 * text before them grew or shrank — and only the changed ones go through the lexer and parser again.
 *
 * Invariant (tested against `parse` on random texts and edits): `IncrementalParser.parse(text)` returns the
 * same program and problems, spans included, as `parse(text, file)`. An unchanged declaration keeps its
 * objects across calls, so what a check keyed by them stays valid (compiler/incremental.ts); the price is
 * that the previous call's result moves too: only the last result describes its text.
 */
import type { Comment, Decl, Span } from './ast.ts';
import { parse, type ParseResult, type SyntaxProblem } from './parse.ts';
import { DeclarationStarts, type Place } from './declaration-starts.ts';
import { InPlaceMover } from './move-in-place.ts';
import { shiftDecl, shiftSpanned } from './shift-spans.ts';

/** The lexer's problems: `parse` reports those of the whole text before the parser's. */
const LEXICAL = new Set<SyntaxProblem['kind']>(['unexpected-character', 'unterminated-string', 'unterminated-comment']);

/** A chunk's syntax as parsed on its own (spans relative to the chunk's first character). */
interface ChunkSyntax {
  decls: Decl[];
  comments: Comment[];
  problems: SyntaxProblem[];
}

interface PlacedChunk {
  place: Place;
  /** Where the chunk ends in the text it was last placed in. */
  end: number;
  /** The call that found it by position (see `IncrementalParser.generation`). */
  taken?: number;
  syntax: ChunkSyntax;
}

export class IncrementalParser {
  /** The last text and its chunks, in order (their syntax placed where they were). */
  private text: string | undefined;
  private placed: PlacedChunk[] = [];
  /** Counts calls: a chunk found by position is marked with the call's number (no set of them to build). */
  private generation = 0;
  /** The last text's line breaks. */
  private breaks: number | undefined;
  /**
   * The last result's declarations and comments, where each chunk's begin in them (chunk `i`'s are
   * `declAt[i]` .. `declAt[i + 1]`), and how many problems it had.
   */
  private last: { decls: Decl[]; comments: Comment[]; declAt: Int32Array; commentAt: Int32Array; problems: number } | undefined;
  /** Chunks parsed again by the last call (for tests and benchmarks). */
  reparsed = 0;
  /** Chunks the last call walked (the others were kept by splicing; for tests and benchmarks). */
  visited = 0;
  /** Chunks the last call moved in place (for tests and benchmarks). */
  moved = 0;
  /** Chunks the last call looked up by their text, not found by position (for tests and benchmarks). */
  lookedUp = 0;
  private readonly starts = new DeclarationStarts();

  /** Characters the last call lexed to find the declarations (for tests and benchmarks). */
  get lexed(): number {
    return this.starts.lexed;
  }

  constructor(readonly file: string) {}

  parse(text: string): ParseResult {
    const file = this.file;
    // Where declarations start, lexing only around what changed since the last call.
    const starts = this.starts.find(text);
    // The chunks: one from each start to the next (and one from 0 when the text does not begin with a
    // start), read by index rather than made into a list of objects (a 4 MB file has 100,000).
    const head = starts.length === 0 || starts[0]!.offset > 0 ? 1 : 0;
    const count = starts.length + head;
    const placeOfChunk = (i: number): Place => (i < head ? ORIGIN : starts[i - head]!);
    const endAt = (i: number): number => (i - head + 1 < starts.length ? starts[i - head + 1]!.offset : text.length);

    // A chunk wholly in the text before the edit, or wholly in the text after it, is the last text's chunk
    // at the same place (or shifted by the edit's length): found by position, in one walk of both lists,
    // without slicing or hashing its text. Only the chunks around the edit are looked up by their text
    // (among the last text's chunks not found by position: a declaration cut and pasted keeps its tree).
    const old = this.placed;
    const taken = ++this.generation;
    const prev = this.text;
    const ends = this.starts.ends;
    // Splicing: the chunks between starts that are the last call's objects (before the edit, and after it
    // when nothing there moved) are the last call's chunks, kept without visiting them — a 4 MB file has
    // 100,000 — and so are their declarations and comments, copied by the slice (the last call's problems
    // must be none: they are ordered lexical first, not by chunk).
    let lo = 0;
    let tail = 0;
    const last = this.last;
    if (prev !== undefined && last && last.problems === 0) {
      const { sameHead, sameTail } = this.starts;
      // A chunk is kept when its start and the next are both kept (the first chunk's start is 0 when `head`).
      lo = sameHead > 0 ? head + sameHead - 1 : 0;
      tail = sameTail;
      if (lo + tail > Math.min(count, old.length)) lo = tail = 0;
    }
    const hi = count - tail;
    const oldHi = old.length - tail;
    const found = new Array<PlacedChunk | undefined>(hi - lo);
    if (prev !== undefined && ends) {
      // What DeclarationStarts found the edit to be (the same two texts: both see every call).
      const { prefix, suffix } = ends;
      const delta = text.length - prev.length;
      let k = lo;
      for (let i = lo; i < hi; i++) {
        const place = placeOfChunk(i);
        const end = endAt(i);
        const shift = end <= prefix ? 0 : place.offset >= text.length - suffix ? delta : undefined;
        if (shift === undefined) continue;
        const at = place.offset - shift;
        while (k < oldHi && old[k]!.place.offset < at) k++;
        const o = k < oldHi ? old[k] : undefined;
        if (o && o.place.offset === at && o.end === end - shift) {
          found[i - lo] = o;
          o.taken = taken;
        }
      }
    }
    let byText: Map<string, PlacedChunk[]> | undefined;

    const placed: PlacedChunk[] = lo > 0 ? old.slice(0, lo) : [];
    const decls: Decl[] = lo > 0 ? last!.decls.slice(0, last!.declAt[lo]) : [];
    const comments: Comment[] = lo > 0 ? last!.comments.slice(0, last!.commentAt[lo]) : [];
    const declAt = new Int32Array(count + 1);
    const commentAt = new Int32Array(count + 1);
    if (lo > 0) {
      declAt.set(last!.declAt.subarray(0, lo + 1));
      commentAt.set(last!.commentAt.subarray(0, lo + 1));
    }
    // As in grammar/parse.ts: the lexer's problems of the whole text first, then the parser's.
    const lexical: SyntaxProblem[] = [];
    const grammatical: SyntaxProblem[] = [];
    this.reparsed = 0;
    this.moved = 0;
    this.lookedUp = 0;
    this.visited = hi - lo;
    for (let i = lo; i < hi; i++) {
      const place = placeOfChunk(i);
      const end = endAt(i);
      let chunk = found[i - lo];
      if (!chunk) {
        this.lookedUp++;
        byText ??= textIndex(prev, old, lo, oldHi, taken);
        const chunkText = text.slice(place.offset, end);
        // An old chunk of the same text (each is used once: a text may occur twice), preferably the one here.
        const same = byText.get(chunkText);
        if (same && same.length > 0) {
          const here = same.findIndex((c) => c.place.offset === place.offset);
          chunk = same.splice(here >= 0 ? here : 0, 1)[0]!;
        } else {
          const r = parse(chunkText, file);
          const rel = { decls: r.program.decls, comments: r.program.comments, problems: r.problems };
          chunk = { place, end, syntax: place.offset === 0 ? rel : placeAt(rel, place) };
          this.reparsed++;
        }
      }
      const p = chunk.place;
      if (p.offset !== place.offset || p.line !== place.line || p.column !== place.column) {
        moveInPlace(chunk.syntax, p, place);
        chunk.place = place;
        this.moved++;
      }
      chunk.end = end;
      placed.push(chunk);
      const { syntax } = chunk;
      for (const d of syntax.decls) decls.push(d);
      for (const c of syntax.comments) comments.push(c);
      for (const p of syntax.problems) (LEXICAL.has(p.kind) ? lexical : grammatical).push(p);
      declAt[i + 1] = decls.length;
      commentAt[i + 1] = comments.length;
    }
    if (tail > 0) {
      // The kept chunks after the edit (nothing there moved: `sameTail` is counted only then).
      const l = last!;
      const dShift = decls.length - l.declAt[oldHi]!;
      const cShift = comments.length - l.commentAt[oldHi]!;
      for (let j = 0; j < tail; j++) placed.push(old[oldHi + j]!);
      for (let k = l.declAt[oldHi]!; k < l.decls.length; k++) decls.push(l.decls[k]!);
      for (let k = l.commentAt[oldHi]!; k < l.comments.length; k++) comments.push(l.comments[k]!);
      for (let j = 1; j <= tail; j++) {
        declAt[hi + j] = l.declAt[oldHi + j]! + dShift;
        commentAt[hi + j] = l.commentAt[oldHi + j]! + cShift;
      }
    }
    // Only the chunks of this text are kept: memory follows the document, not its history.
    const span = this.fileSpan(text, prev, ends);
    const problems = [...lexical, ...grammatical];
    this.text = text;
    this.placed = placed;
    this.last = { decls, comments, declAt, commentAt, problems: problems.length };
    return { program: { file, decls, comments, span }, problems };
  }

  /** The span of the whole text, as grammar/parse.ts computes it: its line count kept across edits. */
  private fileSpan(text: string, prev: string | undefined, ends: { prefix: number; suffix: number } | undefined): Span {
    if (prev === undefined || !ends || this.breaks === undefined) this.breaks = lineBreaks(text, 0, text.length);
    else {
      // Whether a character ends a line depends on it and the next one: the edit's characters and the one
      // before them are counted again.
      const from = Math.max(0, ends.prefix - 1);
      this.breaks += lineBreaks(text, from, text.length - ends.suffix) - lineBreaks(prev, from, prev.length - ends.suffix);
    }
    let lastStart = text.length;
    while (lastStart > 0 && text.charCodeAt(lastStart - 1) !== 10 && text.charCodeAt(lastStart - 1) !== 13) lastStart--;
    return { file: this.file, start: 0, end: text.length, line: 1, column: 1, endLine: this.breaks + 1, endColumn: text.length - lastStart + 1 };
  }
}

/** The last text's chunks `from` .. `to` not found by position, by their text. */
function textIndex(prev: string | undefined, old: readonly PlacedChunk[], from: number, to: number, taken: number): Map<string, PlacedChunk[]> {
  const byText = new Map<string, PlacedChunk[]>();
  if (prev === undefined) return byText;
  for (let i = from; i < to; i++) {
    const c = old[i]!;
    if (c.taken === taken) continue;
    const key = prev.slice(c.place.offset, c.end);
    let list = byText.get(key);
    if (!list) byText.set(key, (list = []));
    list.push(c);
  }
  return byText;
}

/** A placed chunk's syntax moved to `to`, in place. */
function moveInPlace(syntax: ChunkSyntax, from: Place, to: Place): void {
  const m = new InPlaceMover(from, to);
  for (const d of syntax.decls) m.decl(d);
  for (const c of syntax.comments) m.span(c.span);
  for (const p of syntax.problems) m.span(p.span);
}

/** A chunk's syntax moved to `place` (every span; trees are copied, never changed). */
function placeAt(rel: ChunkSyntax, place: Place): ChunkSyntax {
  return {
    decls: rel.decls.map((d) => shiftDecl(d, place)),
    comments: rel.comments.map((c) => shiftSpanned(c, place)),
    problems: rel.problems.map((p) => shiftSpanned(p, place)),
  };
}

const ORIGIN: Place = { offset: 0, line: 0, column: 0 };

/** Line breaks (LF, CR LF, lone CR) ending at a character in `from` .. `to` (a CR LF counts at its LF). */
function lineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}
