/**
 * The chevrotain grammar of one `.m4` declaration.
 *
 * The file-level loop lives in `parse.ts`: it cuts the token stream at declaration keywords and parses
 * each declaration on its own, so a syntax error in one declaration never hides the rest of the file.
 * Inside a declaration chevrotain's own recovery (token insertion/deletion, re-sync) keeps partial trees.
 * The parser is built once and reused (`parser.input = tokens`).
 */
import {
  CstParser,
  type CstNode,
  type DSLMethodOpts,
  type IOrAlt,
  type IParserErrorMessageProvider,
  type IToken,
  type ManySepMethodOpts,
  type TokenType,
} from 'chevrotain';
import * as T from './tokens.ts';

/**
 * Chevrotain's error messages, as data: each message is the JSON of the token names the parser expected
 * (`{"expected":["Colon"]}`), which parse.ts reads back. Its English messages are for people and change
 * between versions; what was expected is the parser's knowledge, so it is taken from the parser here.
 */
export const expectedTokensProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => expectedMessage([expected]),
  buildNotAllInputParsedMessage: () => expectedMessage([]),
  buildNoViableAltMessage: ({ expectedPathsPerAlt }) => expectedMessage(expectedPathsPerAlt.flatMap((paths) => paths.map((p) => p[0]))),
  buildEarlyExitMessage: ({ expectedIterationPaths }) => expectedMessage(expectedIterationPaths.map((p) => p[0])),
};

let messagesBuilt = 0;

/**
 * How many error messages the parser has built so far. Every error it records builds one first, so when
 * this did not move during a parse there are no errors to read: reading `errors` copies them (a deep clone,
 * even of none), which was a measurable cost on a file of 180,000 clean declarations.
 */
export function errorMessagesBuilt(): number {
  return messagesBuilt;
}

function expectedMessage(tokens: (TokenType | undefined)[]): string {
  messagesBuilt++;
  const names: string[] = [];
  for (const t of tokens) if (t && !names.includes(t.name)) names.push(t.name);
  return JSON.stringify({ expected: names });
}

/** The token names a parse error of {@link m4Parser} expected (see {@link expectedTokensProvider}). */
export function expectedTokenNames(message: string): string[] {
  try {
    const parsed = JSON.parse(message) as { expected?: unknown };
    return Array.isArray(parsed.expected) ? parsed.expected.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export class M4Parser extends CstParser {
  // Alternatives and option objects are built on a rule's first run and reused (chevrotain's "caching arrays
  // of alternatives"): a fresh literal per call allocated several closures for every parsed rule, and under
  // tsx (esbuild keepNames) each closure also got a `name` defined on it, which dominated parsing time.
  private declarationAlts?: IOrAlt<unknown>[];
  private nameAlts?: IOrAlt<unknown>[];
  private dimAlts?: IOrAlt<unknown>[];
  private fromSpecAlts?: IOrAlt<unknown>[];
  private primaryAlts?: IOrAlt<unknown>[];
  private paramNameAlts?: IOrAlt<unknown>[];
  private separatorAlts?: IOrAlt<unknown>[];
  private compareItemAlts?: IOrAlt<unknown>[];
  private comparatorAlts?: IOrAlt<unknown>[];
  private dimSep?: ManySepMethodOpts<unknown>;
  private stringSep?: ManySepMethodOpts<unknown>;
  private argSep?: ManySepMethodOpts<unknown>;
  private exprSep?: ManySepMethodOpts<unknown>;
  private sinkArgSep?: ManySepMethodOpts<unknown>;
  private namedArgOption?: DSLMethodOpts<unknown>;
  private modelArgSep?: ManySepMethodOpts<unknown>;
  private sigFieldSep?: ManySepMethodOpts<unknown>;
  private modelArgAlts?: IOrAlt<unknown>[];
  private modelArgValueAlts?: IOrAlt<unknown>[];

  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 3,
      errorMessageProvider: expectedTokensProvider,
      skipValidations: T.SKIP_GRAMMAR_VALIDATIONS,
    });
    this.performSelfAnalysis();
  }

  declaration = this.RULE('declaration', () => {
    this.OR(
      (this.declarationAlts ??= [
        { ALT: () => this.SUBRULE(this.inputDecl) },
        { ALT: () => this.SUBRULE(this.modelDecl) },
        { ALT: () => this.SUBRULE(this.nodeDecl) },
        { ALT: () => this.SUBRULE(this.compareDecl) },
        { ALT: () => this.SUBRULE(this.outputDecl) },
        { ALT: () => this.SUBRULE(this.replayDecl) },
      ]),
    );
  });

  name = this.RULE('name', () => {
    this.OR((this.nameAlts ??= [{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.QuotedName) }]));
  });

  inputDecl = this.RULE('inputDecl', () => {
    this.CONSUME(T.Input);
    this.SUBRULE(this.name);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.OPTION(() => this.CONSUME(T.Optional));
    this.OPTION2(() => this.SUBRULE(this.fromSpec));
  });

  typeExpr = this.RULE('typeExpr', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LBracket);
    this.MANY_SEP((this.dimSep ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.dim) }));
    this.CONSUME(T.RBracket);
  });

  dim = this.RULE('dim', () => {
    this.OR(
      (this.dimAlts ??= [
        { ALT: () => this.CONSUME(T.NumberLiteral) },
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.Question) },
      ]),
    );
  });

  fromSpec = this.RULE('fromSpec', () => {
    this.CONSUME(T.From);
    this.OR(
      (this.fromSpecAlts ??= [
        { ALT: () => this.CONSUME(T.StringLiteral) },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.MANY_SEP((this.stringSep ??= { SEP: T.Comma, DEF: () => this.CONSUME2(T.StringLiteral) }));
            this.CONSUME(T.RBracket);
          },
        },
      ]),
    );
  });

  /**
   * `model m = onnx("path")`, or a model known only by its signature:
   * `model m = external(backend: "python", inputs: {text: str[batch]}, outputs: {ids: i64[batch, 16]})`.
   */
  modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(T.Model);
    this.SUBRULE(this.name);
    this.CONSUME(T.Equals);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP((this.modelArgSep ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.modelArg) }));
    this.CONSUME(T.RParen);
  });

  /** A loader argument: the path string, `key: "text"` or `key: {name: TYPE, ...}` (a signature section). */
  modelArg = this.RULE('modelArg', () => {
    this.OR(
      (this.modelArgAlts ??= [
        { ALT: () => this.CONSUME(T.StringLiteral) },
        {
          // Only `name:` starts a keyed argument, so `onnx(models/a.onnx)` still reads "expected a string".
          GATE: () => this.LA(2).tokenType === T.Colon,
          ALT: () => {
            this.CONSUME(T.Identifier);
            this.CONSUME(T.Colon);
            this.OR2(
              (this.modelArgValueAlts ??= [
                { ALT: () => this.CONSUME2(T.StringLiteral) },
                {
                  ALT: () => {
                    this.CONSUME(T.LBrace);
                    this.MANY_SEP2((this.sigFieldSep ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.sigField) }));
                    this.CONSUME(T.RBrace);
                  },
                },
              ]),
            );
          },
        },
      ]),
    );
  });

  /** One tensor of an external model's signature: `ids: i64[batch, 16]`. */
  sigField = this.RULE('sigField', () => {
    this.SUBRULE(this.name);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
  });

  nodeDecl = this.RULE('nodeDecl', () => {
    this.CONSUME(T.Node);
    this.SUBRULE(this.name);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  replayDecl = this.RULE('replayDecl', () => {
    this.CONSUME(T.Replay);
    this.CONSUME(T.StringLiteral);
  });

  outputDecl = this.RULE('outputDecl', () => {
    this.CONSUME(T.Output);
    this.SUBRULE(this.name);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  expr = this.RULE('expr', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.SUBRULE(this.name);
    });
  });

  primary = this.RULE('primary', () => {
    this.OR(
      (this.primaryAlts ??= [
        { ALT: () => this.SUBRULE(this.callOrRef) },
        { ALT: () => this.CONSUME(T.NumberLiteral) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.SUBRULE(this.list) },
      ]),
    );
  });

  callOrRef = this.RULE('callOrRef', () => {
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP((this.argSep ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.arg) }));
      this.CONSUME(T.RParen);
    });
  });

  /** A parameter name may be a keyword that cannot start a declaration: `threshold(p, at: 0.7)`. */
  paramName = this.RULE('paramName', () => {
    this.OR(
      (this.paramNameAlts ??= [
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.QuotedName) },
        ...T.PARAM_NAME_TOKENS.map((t) => ({ ALT: () => this.CONSUME(t) })),
      ]),
    );
  });

  arg = this.RULE('arg', () => {
    this.OPTION(
      (this.namedArgOption ??= {
        GATE: () => this.LA(2).tokenType === T.Colon,
        DEF: () => {
          this.SUBRULE(this.paramName);
          this.CONSUME(T.Colon);
        },
      }),
    );
    this.SUBRULE(this.expr);
  });

  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP((this.exprSep ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.expr) }));
    this.CONSUME(T.RBracket);
  });

  compareDecl = this.RULE('compareDecl', () => {
    this.CONSUME(T.Compare);
    this.SUBRULE(this.name);
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.compareItem);
      this.OPTION(() => this.OR2((this.separatorAlts ??= [{ ALT: () => this.CONSUME(T.Comma) }, { ALT: () => this.CONSUME(T.Semicolon) }])));
    });
    this.CONSUME(T.RBrace);
  });

  compareItem = this.RULE('compareItem', () => {
    this.OR(
      (this.compareItemAlts ??= [
        { ALT: () => this.SUBRULE(this.gateItem) },
        { ALT: () => this.SUBRULE(this.sinkItem) },
        { ALT: () => this.SUBRULE(this.fieldItem) },
      ]),
    );
  });

  fieldItem = this.RULE('fieldItem', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expr);
  });

  gateItem = this.RULE('gateItem', () => {
    this.CONSUME(T.Gate);
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier);
    });
    this.OR(
      (this.comparatorAlts ??= [
        { ALT: () => this.CONSUME(T.GreaterEq) },
        { ALT: () => this.CONSUME(T.LessEq) },
        { ALT: () => this.CONSUME(T.Greater) },
        { ALT: () => this.CONSUME(T.Less) },
      ]),
    );
    this.CONSUME(T.NumberLiteral);
    this.OPTION(() => {
      this.CONSUME(T.At);
      this.CONSUME2(T.NumberLiteral);
      this.CONSUME(T.Percent);
    });
  });

  sinkItem = this.RULE('sinkItem', () => {
    this.CONSUME(T.Sink);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP((this.sinkArgSep ??= { SEP: T.Comma, DEF: () => this.SUBRULE(this.arg) }));
    this.CONSUME(T.RParen);
  });
}

/** The one parser instance of the process. */
export const m4Parser = new M4Parser();

export type { CstNode, IToken };
