/**
 * The tokens of the `.m4` language.
 *
 * Keywords are few on purpose: field names inside a compare block (`control`, `task`, `metrics`, ...)
 * and dtype names (`f32`) are plain identifiers, checked by the compiler, so users may also use them as
 * names. Comments are kept in their own group (not skipped) so the formatter can put them back.
 */
import { createToken, createTokenInstance, EOF, Lexer, type TokenType } from 'chevrotain';
import { DECLARATION_KEYWORDS, IDENTIFIER_PATTERN, KEYWORDS, PARAM_NAME_KEYWORDS, type Keyword } from './language.ts';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[^*]*\*+(?:[^/*][^*]*\*+)*\//,
  group: 'comments',
  line_breaks: true,
});

export const Identifier = createToken({ name: 'Identifier', pattern: IDENTIFIER_PATTERN });

function keyword(word: string): TokenType {
  return createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier });
}

/** One token type per keyword of language.ts. */
const KEYWORD_TOKENS = Object.fromEntries(KEYWORDS.map((w) => [w, keyword(w)])) as Record<Keyword, TokenType>;

export const Input = KEYWORD_TOKENS.input;
export const Model = KEYWORD_TOKENS.model;
export const Node = KEYWORD_TOKENS.node;
export const Compare = KEYWORD_TOKENS.compare;
export const Output = KEYWORD_TOKENS.output;
export const Optional = KEYWORD_TOKENS.optional;
export const From = KEYWORD_TOKENS.from;
export const Gate = KEYWORD_TOKENS.gate;
export const At = KEYWORD_TOKENS.at;
export const Sink = KEYWORD_TOKENS.sink;
export const Replay = KEYWORD_TOKENS.replay;
export const True = KEYWORD_TOKENS.true;
export const False = KEYWORD_TOKENS.false;

/** The tokens that start a declaration (and only ever do). */
export const DECLARATION_TOKENS: ReadonlySet<TokenType> = new Set(DECLARATION_KEYWORDS.map((w) => KEYWORD_TOKENS[w]));
/** Keyword tokens that may also be a parameter name. */
export const PARAM_NAME_TOKENS: readonly TokenType[] = PARAM_NAME_KEYWORDS.map((w) => KEYWORD_TOKENS[w]);

/** `` `onnx::Flatten_0` ``: a name that is not an identifier, as ONNX models often have. */
export const QuotedName = createToken({ name: 'QuotedName', pattern: /`[^`\n\r]*`/ });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n\r]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/ });
/** Numbers carry their sign: the language has no arithmetic, so `-0.005` is always one literal. */
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/ });

export const GreaterEq = createToken({ name: 'GreaterEq', pattern: />=/ });
export const LessEq = createToken({ name: 'LessEq', pattern: /<=/ });
export const Greater = createToken({ name: 'Greater', pattern: />/ });
export const Less = createToken({ name: 'Less', pattern: /</ });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /}/ });
export const Question = createToken({ name: 'Question', pattern: /\?/ });
export const Percent = createToken({ name: 'Percent', pattern: /%/ });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/ });

/** Order matters: comments before anything starting with `/`, keywords before Identifier, `>=` before `>`. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  ...Object.values(KEYWORD_TOKENS),
  Identifier,
  QuotedName,
  StringLiteral,
  NumberLiteral,
  GreaterEq,
  LessEq,
  Greater,
  Less,
  Equals,
  Colon,
  Comma,
  Dot,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Question,
  Percent,
  Semicolon,
];

export { KEYWORDS };

/** Defined as `true` by the CLI's esbuild bundle only (scripts/build-cli.mjs, `define`); undeclared elsewhere. */
declare const __M4_BUNDLED__: boolean | undefined;

/**
 * True when this code runs from the CLI's esbuild bundle. Chevrotain's validations of the token set and the
 * grammar (~50 ms at every start of the CLI) depend only on this folder's code: the sources (tests, tsx) run
 * them, the bundle built from the same sources skips them.
 */
export const SKIP_GRAMMAR_VALIDATIONS = typeof __M4_BUNDLED__ !== 'undefined' && __M4_BUNDLED__ === true;

/** Built once per process and reused: building a lexer validates every pattern, which is not free. */
export const m4Lexer = new Lexer(ALL_TOKENS, { positionTracking: 'full', ensureOptimizations: false, skipValidations: SKIP_GRAMMAR_VALIDATIONS });

// Memory, not behaviour: chevrotain makes its end-of-file token with NaN positions, which leads V8 to keep the
// position fields of every token (all tokens share one object shape) as boxed doubles: six extra heap objects
// per token. One throwaway token with non-number positions turns those fields into ordinary tagged fields,
// where integer positions are stored inline (measured: 213 → 117 bytes per token retained after lexing).
{
  const notANumber = undefined as unknown as number;
  createTokenInstance(EOF, '', notANumber, notANumber, notANumber, notANumber, notANumber, notANumber);
}
