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
import { endOf } from './language.ts';
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
  syntax: ChunkSyntax;
}

export class IncrementalParser {
  /** Chunk text → the chunks of the last text with that text (their syntax placed where they were). */
  private chunks = new Map<string, PlacedChunk[]>();
  /** Chunks parsed again by the last call (for tests and benchmarks). */
  reparsed = 0;
  /** Chunks the last call moved in place (for tests and benchmarks). */
  moved = 0;
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
    const places: { place: Place; end: number }[] = [];
    if (starts.length === 0 || starts[0]!.offset > 0)
      places.push({ place: { offset: 0, line: 0, column: 0 }, end: starts[0]?.offset ?? text.length });
    starts.forEach((p, i) => places.push({ place: p, end: starts[i + 1]?.offset ?? text.length }));

    const chunks = new Map<string, PlacedChunk[]>();
    const decls: Decl[] = [];
    const comments: Comment[] = [];
    // As in grammar/parse.ts: the lexer's problems of the whole text first, then the parser's.
    const lexical: SyntaxProblem[] = [];
    const grammatical: SyntaxProblem[] = [];
    this.reparsed = 0;
    this.moved = 0;
    for (const { place, end } of places) {
      const chunkText = text.slice(place.offset, end);
      // An old chunk of the same text (each is used once: a text may occur twice), preferably the one here.
      const old = this.chunks.get(chunkText);
      let chunk: PlacedChunk | undefined;
      if (old && old.length > 0) {
        const here = old.findIndex((c) => c.place.offset === place.offset);
        chunk = old.splice(here >= 0 ? here : 0, 1)[0]!;
        const p = chunk.place;
        if (p.offset !== place.offset || p.line !== place.line || p.column !== place.column) {
          moveInPlace(chunk.syntax, p, place);
          chunk.place = place;
          this.moved++;
        }
      } else {
        const r = parse(chunkText, file);
        const rel = { decls: r.program.decls, comments: r.program.comments, problems: r.problems };
        chunk = { place, syntax: place.offset === 0 ? rel : placeAt(rel, place) };
        this.reparsed++;
      }
      let list = chunks.get(chunkText);
      if (!list) chunks.set(chunkText, (list = []));
      list.push(chunk);
      const { syntax } = chunk;
      for (const d of syntax.decls) decls.push(d);
      for (const c of syntax.comments) comments.push(c);
      for (const p of syntax.problems) (LEXICAL.has(p.kind) ? lexical : grammatical).push(p);
    }
    // Only the chunks of this text are kept: memory follows the document, not its history.
    this.chunks = chunks;
    return { program: { file, decls, comments, span: fileSpan(file, text) }, problems: [...lexical, ...grammatical] };
  }
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

/** The span of a whole text, as grammar/parse.ts computes it. */
function fileSpan(file: string, text: string): Span {
  const end = endOf(text);
  return { file, start: 0, end: text.length, line: 1, column: 1, endLine: end.line, endColumn: end.column };
}
