/**
 * Protobuf text format (the `config.pbtxt` of a Triton model), parsed with chevrotain into a schema-free
 * tree with source positions. What Triton's parser (protobuf's `TextFormat`) accepts is accepted here:
 * `#` comments; `name: value`; a message as `name { ... }`, `name: { ... }` or with `< ... >`; a
 * repeated field written once per element or as a list `name: [a, b]` (messages too: `input [ {...}, {...} ]`);
 * optional `,` or `;` after any field; strings in double or single quotes with C escapes, adjacent strings
 * concatenated; numbers in decimal, hex and float forms, `-inf`/`nan`; enum values and `true`/`false` as names.
 *
 * Which fields exist and what they hold is checked afterwards against the schema (model-config.ts), so a
 * syntax error and a misspelled field each get their own message with the line and column.
 */
import { createToken, EmbeddedActionsParser, Lexer, type IOrAlt, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import type { Span } from '../../../grammar/ast.ts';

/** A scalar or a message value, with where it was written. */
export type PbValue =
  | { kind: 'string'; value: string; span: Span }
  | { kind: 'number'; value: number; text: string; span: Span }
  /** An enum value, `true`/`false`, `inf`/`nan` (sign included in `value`: `-inf`). */
  | { kind: 'ident'; value: string; span: Span }
  | { kind: 'message'; fields: PbField[]; span: Span };

/** One `name ...` entry. A list (`name: [a, b]`) is one field with several values. */
export interface PbField {
  name: string;
  nameSpan: Span;
  values: PbValue[];
  /** Written as a `[...]` list. */
  list: boolean;
  span: Span;
}

/** A syntax error: the message reads after "file:line:col: ". */
export interface PbSyntaxError {
  message: string;
  span: Span;
}

export type PbParseResult = { ok: true; fields: PbField[] } | { ok: false; error: PbSyntaxError };

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });
const Comment = createToken({ name: 'Comment', pattern: /#[^\n\r]*/, group: Lexer.SKIPPED });
const Str = createToken({ name: 'Str', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"|'(?:[^'\\\n\r]|\\[^\n\r])*'/ });
const Num = createToken({ name: 'Num', pattern: /-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fF]?)/ });
const Minus = createToken({ name: 'Minus', pattern: /-/ });
const Ident = createToken({ name: 'Ident', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
const Colon = createToken({ name: 'Colon', pattern: /:/ });
const LBrace = createToken({ name: 'LBrace', pattern: /{/ });
const RBrace = createToken({ name: 'RBrace', pattern: /}/ });
const LAngle = createToken({ name: 'LAngle', pattern: /</ });
const RAngle = createToken({ name: 'RAngle', pattern: />/ });
const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
const RBracket = createToken({ name: 'RBracket', pattern: /]/ });
const Comma = createToken({ name: 'Comma', pattern: /,/ });
const Semicolon = createToken({ name: 'Semicolon', pattern: /;/ });

const TOKENS: TokenType[] = [
  WhiteSpace,
  Comment,
  Str,
  Num,
  Minus,
  Ident,
  Colon,
  LBrace,
  RBrace,
  LAngle,
  RAngle,
  LBracket,
  RBracket,
  Comma,
  Semicolon,
];
const LABELS: Record<string, string> = {
  Str: 'a string',
  Num: 'a number',
  Minus: "'-'",
  Ident: 'a name',
  Colon: "':'",
  LBrace: "'{'",
  RBrace: "'}'",
  LAngle: "'<'",
  RAngle: "'>'",
  LBracket: "'['",
  RBracket: "']'",
  Comma: "','",
  Semicolon: "';'",
  EOF: 'the end of the file',
};

// Built on first use: the CLI bundle loads this module for every command, and building a chevrotain lexer
// and parser (grammar self-analysis) costs start-up time only `m4c import` should pay.
let lexer: Lexer | undefined;

/** Nesting deeper than this is refused before parsing: recursive descent would exhaust the stack. */
const MAX_DEPTH = 100;

class PbParser extends EmbeddedActionsParser {
  file = '';

  constructor() {
    super(TOKENS, { recoveryEnabled: false, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  span(first: IToken, last: IToken): Span {
    return {
      file: this.file,
      start: first.startOffset,
      end: (last.endOffset ?? last.startOffset) + 1,
      line: first.startLine ?? 1,
      column: first.startColumn ?? 1,
      endLine: last.endLine ?? last.startLine ?? 1,
      endColumn: (last.endColumn ?? last.startColumn ?? 0) + 1,
    };
  }

  document = this.RULE('document', (): PbField[] => {
    const fields = this.SUBRULE(this.fields);
    return fields;
  });

  fields = this.RULE('fields', (): PbField[] => {
    const out: PbField[] = [];
    this.MANY(() => {
      out.push(this.SUBRULE(this.field));
    });
    return out;
  });

  // Alternatives are built once and reused: a fresh array of closures per call was most of the parse time
  // (the same finding as the .m4 parser's). They return their value instead of writing captured locals.
  private fieldAlts?: IOrAlt<FieldValue>[];
  private colonAlts?: IOrAlt<FieldValue>[];
  private separatorAlts?: IOrAlt<IToken>[];
  private messageAlts?: IOrAlt<{ value: PbValue; close: IToken }>[];
  private listItemAlts?: IOrAlt<PbValue>[];
  private scalarAlts?: IOrAlt<{ value: PbValue; last: IToken }>[];
  private signedAlts?: IOrAlt<IToken>[];

  field = this.RULE('field', (): PbField => {
    const name = this.CONSUME(Ident);
    const v = this.OR(
      (this.fieldAlts ??= [
        {
          ALT: () => {
            this.CONSUME(Colon);
            return this.OR2(
              (this.colonAlts ??= [
                { ALT: () => this.SUBRULE(this.listValue) },
                { ALT: () => this.SUBRULE(this.messageValue) },
                { ALT: () => this.SUBRULE(this.scalarValue) },
              ]),
            );
          },
        },
        { ALT: () => this.SUBRULE2(this.messageValue) },
        { ALT: () => this.SUBRULE2(this.listValue) },
      ]),
    );
    this.OPTION(() => this.OR3((this.separatorAlts ??= [{ ALT: () => this.CONSUME(Comma) }, { ALT: () => this.CONSUME(Semicolon) }])));
    return this.ACTION(() => ({ name: name.image, nameSpan: this.span(name, name), values: v.values, list: v.list, span: this.span(name, v.last) }));
  });

  /** A field's value as a list, a message or a scalar. */
  listValue = this.RULE('listValue', (): FieldValue => {
    const l = this.SUBRULE(this.list);
    return { values: l.values, last: l.close, list: true };
  });

  messageValue = this.RULE('messageValue', (): FieldValue => {
    const m = this.SUBRULE(this.message);
    return { values: [m.value], last: m.close, list: false };
  });

  scalarValue = this.RULE('scalarValue', (): FieldValue => {
    const s = this.SUBRULE(this.scalar);
    return { values: [s.value], last: s.last, list: false };
  });

  message = this.RULE('message', (): { value: PbValue; close: IToken } =>
    this.OR((this.messageAlts ??= [{ ALT: () => this.SUBRULE(this.braced) }, { ALT: () => this.SUBRULE(this.angled) }])),
  );

  braced = this.RULE('braced', (): { value: PbValue; close: IToken } => {
    const open = this.CONSUME(LBrace);
    const fields = this.SUBRULE(this.fields);
    const close = this.CONSUME(RBrace);
    return this.ACTION(() => ({ value: { kind: 'message' as const, fields, span: this.span(open, close) }, close }));
  });

  angled = this.RULE('angled', (): { value: PbValue; close: IToken } => {
    const open = this.CONSUME(LAngle);
    const fields = this.SUBRULE(this.fields);
    const close = this.CONSUME(RAngle);
    return this.ACTION(() => ({ value: { kind: 'message' as const, fields, span: this.span(open, close) }, close }));
  });

  list = this.RULE('list', (): { values: PbValue[]; close: IToken } => {
    const values: PbValue[] = [];
    this.CONSUME(LBracket);
    this.MANY_SEP({
      SEP: Comma,
      DEF: () => {
        values.push(
          this.OR((this.listItemAlts ??= [{ ALT: () => this.SUBRULE(this.message).value }, { ALT: () => this.SUBRULE(this.scalar).value }])),
        );
      },
    });
    const close = this.CONSUME(RBracket);
    return { values, close };
  });

  scalar = this.RULE('scalar', (): { value: PbValue; last: IToken } =>
    this.OR((this.scalarAlts ??= [{ ALT: () => this.SUBRULE(this.strings) }, { ALT: () => this.SUBRULE(this.signed) }])),
  );

  /** Adjacent strings are one value, as in C. */
  strings = this.RULE('strings', (): { value: PbValue; last: IToken } => {
    const parts: IToken[] = [];
    this.AT_LEAST_ONE(() => {
      parts.push(this.CONSUME(Str));
    });
    return this.ACTION(() => {
      const last = parts[parts.length - 1]!;
      return {
        value: { kind: 'string' as const, value: parts.map((p) => unescape(p.image.slice(1, -1))).join(''), span: this.span(parts[0]!, last) },
        last,
      };
    });
  });

  /** A number or a name (enum value, `true`, `inf`), with an optional `-` before it. */
  signed = this.RULE('signed', (): { value: PbValue; last: IToken } => {
    const minus = this.OPTION(() => this.CONSUME(Minus));
    const last = this.OR((this.signedAlts ??= [{ ALT: () => this.CONSUME(Num) }, { ALT: () => this.CONSUME(Ident) }]));
    return this.ACTION(() => {
      const sign = minus ? '-' : '';
      const span = this.span(minus ?? last, last);
      if (last.tokenType === Num) {
        const text = `${sign}${last.image}`;
        return { value: { kind: 'number' as const, value: numberValue(text), text, span }, last };
      }
      return { value: { kind: 'ident' as const, value: `${sign}${last.image}`, span }, last };
    });
  });
}

interface FieldValue {
  values: PbValue[];
  last: IToken;
  list: boolean;
}

let parser: PbParser | undefined;

/** Parse protobuf text. Never throws: a syntax error is returned with its position. */
export function parsePbtxt(text: string, file: string): PbParseResult {
  lexer ??= new Lexer(TOKENS, { positionTracking: 'full', ensureOptimizations: true });
  parser ??= new PbParser();
  const lexed = lexer.tokenize(text);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0]!;
    const ch = text.slice(e.offset, e.offset + 1);
    const message = ch === '"' || ch === "'" ? 'this string is never closed on its line' : `unexpected character ${JSON.stringify(ch)}`;
    return { ok: false, error: { message, span: pointSpan(file, e.offset, e.line ?? 1, e.column ?? 1) } };
  }
  const tooDeep = depthProblem(lexed.tokens, file);
  if (tooDeep) return { ok: false, error: tooDeep };
  parser.file = file;
  parser.input = lexed.tokens;
  const fields = parser.document();
  if (parser.errors.length > 0) return { ok: false, error: syntaxError(parser.errors[0]!, lexed.tokens, text, file) };
  return { ok: true, fields };
}

function depthProblem(tokens: IToken[], file: string): PbSyntaxError | undefined {
  let depth = 0;
  for (const t of tokens) {
    if (t.tokenType === LBrace || t.tokenType === LAngle || t.tokenType === LBracket) depth++;
    else if (t.tokenType === RBrace || t.tokenType === RAngle || t.tokenType === RBracket) depth--;
    if (depth > MAX_DEPTH) return { message: `messages nested more than ${MAX_DEPTH} deep`, span: tokenSpan(t, file) };
  }
  return undefined;
}

function syntaxError(e: IRecognitionException, tokens: IToken[], text: string, file: string): PbSyntaxError {
  const tok = e.token;
  const atEnd = tok.tokenType.name === 'EOF' || !Number.isFinite(tok.startOffset);
  // `document` stops at the first token that cannot start a field; chevrotain reports the rest as redundant.
  const expected = e.name === 'NotAllInputParsedException' ? 'a field name' : expectedOf(e.message);
  if (atEnd) {
    const last = tokens[tokens.length - 1];
    const span = last ? tokenSpan(last, file) : pointSpan(file, text.length, 1, 1);
    const unclosed = expected === "'}'" || expected === "']'" || expected === "'>'" ? ' (a message or list is not closed)' : '';
    return { message: `the file ends too early${expected ? `: expected ${expected}` : ''}${unclosed}`, span };
  }
  return { message: `unexpected ${describe(tok)}${expected ? `: expected ${expected}` : ''}`, span: tokenSpan(tok, file) };
}

/** chevrotain's messages name tokens as `--> Name <--`; keep only the names, in words. */
function expectedOf(message: string): string | undefined {
  const names = [...message.matchAll(/-->\s*(\w+)\s*<--/g)].map((m) => m[1]!).filter((n) => LABELS[n]);
  const unique = [...new Set(names.map((n) => LABELS[n]!))];
  if (unique.length > 0 && /Expecting token of type/.test(message)) return unique[0];
  const oneOf = /one of these possible Token sequences:([\s\S]*?)but found/.exec(message)?.[1];
  if (oneOf) {
    const firsts = [...oneOf.matchAll(/\[(\w+)/g)].map((m) => LABELS[m[1]!]).filter((x): x is string => !!x);
    const u = [...new Set(firsts)];
    if (u.includes('a string') && u.includes('a number')) return 'a value';
    if (u.length > 0) return u.length === 1 ? u[0] : `${u.slice(0, -1).join(', ')} or ${u[u.length - 1]}`;
  }
  return unique.length > 0 ? unique.join(' or ') : undefined;
}

function describe(t: IToken): string {
  if (t.tokenType === Ident || t.tokenType === Num) return `\`${t.image}\``;
  if (t.tokenType === Str) return `string ${t.image.length > 30 ? `${t.image.slice(0, 27)}...` : t.image}`;
  return LABELS[t.tokenType.name] ?? `\`${t.image}\``;
}

function tokenSpan(t: IToken, file: string): Span {
  return {
    file,
    start: t.startOffset,
    end: (t.endOffset ?? t.startOffset) + 1,
    line: t.startLine ?? 1,
    column: t.startColumn ?? 1,
    endLine: t.endLine ?? t.startLine ?? 1,
    endColumn: (t.endColumn ?? t.startColumn ?? 0) + 1,
  };
}

function pointSpan(file: string, offset: number, line: number, column: number): Span {
  return { file, start: offset, end: offset + 1, line, column, endLine: line, endColumn: column + 1 };
}

function numberValue(text: string): number {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  const v = /^0[xX]/.test(body) ? Number.parseInt(body.slice(2), 16) : Number(body.replace(/[fF]$/, ''));
  return neg ? -v : v;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** C-style escapes as protobuf's text format writes them: `\n`, `\"`, `\x41`, `\101`, `\u00e9`. */
export function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i] ?? '';
    if (n in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[n];
    else if (n === 'x' || n === 'X') {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1))?.[0] ?? '';
      out += String.fromCharCode(Number.parseInt(hex || '0', 16));
      i += hex.length;
    } else if (/[0-7]/.test(n)) {
      const oct = /^[0-7]{1,3}/.exec(s.slice(i))![0];
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += oct.length - 1;
    } else if (n === 'u') {
      const hex = /^[0-9a-fA-F]{4}/.exec(s.slice(i + 1))?.[0];
      if (hex) {
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else out += 'u';
    } else out += n;
  }
  return out;
}
