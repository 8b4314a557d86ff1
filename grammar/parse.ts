/**
 * Text → AST, with every lexing and parsing problem collected as data.
 *
 * The token stream is cut at the declaration keywords (`input`, `model`, `node`, `compare`, `output`),
 * which can appear nowhere else, and each declaration is parsed on its own. So an error in one declaration
 * never hides another, and the checker sees every declaration that parsed.
 *
 * Two paths give the same result: the direct lexer and parser (direct-lex.ts, direct-parse.ts) handle text
 * without errors, which is nearly all text, with no concrete syntax tree and without keeping the file's
 * tokens; chevrotain's lexer and parser, with their error recovery and messages, handle the rest.
 */
import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import type { Comment, Decl, Program, Span } from './ast.ts';
import { AstBuilder } from './cst-to-ast.ts';
import { lexDirectly } from './direct-lex.ts';
import { parseDeclarationDirectly } from './direct-parse.ts';
import { endOf } from './language.ts';
import { errorMessagesBuilt, expectedTokenNames, m4Parser } from './parser.ts';
import * as T from './tokens.ts';

export type SyntaxProblem =
  | { kind: 'unexpected-character'; text: string; span: Span }
  | { kind: 'unterminated-string'; span: Span }
  | { kind: 'unterminated-comment'; span: Span }
  | { kind: 'unexpected-token'; found: string; expected: string[]; rule: string; span: Span }
  | { kind: 'missing-token'; expected: string[]; rule: string; span: Span }
  | { kind: 'stray-tokens'; found: string; span: Span }
  | { kind: 'too-deep'; limit: number; span: Span }
  | { kind: 'number-out-of-range'; text: string; span: Span };

export interface ParseResult {
  program: Program;
  problems: SyntaxProblem[];
}

const DECL_STARTS = T.DECLARATION_TOKENS;
/**
 * Brackets (and `.member` chains) nested deeper than this are refused before parsing: recursive descent,
 * and more so its error recovery inside unclosed brackets, would exhaust the stack (150 unclosed `[` did).
 * Real graphs nest a handful deep.
 */
export const MAX_NESTING = 64;

const OPENERS = new Set<TokenType>([T.LParen, T.LBracket, T.LBrace]);
const CLOSERS = new Set<TokenType>([T.RParen, T.RBracket, T.RBrace]);

/** Human names of tokens for messages: `'='` rather than `Equals`. */
const TOKEN_LABELS: Record<string, string> = {
  Identifier: 'a name',
  QuotedName: 'a quoted name',
  StringLiteral: 'a string',
  NumberLiteral: 'a number',
  GreaterEq: "'>='",
  LessEq: "'<='",
  Greater: "'>'",
  Less: "'<'",
  Equals: "'='",
  Colon: "':'",
  Comma: "','",
  Dot: "'.'",
  LParen: "'('",
  RParen: "')'",
  LBracket: "'['",
  RBracket: "']'",
  LBrace: "'{'",
  RBrace: "'}'",
  Question: "'?'",
  Percent: "'%'",
  Semicolon: "';'",
  EOF: 'the end of the file',
};

/** How to parse; the default is what every caller wants. */
export interface ParseOptions {
  /**
   * Try the direct lexer (direct-lex.ts) and parser (direct-parse.ts) first, and use chevrotain's only for
   * a text with a lexing error and for the declarations the direct parser gives up on (default: true).
   * `false` lexes and parses everything with chevrotain: for tests that check the two agree.
   */
  direct?: boolean;
}

export function parse(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const direct = options.direct ?? true;
  const builder = new AstBuilder(file);
  return (direct && parseStreaming(text, file, builder)) || parseTokens(text, file, builder, direct);
}

/**
 * The direct lexer's tokens, each declaration parsed as soon as its tokens are in; `undefined` when the
 * text has a lexing error (then {@link parseTokens} does it all again, with chevrotain's lexer).
 */
function parseStreaming(text: string, file: string, builder: AstBuilder): ParseResult | undefined {
  const comments: Comment[] = [];
  const numbers: SyntaxProblem[] = [];
  const problems: SyntaxProblem[] = [];
  const decls: Decl[] = [];
  // The tokens since the last declaration start (or of the text's start): reused, parsing copies what it keeps.
  const run: IToken[] = [];
  const flush = () => {
    if (run.length > 0) parseRun(run, 0, run.length, builder, true, decls, problems);
    run.length = 0;
  };
  const lexedCleanly = lexDirectly(text, {
    token(t) {
      if (t.tokenType === T.NumberLiteral) checkNumber(t, builder, numbers);
      if (DECL_STARTS.has(t.tokenType)) flush();
      run.push(t);
    },
    comment(t) {
      comments.push(commentOf(t, builder));
    },
  });
  if (!lexedCleanly) return undefined;
  flush();
  // As parseTokens orders them: numbers out of range (in text order) before the parser's problems.
  for (const p of problems) numbers.push(p);
  return result(text, file, decls, comments, numbers);
}

/** Lex the whole text with chevrotain's lexer (which recovers from bad characters), then parse it. */
function parseTokens(text: string, file: string, builder: AstBuilder, direct: boolean): ParseResult {
  const problems: SyntaxProblem[] = [];
  const lexed = T.m4Lexer.tokenize(text);
  for (const e of lexed.errors) problems.push(lexProblem(text, file, e.offset, e.length, e.line ?? 1, e.column ?? 1));
  const comments: Comment[] = (lexed.groups.comments ?? []).map((t: IToken) => commentOf(t, builder));
  const decls: Decl[] = [];
  const toks = lexed.tokens;
  for (const t of toks) if (t.tokenType === T.NumberLiteral) checkNumber(t, builder, problems);
  let i = 0;
  while (i < toks.length) {
    // A declaration runs to the next declaration start; tokens before the first one are a run of their own.
    let j = i + 1;
    while (j < toks.length && !DECL_STARTS.has(toks[j]!.tokenType)) j++;
    parseRun(toks, i, j, builder, direct, decls, problems);
    i = j;
  }
  return result(text, file, decls, comments, problems);
}

function commentOf(t: IToken, builder: AstBuilder): Comment {
  return { text: t.image, block: t.tokenType === T.BlockComment, span: builder.tokenSpan(t) };
}

/** Numbers are f64: a literal beyond its range (`1e400`) would silently become Infinity. */
function checkNumber(t: IToken, builder: AstBuilder, problems: SyntaxProblem[]): void {
  if (!Number.isFinite(Number(t.image))) problems.push({ kind: 'number-out-of-range', text: t.image, span: builder.tokenSpan(t) });
}

/**
 * Parse `toks[i]` .. `toks[j - 1]`: one declaration (its keyword and the tokens up to the next one), or a
 * run of tokens that start no declaration (one problem for the whole run).
 */
function parseRun(toks: IToken[], i: number, j: number, builder: AstBuilder, direct: boolean, decls: Decl[], problems: SyntaxProblem[]): void {
  if (!DECL_STARTS.has(toks[i]!.tokenType)) {
    const first = builder.tokenSpan(toks[i]!);
    problems.push({ kind: 'stray-tokens', found: toks[i]!.image, span: builder.join(first, builder.tokenSpan(toks[j - 1]!)) });
    return;
  }
  const deep = firstTooDeep(toks, i, j);
  // An error-free declaration (nearly all of them) needs no concrete syntax tree, nor recovery.
  const fast = direct && !deep ? parseDeclarationDirectly(toks, i, j, builder) : undefined;
  if (fast) {
    decls.push(fast);
    return;
  }
  const chunk = toks.slice(i, j);
  const chunkSpan = builder.join(builder.tokenSpan(chunk[0]!), builder.tokenSpan(chunk[chunk.length - 1]!));
  if (deep) {
    problems.push({ kind: 'too-deep', limit: MAX_NESTING, span: builder.tokenSpan(deep) });
    return;
  }
  try {
    m4Parser.input = chunk;
    const built = errorMessagesBuilt();
    const cst = m4Parser.declaration();
    if (errorMessagesBuilt() !== built) for (const err of m4Parser.errors) problems.push(parseProblem(err, builder, chunkSpan));
    if (cst) {
      const decl = builder.declaration(cst, chunkSpan);
      if (decl) decls.push(decl);
    }
  } catch (err) {
    // The limit above keeps recursion shallow; a caller already deep in its own stack can still run
    // out. That is this declaration's nesting, not a bug: say so and go on with the next one.
    if (!(err instanceof RangeError)) throw err;
    problems.push({ kind: 'too-deep', limit: MAX_NESTING, span: chunkSpan });
  }
}

function result(text: string, file: string, decls: Decl[], comments: Comment[], problems: SyntaxProblem[]): ParseResult {
  const lines = endOf(text);
  return {
    program: {
      file,
      decls,
      comments,
      span: { file, start: 0, end: text.length, line: 1, column: 1, endLine: lines.line, endColumn: lines.column },
    },
    problems,
  };
}

/** The first token past the nesting limit: brackets, plus `.member` chains (each `.` nests the AST once more). */
function firstTooDeep(toks: readonly IToken[], from: number, to: number): IToken | undefined {
  let depth = 0;
  let chain = 0;
  for (let i = from; i < to; i++) {
    const t = toks[i]!;
    const type = t.tokenType;
    if (OPENERS.has(type)) {
      depth++;
      chain = 0;
    } else if (CLOSERS.has(type)) {
      depth = Math.max(0, depth - 1);
    } else if (type === T.Dot) {
      chain++;
    } else if (type === T.Comma || type === T.Colon || type === T.Equals) {
      chain = 0;
    }
    if (depth + chain > MAX_NESTING) return t;
  }
  return undefined;
}

function lexProblem(text: string, file: string, offset: number, length: number, line: number, column: number): SyntaxProblem {
  const ch = text[offset] ?? '';
  const span: Span = {
    file,
    start: offset,
    end: offset + Math.max(1, length),
    line,
    column,
    endLine: line,
    endColumn: column + Math.max(1, Math.min(length, 80)),
  };
  if (ch === '"') return { kind: 'unterminated-string', span: { ...span, end: offset + 1, endColumn: column + 1 } };
  if (text.startsWith('/*', offset)) return { kind: 'unterminated-comment', span: { ...span, end: offset + 2, endColumn: column + 2 } };
  const shown = text.slice(offset, offset + Math.min(length, 20));
  return { kind: 'unexpected-character', text: shown, span };
}

function parseProblem(err: IRecognitionException, builder: AstBuilder, chunkSpan: Span): SyntaxProblem {
  const t = err.token;
  const rule = err.context?.ruleStack?.[err.context.ruleStack.length - 1] ?? 'declaration';
  const expected = expectedFrom(err);
  const atEnd = t.tokenType?.name === 'EOF' || !Number.isFinite(t.startOffset);
  // At the end of a declaration, point just after its last token rather than at the next declaration.
  const span: Span = atEnd
    ? {
        ...chunkSpan,
        start: chunkSpan.end,
        end: chunkSpan.end + 1,
        line: chunkSpan.endLine,
        column: chunkSpan.endColumn,
        endColumn: chunkSpan.endColumn + 1,
      }
    : builder.tokenSpan(t);
  if (atEnd) return { kind: 'missing-token', expected, rule, span };
  return { kind: 'unexpected-token', found: t.image, expected, rule, span };
}

/** The expected tokens, as the parser's error message provider recorded them, in words. */
function expectedFrom(err: IRecognitionException): string[] {
  return expectedTokenNames(err.message)
    .map(labelFromName)
    .filter((x, i, a) => a.indexOf(x) === i);
}

function labelFromName(n: string): string {
  return TOKEN_LABELS[n] ?? `'${n.toLowerCase()}'`;
}
