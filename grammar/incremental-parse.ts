/**
 * Re-parse only what an edit touched (the language server parses every open document this way). The grammar already parses a file one declaration at a time (the
 * token stream is cut at declaration keywords, grammar/parse.ts), so a declaration's syntax tree and syntax
 * diagnostics depend only on its own text. This keeps them per chunk of text: after an edit, the chunks
 * whose text is unchanged are reused (moved to their new offsets and lines when text before them grew or
 * shrank) and only the changed ones go through the lexer and parser again.
 *
 * Invariant (tested against `parse` on random texts and edits): `IncrementalParser.parse(text)` returns the
 * same program and problems, spans included, as `parse(text, file)`. Trees are never mutated after they are
 * made, so one compilation may share unchanged declarations with the previous one.
 */
import type { Comment, Decl, Span } from './ast.ts';
import { parse, type ParseResult, type SyntaxProblem } from './parse.ts';
import { endOf } from './language.ts';
import { DeclarationStarts, type Place } from './declaration-starts.ts';
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
  text: string;
  line: number;
  column: number;
  syntax: ChunkSyntax;
}

export class IncrementalParser {
  /** Chunk text → its syntax at offset 0. */
  private relative = new Map<string, ChunkSyntax>();
  /** Chunk offset → the chunk there (its text and place) and its syntax placed there, reused while it does not move. */
  private placed = new Map<number, PlacedChunk>();
  /** Chunks parsed again by the last call (for tests and benchmarks). */
  reparsed = 0;
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
    const chunks: { place: Place; end: number }[] = [];
    if (starts.length === 0 || starts[0]!.offset > 0)
      chunks.push({ place: { offset: 0, line: 0, column: 0 }, end: starts[0]?.offset ?? text.length });
    starts.forEach((p, i) => chunks.push({ place: p, end: starts[i + 1]?.offset ?? text.length }));

    const relative = new Map<string, ChunkSyntax>();
    const placed = new Map<number, PlacedChunk>();
    const decls: Decl[] = [];
    const comments: Comment[] = [];
    // As in grammar/parse.ts: the lexer's problems of the whole text first, then the parser's.
    const lexical: SyntaxProblem[] = [];
    const grammatical: SyntaxProblem[] = [];
    this.reparsed = 0;
    for (const { place, end } of chunks) {
      const chunkText = text.slice(place.offset, end);
      let rel = this.relative.get(chunkText) ?? relative.get(chunkText);
      if (!rel) {
        const r = parse(chunkText, file);
        rel = { decls: r.program.decls, comments: r.program.comments, problems: r.problems };
        this.reparsed++;
      }
      relative.set(chunkText, rel);
      const before = this.placed.get(place.offset);
      const syntax =
        before && before.text === chunkText && before.line === place.line && before.column === place.column
          ? before.syntax
          : place.offset === 0
            ? rel
            : placeAt(rel, place);
      placed.set(place.offset, { text: chunkText, line: place.line, column: place.column, syntax });
      decls.push(...syntax.decls);
      comments.push(...syntax.comments);
      for (const p of syntax.problems) (LEXICAL.has(p.kind) ? lexical : grammatical).push(p);
    }
    // Only the chunks of this text are kept: memory follows the document, not its history.
    this.relative = relative;
    this.placed = placed;
    return { program: { file, decls, comments, span: fileSpan(file, text) }, problems: [...lexical, ...grammatical] };
  }
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
