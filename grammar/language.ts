/**
 * The facts of the `.m4` language every other part needs, defined once: the keywords, which of them start
 * a declaration, which may still be used as a parameter name, what an identifier is, and how any name is
 * written so that it parses back (bare, or in backticks). The lexer (tokens.ts), the parser, the compiler's
 * messages and fixes, the language server and `m4c init` all read these.
 */

/** Keywords that start a declaration: the parser cuts the token stream at them, nowhere else. */
export const DECLARATION_KEYWORDS = ['input', 'model', 'node', 'output', 'compare', 'replay'] as const;

/** Keywords that may still name a parameter (`threshold(p, at: 0.7)`): they can never start a declaration. */
export const PARAM_NAME_KEYWORDS = ['at', 'from', 'optional', 'gate', 'sink'] as const;

/** Every keyword of the language: none of them can name anything unquoted. */
export const KEYWORDS = [...DECLARATION_KEYWORDS, ...PARAM_NAME_KEYWORDS, 'true', 'false'] as const;

export type Keyword = (typeof KEYWORDS)[number];

/** An identifier (the lexer's pattern): letters, digits and `_`, not starting with a digit. */
export const IDENTIFIER_PATTERN = /[A-Za-z_][A-Za-z0-9_]*/;
/** The characters an identifier is made of (anywhere but first, where digits are not allowed). */
const IDENTIFIER_CHAR = /[A-Za-z0-9_]/;
const NOT_IDENTIFIER_RUN = /[^A-Za-z0-9_]+/g;

/** True when `ch` (one character) may appear in an identifier. */
export function isIdentifierChar(ch: string): boolean {
  return IDENTIFIER_CHAR.test(ch);
}

/** `text` with every run of characters an identifier cannot hold replaced by `by`. */
export function replaceNonIdentifierRuns(text: string, by: string): string {
  return text.replace(NOT_IDENTIFIER_RUN, by);
}

const WHOLE_IDENTIFIER = new RegExp(`^${IDENTIFIER_PATTERN.source}$`);
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** True when `text` is an identifier (keywords included). */
export function isIdentifier(text: string): boolean {
  return WHOLE_IDENTIFIER.test(text);
}

/** True when `text` is a keyword of the language. */
export function isKeyword(text: string): boolean {
  return KEYWORD_SET.has(text);
}

/** True when `name` can be written bare: an identifier that is not a keyword. */
export function isPlainName(name: string): boolean {
  return WHOLE_IDENTIFIER.test(name) && !KEYWORD_SET.has(name);
}

/** True when `name` can be written at all: bare, or in backticks (no backtick or line break inside). */
export function isWritableName(name: string): boolean {
  return name.length > 0 && !/[`\n\r]/.test(name);
}

/**
 * A name as it must appear in `.m4` text to parse back as that name: bare when it is a plain identifier,
 * else in backticks — `` `onnx::Flatten_0` ``, and also `` `input` ``/`` `output` `` (PyTorch's default
 * export names are keywords here). Callers that may see unwritable names check {@link isWritableName}.
 */
export function writeName(name: string): string {
  return isPlainName(name) ? name : `\`${name}\``;
}

/**
 * The offset where each line starts. Line breaks are `\n`, `\r\n` and a lone `\r` — as the lexer counts
 * them (chevrotain's default) and as the LSP does — so a span's line number finds its line here.
 */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The line and column just past the last character of `text` (1-based), with the line breaks of {@link lineStarts}. */
export function endOf(text: string): { line: number; column: number } {
  // Counted, not read from lineStarts: every parse needs this, and a 4 MB file has 180,000 lines.
  let line = 1;
  let lastStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      line++;
      lastStart = i + 1;
    }
  }
  return { line, column: text.length - lastStart + 1 };
}
