/**
 * The fast path of lexing: a hand-written scanner for the tokens of tokens.ts that gives up (returns
 * false) at the first character the language does not allow. parse.ts then lexes the text with
 * chevrotain's lexer, whose error recovery and positions of bad characters are the ones diagnostics show.
 *
 * Why: chevrotain's lexer returns every token of the text at once, so a whole file's tokens (a million
 * for 4 MB) lived until the parse ended; this one streams them, so the parser drops each declaration's
 * tokens as soon as it is parsed (see {@link lexDirectly}).
 *
 * Invariant (tested against chevrotain's lexer on generated texts, test/grammar/direct-lex.test.ts): when
 * this succeeds, chevrotain's lexer finds no error in the text and returns the same tokens and comments
 * (types, images, offsets, lines and columns).
 */
import { createTokenInstance, type IToken, type TokenType } from 'chevrotain';
import { KEYWORDS } from './language.ts';
import * as T from './tokens.ts';

/** Where {@link lexDirectly} sends what it finds, in text order. */
export interface TokenSink {
  /** A token the parser reads. */
  token(t: IToken): void;
  comment(t: IToken): void;
}

const KEYWORD_TYPES = new Map<string, TokenType>(KEYWORDS.map((w) => [w, T.ALL_TOKENS.find((t) => t.name === w[0]!.toUpperCase() + w.slice(1))!]));
/** Tokens of one character that no longer token starts with. */
const SINGLE: (TokenType | undefined)[] = [];
for (const [ch, t] of [
  ['=', T.Equals],
  [':', T.Colon],
  [',', T.Comma],
  ['(', T.LParen],
  [')', T.RParen],
  ['[', T.LBracket],
  [']', T.RBracket],
  ['{', T.LBrace],
  ['}', T.RBrace],
  ['?', T.Question],
  ['%', T.Percent],
  [';', T.Semicolon],
] as const)
  SINGLE[ch.charCodeAt(0)] = t;

// The patterns of tokens.ts, anchored where the scanner stands (sticky).
const NUMBER = new RegExp(T.NumberLiteral.PATTERN as RegExp, 'y');
const STRING = new RegExp(T.StringLiteral.PATTERN as RegExp, 'y');

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff;
}

/**
 * Send the tokens of `text` to `sink` as they are found, and return true; return false, at once, at the
 * first character that starts no token (a lexing error). Streaming lets the caller parse each declaration
 * as soon as its tokens are in and drop them: on a 4 MB file, a million tokens kept until the end of the
 * parse were most of what the garbage collector copied and marked.
 */
export function lexDirectly(text: string, sink: TokenSink): boolean {
  const n = text.length;
  let i = 0;
  let line = 1;
  // The offset where the current line starts: columns are 1-based offsets from it.
  let lineStart = 0;
  const token = (type: TokenType, start: number, end: number): IToken =>
    createTokenInstance(type, text.substring(start, end), start, end - 1, line, line, start - lineStart + 1, end - lineStart);
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (!isSpace(d)) break;
        if (d === 10 || (d === 13 && text.charCodeAt(i + 1) !== 10)) {
          line++;
          lineStart = i + 1;
        }
      }
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      const image = text.substring(start, i);
      const type = KEYWORD_TYPES.get(image) ?? T.Identifier;
      sink.token(createTokenInstance(type, image, start, i - 1, line, line, start - lineStart + 1, i - lineStart));
      continue;
    }
    const single = SINGLE[c];
    if (single) {
      i++;
      sink.token(token(single, start, i));
      continue;
    }
    if (c === 47 /* / */) {
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        i += 2;
        while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
        sink.comment(token(T.LineComment, start, i));
        continue;
      }
      if (next !== 42 /* * */) return false;
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return false;
      i = close + 2;
      sink.comment(blockComment(text, start, i, line, start - lineStart + 1));
      // Lines inside the comment move the following tokens.
      for (let k = start; k < i; k++) {
        const d = text.charCodeAt(k);
        if (d === 10 || (d === 13 && text.charCodeAt(k + 1) !== 10)) {
          line++;
          lineStart = k + 1;
        }
      }
      continue;
    }
    if (c === 34 /* " */) {
      STRING.lastIndex = i;
      if (!STRING.test(text)) return false;
      i = STRING.lastIndex;
      sink.token(token(T.StringLiteral, start, i));
      continue;
    }
    if (c === 96 /* ` */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 96 || d === 10 || d === 13) break;
        i++;
      }
      if (text.charCodeAt(i) !== 96) return false;
      i++;
      sink.token(token(T.QuotedName, start, i));
      continue;
    }
    if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
      NUMBER.lastIndex = i;
      if (NUMBER.test(text)) {
        i = NUMBER.lastIndex;
        sink.token(token(T.NumberLiteral, start, i));
        continue;
      }
      if (c !== 46) return false; // a lone sign
      i++;
      sink.token(token(T.Dot, start, i));
      continue;
    }
    if (c === 62 /* > */ || c === 60 /* < */) {
      const eq = text.charCodeAt(i + 1) === 61;
      i += eq ? 2 : 1;
      sink.token(token(c === 62 ? (eq ? T.GreaterEq : T.Greater) : eq ? T.LessEq : T.Less, start, i));
      continue;
    }
    return false;
  }
  return true;
}

/** A block comment's token: as chevrotain's lexer places a token with line breaks, its end on its last line. */
function blockComment(text: string, start: number, end: number, line: number, column: number): IToken {
  let endLine = line;
  let lastLineStart = -1;
  for (let k = start; k < end; k++) {
    const d = text.charCodeAt(k);
    if (d === 10 || (d === 13 && text.charCodeAt(k + 1) !== 10)) {
      endLine++;
      lastLineStart = k + 1;
    }
  }
  const endColumn = lastLineStart < 0 ? column + (end - start) - 1 : end - lastLineStart;
  return createTokenInstance(T.BlockComment, text.substring(start, end), start, end - 1, line, endLine, column, endColumn);
}
