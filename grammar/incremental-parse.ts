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

/** The lexer's problems: `parse` reports those of the whole text before the parser's. */
const LEXICAL = new Set<SyntaxProblem['kind']>(['unexpected-character', 'unterminated-string', 'unterminated-comment']);

/** A chunk's syntax as parsed on its own (spans relative to the chunk's first character). */
interface ChunkSyntax {
  decls: Decl[];
  comments: Comment[];
  problems: SyntaxProblem[];
}

export class IncrementalParser {
  /** Chunk text → its syntax at offset 0. */
  private relative = new Map<string, ChunkSyntax>();
  /** `offset:line:column:text` → its syntax placed there, reused while the chunk does not move. */
  private placed = new Map<string, ChunkSyntax>();
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
    const placed = new Map<string, ChunkSyntax>();
    const decls: Decl[] = [];
    const comments: Comment[] = [];
    // As in grammar/parse.ts: the lexer's problems of the whole text first, then the parser's.
    const lexical: SyntaxProblem[] = [];
    const grammatical: SyntaxProblem[] = [];
    this.reparsed = 0;
    for (const { place, end } of chunks) {
      const chunkText = text.slice(place.offset, end);
      const key = `${place.offset}:${place.line}:${place.column}:${chunkText}`;
      let rel = this.relative.get(chunkText) ?? relative.get(chunkText);
      if (!rel) {
        const r = parse(chunkText, file);
        rel = { decls: r.program.decls, comments: r.program.comments, problems: r.problems };
        this.reparsed++;
      }
      relative.set(chunkText, rel);
      let syntax = this.placed.get(key) ?? placed.get(key);
      if (!syntax) syntax = place.offset === 0 ? rel : shiftClone(rel, place);
      placed.set(key, syntax);
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

/**
 * A deep copy with every span moved to `place`. Syntax trees are plain objects and arrays of strings,
 * numbers and booleans; a span is recognised by its fields. Spans the parser shared between two nodes
 * (a reference and its name) become equal copies: no pass compares spans by identity.
 */
function shiftClone<V>(v: V, place: Place): V {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = shiftClone(v[i], place);
    return out as V;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.endColumn === 'number' && typeof o.start === 'number' && typeof o.file === 'string') {
    const s = o as unknown as Span;
    const moved: Span = {
      file: s.file,
      start: s.start + place.offset,
      end: s.end + place.offset,
      line: s.line + place.line,
      column: s.line === 1 ? s.column + place.column : s.column,
      endLine: s.endLine + place.line,
      endColumn: s.endLine === 1 ? s.endColumn + place.column : s.endColumn,
    };
    return moved as V;
  }
  const out: Record<string, unknown> = {};
  for (const k in o) out[k] = shiftClone(o[k], place);
  return out as V;
}

/** The span of a whole text, as grammar/parse.ts computes it. */
function fileSpan(file: string, text: string): Span {
  const end = endOf(text);
  return { file, start: 0, end: text.length, line: 1, column: 1, endLine: end.line, endColumn: end.column };
}
