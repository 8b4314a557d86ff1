/**
 * The fast path of parsing one declaration: a recursive descent over the same grammar as parser.ts that
 * builds the AST directly, and gives up (returns `undefined`) at the first token the grammar does not allow.
 *
 * Why: almost every declaration of a real file (and every one of a file being typed, but one) is free of
 * syntax errors, and for those the chevrotain parse built a concrete syntax tree only for cst-to-ast.ts to
 * read it once and drop it: on a 4 MB file that was two thirds of parsing time, plus the garbage. Error
 * recovery and the error messages are chevrotain's (parse.ts falls back to it for any declaration this
 * gives up on), so diagnostics are unchanged by construction.
 *
 * Invariant (tested on generated declarations and mutations of them, test/grammar/direct-parse.test.ts):
 * when this returns a declaration, chevrotain parses the same tokens without any error, and cst-to-ast.ts
 * builds from its tree a declaration equal to this one, spans and property order included (equal, not the
 * same objects: a one-token argument shares its value's span here, as a reference shares its name's). The choices
 * below are the grammar's own lookahead (one token, two after a name that may be followed by `:`).
 */
import type { IToken, TokenType } from 'chevrotain';
import type * as A from './ast.ts';
import type { AstBuilder } from './cst-to-ast.ts';
import * as T from './tokens.ts';

/** Thrown (never an Error: no stack trace is captured) to give up on a declaration. */
const GIVE_UP = Symbol('give up');

const DIM_STARTS: ReadonlySet<TokenType> = new Set([T.NumberLiteral, T.Identifier, T.Question]);
const EXPR_STARTS: ReadonlySet<TokenType> = new Set([T.Identifier, T.QuotedName, T.NumberLiteral, T.StringLiteral, T.True, T.False, T.LBracket]);
const PARAM_NAMES: ReadonlySet<TokenType> = new Set([T.Identifier, T.QuotedName, ...T.PARAM_NAME_TOKENS]);
const ARG_STARTS: ReadonlySet<TokenType> = new Set([...EXPR_STARTS, ...PARAM_NAMES]);
const COMPARATORS: ReadonlySet<TokenType> = new Set([T.GreaterEq, T.LessEq, T.Greater, T.Less]);

/**
 * The declaration that `tokens[start]` .. `tokens[end - 1]` hold (all of them, as parse.ts cuts them), or
 * `undefined` when they are not an error-free declaration: the caller then parses them with chevrotain,
 * which reports why.
 */
export function parseDeclarationDirectly(tokens: readonly IToken[], start: number, end: number, builder: AstBuilder): A.Decl | undefined {
  const p = new DirectParser(tokens, start, end, builder);
  try {
    const decl = p.declaration();
    return p.atEnd() ? decl : undefined;
  } catch (err) {
    // Out of stack (a caller already deep in its own): chevrotain's parse reports it as too deep.
    if (err === GIVE_UP || err instanceof RangeError) return undefined;
    throw err;
  }
}

class DirectParser {
  private i: number;
  /** The declaration's tokens, and nothing past them (`toks[end]` reads as the end of input). */
  private readonly toks: readonly IToken[];

  constructor(
    tokens: readonly IToken[],
    private readonly start: number,
    private readonly end: number,
    private readonly b: AstBuilder,
  ) {
    this.i = start;
    this.toks = tokens;
  }

  atEnd(): boolean {
    return this.i === this.end;
  }

  /** The token at `i`, or undefined past the declaration's end. */
  private at(i: number): IToken | undefined {
    return i < this.end ? this.toks[i] : undefined;
  }

  /** The type of the token `k` ahead (0: the next one). */
  private la(k = 0): TokenType | undefined {
    return this.at(this.i + k)?.tokenType;
  }

  private take(type: TokenType): IToken {
    const t = this.at(this.i);
    if (t === undefined || t.tokenType !== type) throw GIVE_UP;
    this.i++;
    return t;
  }

  private last(): IToken {
    return this.toks[this.i - 1]!;
  }

  declaration(): A.Decl {
    const first = this.at(this.start);
    const end = this.at(this.end - 1);
    if (!first || !end) throw GIVE_UP;
    const span = this.b.between(first, end);
    switch (first.tokenType) {
      case T.Input:
        return this.inputDecl(span);
      case T.Model:
        return this.modelDecl(span);
      case T.Node:
        return this.nodeOrOutput(T.Node, 'node', span);
      case T.Output:
        return this.nodeOrOutput(T.Output, 'output', span);
      case T.Compare:
        return this.compareDecl(span);
      case T.Replay: {
        this.i++;
        const path = this.b.stringLit(this.take(T.StringLiteral));
        return { kind: 'replay', path, span };
      }
      default:
        throw GIVE_UP;
    }
  }

  private name(): A.Name {
    const t = this.at(this.i);
    if (t?.tokenType === T.Identifier) {
      this.i++;
      return { text: t.image, quoted: false, span: this.b.tokenSpan(t) };
    }
    if (t?.tokenType === T.QuotedName) {
      this.i++;
      return { text: t.image.slice(1, -1), quoted: true, span: this.b.tokenSpan(t) };
    }
    throw GIVE_UP;
  }

  /** An identifier read as a name (a loader, a compare field's key, a gate's path). */
  private plainName(t: IToken): A.Name {
    return { text: t.image, quoted: false, span: this.b.tokenSpan(t) };
  }

  private inputDecl(span: A.Span): A.InputDecl {
    this.i++;
    const name = this.name();
    this.take(T.Colon);
    const type = this.typeExpr();
    let optional = false;
    if (this.la() === T.Optional) {
      this.i++;
      optional = true;
    }
    const from = this.la() === T.From ? this.fromSpec() : undefined;
    return { kind: 'input', name, type, optional, from, span };
  }

  private typeExpr(): A.TypeExpr {
    const id = this.take(T.Identifier);
    this.take(T.LBracket);
    const dims: A.DimExpr[] = [];
    if (DIM_STARTS.has(this.la()!)) {
      dims.push(this.dim());
      while (this.la() === T.Comma) {
        this.i++;
        dims.push(this.dim());
      }
    }
    const close = this.take(T.RBracket);
    return { dtype: this.plainName(id), dims: exact(dims), span: this.b.between(id, close) };
  }

  private dim(): A.DimExpr {
    const t = this.at(this.i);
    const type = t?.tokenType;
    if (type === T.NumberLiteral) {
      this.i++;
      return { kind: 'fixed', value: Number(t!.image), text: t!.image, span: this.b.tokenSpan(t!) };
    }
    if (type === T.Identifier) {
      this.i++;
      return { kind: 'symbol', name: t!.image, span: this.b.tokenSpan(t!) };
    }
    if (type === T.Question) {
      this.i++;
      return { kind: 'unknown', span: this.b.tokenSpan(t!) };
    }
    throw GIVE_UP;
  }

  private fromSpec(): A.InputSource {
    const from = this.take(T.From);
    if (this.la() === T.StringLiteral) {
      const s = this.take(T.StringLiteral);
      return { kind: 'field', path: this.b.stringLit(s), span: this.b.between(from, s) };
    }
    this.take(T.LBracket);
    const items: A.StringLit[] = [];
    if (this.la() === T.StringLiteral) {
      items.push(this.b.stringLit(this.take(T.StringLiteral)));
      while (this.la() === T.Comma) {
        this.i++;
        items.push(this.b.stringLit(this.take(T.StringLiteral)));
      }
    }
    const close = this.take(T.RBracket);
    return { kind: 'columns', items: exact(items), span: this.b.between(from, close) };
  }

  private modelDecl(span: A.Span): A.ModelDecl {
    this.i++;
    const name = this.name();
    this.take(T.Equals);
    const loader = this.plainName(this.take(T.Identifier));
    this.take(T.LParen);
    let path: A.StringLit | undefined;
    const options: A.ModelOption[] = [];
    const arg = () => {
      const t = this.at(this.i);
      if (t?.tokenType === T.StringLiteral) {
        this.i++;
        // As cst-to-ast.ts: the first positional string is the path, later ones are ignored.
        if (!path) path = this.b.stringLit(t);
      } else if (t?.tokenType === T.Identifier && this.la(1) === T.Colon) {
        options.push(this.modelOption());
      } else throw GIVE_UP;
    };
    if (this.la() === T.StringLiteral || this.la() === T.Identifier) {
      arg();
      while (this.la() === T.Comma) {
        this.i++;
        arg();
      }
    }
    this.take(T.RParen);
    return { kind: 'model', name, loader, path, options: exact(options), span };
  }

  /** `key: "text"` or `key: {name: TYPE, ...}`. */
  private modelOption(): A.ModelOption {
    const keyTok = this.take(T.Identifier);
    const key = this.plainName(keyTok);
    this.take(T.Colon);
    if (this.la() === T.StringLiteral) {
      const s = this.take(T.StringLiteral);
      return { key, text: this.b.stringLit(s), fields: undefined, span: this.b.between(keyTok, s) };
    }
    this.take(T.LBrace);
    const fields: A.SignatureField[] = [];
    const field = () => {
      const first = this.at(this.i)!;
      const name = this.name();
      this.take(T.Colon);
      const type = this.typeExpr();
      fields.push({ name, type, span: this.b.between(first, this.last()) });
    };
    if (this.la() === T.Identifier || this.la() === T.QuotedName) {
      field();
      while (this.la() === T.Comma) {
        this.i++;
        field();
      }
    }
    const close = this.take(T.RBrace);
    return { key, text: undefined, fields: exact(fields), span: this.b.between(keyTok, close) };
  }

  private nodeOrOutput(keyword: TokenType, kind: 'node' | 'output', span: A.Span): A.NodeDecl | A.OutputDecl {
    this.take(keyword);
    const name = this.name();
    this.take(T.Equals);
    const expr = this.expr();
    return { kind, name, expr, span };
  }

  private expr(): A.Expr {
    let e = this.primary();
    while (this.la() === T.Dot) {
      this.i++;
      const member = this.name();
      e = { kind: 'member', object: e, member, span: this.b.join(e.span, member.span) };
    }
    return e;
  }

  private primary(): A.Expr {
    const t = this.at(this.i);
    switch (t?.tokenType) {
      case T.Identifier:
      case T.QuotedName:
        return this.callOrRef();
      case T.NumberLiteral:
        this.i++;
        return this.b.numberLit(t);
      case T.StringLiteral:
        this.i++;
        return this.b.stringLit(t);
      case T.True:
      case T.False:
        this.i++;
        return { kind: 'bool', value: t.tokenType === T.True, span: this.b.tokenSpan(t) };
      case T.LBracket: {
        this.i++;
        const items: A.Expr[] = [];
        if (EXPR_STARTS.has(this.la()!)) {
          items.push(this.expr());
          while (this.la() === T.Comma) {
            this.i++;
            items.push(this.expr());
          }
        }
        const close = this.take(T.RBracket);
        return { kind: 'list', items: exact(items), span: this.b.between(t, close) };
      }
      default:
        throw GIVE_UP;
    }
  }

  private callOrRef(): A.Expr {
    const first = this.at(this.i)!;
    const name = this.name();
    if (this.la() !== T.LParen) return { kind: 'ref', name, span: name.span };
    this.i++;
    const args = this.args();
    const close = this.take(T.RParen);
    return { kind: 'call', callee: name, args, span: this.b.between(first, close) };
  }

  /** The arguments between `(` and `)` (neither consumed here). */
  private args(): A.Arg[] {
    const args: A.Arg[] = [];
    if (ARG_STARTS.has(this.la()!)) {
      args.push(this.arg());
      while (this.la() === T.Comma) {
        this.i++;
        args.push(this.arg());
      }
    }
    return exact(args);
  }

  private arg(): A.Arg {
    const first = this.at(this.i);
    if (!first) throw GIVE_UP;
    let name: A.Name | undefined;
    if (PARAM_NAMES.has(first.tokenType) && this.la(1) === T.Colon) {
      this.i += 2;
      name =
        first.tokenType === T.QuotedName
          ? { text: first.image.slice(1, -1), quoted: true, span: this.b.tokenSpan(first) }
          : { text: first.image, quoted: false, span: this.b.tokenSpan(first) };
    }
    const value = this.expr();
    // A one-token argument (`tx`) spans what its value spans: one span object for both (50,000 fewer in a 4 MB file).
    const last = this.last();
    return { name, value, span: first === last ? value.span : this.b.between(first, last) };
  }

  private compareDecl(span: A.Span): A.CompareDecl {
    this.i++;
    const name = this.name();
    this.take(T.LBrace);
    const decl: A.CompareDecl = { kind: 'compare', name, fields: [], gates: [], sinks: [], span };
    for (;;) {
      const t = this.at(this.i);
      const type = t?.tokenType;
      if (type === T.Gate) decl.gates.push(this.gateItem());
      else if (type === T.Sink) {
        this.i++;
        const kind = this.plainName(this.take(T.Identifier));
        this.take(T.LParen);
        const args = this.args();
        const close = this.take(T.RParen);
        decl.sinks.push({ kind, args, span: this.b.between(t!, close) });
      } else if (type === T.Identifier) {
        this.i++;
        this.take(T.Colon);
        const value = this.expr();
        decl.fields.push({ key: this.plainName(t!), value, span: this.b.between(t!, this.last()) });
      } else break;
      if (this.la() === T.Comma || this.la() === T.Semicolon) this.i++;
    }
    this.take(T.RBrace);
    decl.fields = exact(decl.fields);
    decl.gates = exact(decl.gates);
    decl.sinks = exact(decl.sinks);
    return decl;
  }

  private gateItem(): A.GateDecl {
    const first = this.take(T.Gate);
    const path = [this.plainName(this.take(T.Identifier))];
    while (this.la() === T.Dot) {
      this.i++;
      path.push(this.plainName(this.take(T.Identifier)));
    }
    const opTok = this.at(this.i);
    if (!opTok || !COMPARATORS.has(opTok.tokenType)) throw GIVE_UP;
    this.i++;
    const bound = this.b.numberLit(this.take(T.NumberLiteral));
    let at: A.NumberLit | undefined;
    if (this.la() === T.At) {
      this.i++;
      at = this.b.numberLit(this.take(T.NumberLiteral));
      this.take(T.Percent);
    }
    const text = `${path.map((p) => p.text).join('.')} ${opTok.image} ${bound.text}${at ? ` at ${at.text}%` : ''}`;
    return { path: exact(path), op: opTok.image as A.Comparator, bound, at, text, span: this.b.between(first, this.last()) };
  }
}

/**
 * `a` without the spare room pushing left (an array grown by push from empty keeps 16 slots or more): the AST
 * lives as long as the compilation, and a 4 MB file has 50,000 argument lists.
 */
function exact<T>(a: T[]): T[] {
  return a.length === 0 ? a : a.slice();
}
