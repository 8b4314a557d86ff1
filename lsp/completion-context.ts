/**
 * Where a completion is asked for. Text being typed rarely parses, so this reads the tokens of the current
 * declaration up to the cursor (the same lexer as the compiler) and tracks open brackets, rather than the
 * AST: `node a = column(v1(x: s|` is an argument of `v1` even though nothing after it exists yet.
 */
import type { IToken, TokenType } from 'chevrotain';
import * as T from '../grammar/tokens.ts';

export type CompletionContext =
  | { kind: 'none' }
  /** Start of a declaration. */
  | { kind: 'declaration' }
  /** After `input NAME:`. */
  | { kind: 'dtype' }
  /** Inside the dims of an input type. */
  | { kind: 'dim' }
  /** After an input's type: `optional`, `from`, or the next declaration. */
  | { kind: 'after-type'; hasOptional: boolean }
  /** After `model NAME =`. */
  | { kind: 'loader' }
  /** A value: names in scope, ops, models. `owner` is the declaration being written. */
  | { kind: 'value'; owner: string | undefined }
  /** An argument of a call of `callee` (an op or a model); `given` are the argument names already written. */
  | { kind: 'argument'; callee: string; given: string[]; owner: string | undefined }
  /** The value of parameter `param` of a call of `callee`. */
  | { kind: 'param-value'; callee: string; param: string; owner: string | undefined }
  /** After `CALLEE(...).` */
  | { kind: 'output'; callee: string }
  /** Start of an item in the compare block that starts at `compareStart`. */
  | { kind: 'compare-item'; compareStart: number }
  | { kind: 'task' }
  /** Inside `metrics: [...]`; `given` are the metrics already listed. */
  | { kind: 'metric'; compareStart: number; given: string[] }
  /** After `gate`, or after `gate control.` / `gate treatment.` (`side`). */
  | { kind: 'gate-metric'; compareStart: number; side?: string }
  /** After `gate METRIC.` */
  | { kind: 'gate-field'; metric: string }
  | { kind: 'sink' };

interface Frame {
  open: TokenType;
  /** Index of the bracket token. */
  index: number;
  /** The name just before `(`. */
  callee?: string;
}

const DECL_STARTS = T.DECLARATION_TOKENS;
const NAMEISH = new Set<TokenType>([T.Identifier, T.QuotedName, ...T.PARAM_NAME_TOKENS]);

/**
 * `text` is the document, `declStart` the offset of the declaration the cursor is in (0 when unknown),
 * `offset` the cursor. The word the cursor is in (up to the cursor) is the prefix the editor filters by.
 */
export function completionContext(text: string, declStart: number, offset: number): CompletionContext {
  const lexed = T.m4Lexer.tokenize(text.slice(declStart, offset));
  // Inside a comment or an unterminated string: nothing to complete.
  const lastComment = lexed.groups.comments?.[lexed.groups.comments.length - 1];
  if (lastComment && (lastComment.endOffset ?? 0) + 1 >= offset - declStart && lastComment.tokenType === T.LineComment) return { kind: 'none' };
  if (lexed.errors.some((e) => text[declStart + e.offset] === '"' || text.startsWith('/*', declStart + e.offset))) return { kind: 'none' };

  let toks = lexed.tokens;
  // A declaration keyword later in the slice starts the declaration the cursor is really in.
  let startIdx = 0;
  for (let i = toks.length - 1; i > 0; i--) {
    if (DECL_STARTS.has(toks[i]!.tokenType)) {
      startIdx = i;
      break;
    }
  }
  toks = toks.slice(startIdx);
  // The word being typed is not context.
  const lastTok = toks[toks.length - 1];
  const typing =
    lastTok &&
    (lastTok.endOffset ?? -2) + 1 === offset - declStart &&
    (NAMEISH.has(lastTok.tokenType) || DECL_STARTS.has(lastTok.tokenType) || lastTok.tokenType === T.True || lastTok.tokenType === T.False);
  if (typing) toks = toks.slice(0, -1);
  const atLineStart = isLineStart(text, typing ? declStart + lastTok!.startOffset : offset);

  if (toks.length === 0) return { kind: 'declaration' };
  const first = toks[0]!.tokenType;
  if (!DECL_STARTS.has(first)) return atLineStart ? { kind: 'declaration' } : { kind: 'none' };

  const stack = frames(toks);
  const last = toks[toks.length - 1]!;
  const owner = toks[1] && NAMEISH.has(toks[1].tokenType) ? nameOf(toks[1]) : undefined;

  if (first === T.Input) {
    if (stack.length > 0) return stack[stack.length - 1]!.open === T.LBracket && !hasFrom(toks) ? { kind: 'dim' } : { kind: 'none' };
    if (last.tokenType === T.Colon && toks.length === 3) return { kind: 'dtype' };
    if (last.tokenType === T.RBracket || last.tokenType === T.Optional) {
      if (hasFrom(toks)) return atLineStart ? { kind: 'declaration' } : { kind: 'none' };
      return { kind: 'after-type', hasOptional: toks.some((t) => t.tokenType === T.Optional) };
    }
    if (last.tokenType === T.StringLiteral && atLineStart) return { kind: 'declaration' };
    return { kind: 'none' };
  }
  if (first === T.Model) {
    if (last.tokenType === T.Equals) return { kind: 'loader' };
    return last.tokenType === T.RParen && atLineStart ? { kind: 'declaration' } : { kind: 'none' };
  }
  if (first === T.Replay) return last.tokenType === T.StringLiteral && atLineStart ? { kind: 'declaration' } : { kind: 'none' };
  if (first === T.Node || first === T.Output) {
    if (toks.length < 3) return { kind: 'none' }; // naming the declaration
    return expressionContext(toks, stack, owner, atLineStart);
  }
  // compare
  const brace = stack.findIndex((f) => f.open === T.LBrace);
  if (brace === -1) return last.tokenType === T.RBrace && atLineStart ? { kind: 'declaration' } : { kind: 'none' };
  const compareStart = declStart + toks[0]!.startOffset;
  const inner = stack.slice(brace + 1);
  const item = currentItem(toks, stack[brace]!.index, atLineStart);
  if (!item) return { kind: 'compare-item', compareStart };
  const head = toks[item]!;
  if (head.tokenType === T.Gate) {
    const path = toks.slice(item + 1);
    if (path.length === 0) return { kind: 'gate-metric', compareStart };
    if (path.length === 2 && path[1]!.tokenType === T.Dot) {
      const word = path[0]!.image;
      if (word === 'control' || word === 'treatment') return { kind: 'gate-metric', compareStart, side: word };
      return { kind: 'gate-field', metric: word };
    }
    return { kind: 'none' };
  }
  if (head.tokenType === T.Sink) return toks.length === item + 1 ? { kind: 'sink' } : { kind: 'none' };
  // A field: `key: value`.
  const key = head.image;
  if (toks[item + 1]?.tokenType !== T.Colon) return { kind: 'none' };
  if (key === 'task') return toks.length === item + 2 ? { kind: 'task' } : { kind: 'none' };
  if (key === 'metrics') {
    const top = inner[inner.length - 1];
    if (top?.open === T.LBracket && (last.tokenType === T.LBracket || last.tokenType === T.Comma)) {
      const given = toks
        .slice(top.index + 1)
        .filter((t) => t.tokenType === T.Identifier)
        .map((t) => t.image);
      return { kind: 'metric', compareStart, given };
    }
    return { kind: 'none' };
  }
  if (key === 'control' || key === 'treatment' || key === 'label' || key === 'slice_by') {
    return expressionContext(
      toks.slice(item),
      inner.map((f) => ({ ...f, index: f.index - item })),
      undefined,
      false,
    );
  }
  return { kind: 'none' };
}

/** Context inside `node NAME = ...` or a compare value; `toks` start at the keyword or field key. */
function expressionContext(toks: IToken[], stack: Frame[], owner: string | undefined, atLineStart: boolean): CompletionContext {
  const last = toks[toks.length - 1]!;
  const top = stack[stack.length - 1];
  if (last.tokenType === T.Dot) {
    const before = toks[toks.length - 2];
    if (before?.tokenType === T.RParen) {
      const open = matchingOpen(toks, toks.length - 2);
      const callee = open > 0 ? toks[open - 1] : undefined;
      if (callee && NAMEISH.has(callee.tokenType)) return { kind: 'output', callee: nameOf(callee) };
    }
    return { kind: 'none' };
  }
  if (top?.open === T.LParen && top.callee !== undefined) {
    if (last.tokenType === T.LParen || last.tokenType === T.Comma) {
      const given: string[] = [];
      let depth = 0;
      for (let i = top.index + 1; i < toks.length; i++) {
        const t = toks[i]!.tokenType;
        if (t === T.LParen || t === T.LBracket) depth++;
        else if (t === T.RParen || t === T.RBracket) depth--;
        else if (depth === 0 && t === T.Colon && toks[i - 1] && NAMEISH.has(toks[i - 1]!.tokenType)) given.push(nameOf(toks[i - 1]!));
      }
      return { kind: 'argument', callee: top.callee, given, owner };
    }
    if (last.tokenType === T.Colon && toks.length >= 2 && NAMEISH.has(toks[toks.length - 2]!.tokenType) && toks.length - 2 > top.index) {
      return { kind: 'param-value', callee: top.callee, param: nameOf(toks[toks.length - 2]!), owner };
    }
    return { kind: 'none' };
  }
  if (top?.open === T.LBracket) {
    return last.tokenType === T.LBracket || last.tokenType === T.Comma ? { kind: 'value', owner } : { kind: 'none' };
  }
  if (stack.length === 0) {
    if (last.tokenType === T.Equals || last.tokenType === T.Colon) return { kind: 'value', owner };
    // A finished expression: the cursor on a new line starts the next declaration.
    if (atLineStart) return { kind: 'declaration' };
  }
  return { kind: 'none' };
}

function frames(toks: IToken[]): Frame[] {
  const stack: Frame[] = [];
  toks.forEach((t, i) => {
    const tt = t.tokenType;
    if (tt === T.LParen || tt === T.LBracket || tt === T.LBrace) {
      const prev = toks[i - 1];
      stack.push({ open: tt, index: i, ...(tt === T.LParen && prev && NAMEISH.has(prev.tokenType) ? { callee: nameOf(prev) } : {}) });
    } else if (tt === T.RParen || tt === T.RBracket || tt === T.RBrace) {
      const want = tt === T.RParen ? T.LParen : tt === T.RBracket ? T.LBracket : T.LBrace;
      // Tolerate unbalanced text: pop up to the matching opener if there is one.
      const k = stack.map((f) => f.open).lastIndexOf(want);
      if (k !== -1) stack.length = k;
    }
  });
  return stack;
}

function matchingOpen(toks: IToken[], closeIdx: number): number {
  let depth = 0;
  for (let i = closeIdx; i >= 0; i--) {
    const t = toks[i]!.tokenType;
    if (t === T.RParen) depth++;
    else if (t === T.LParen && --depth === 0) return i;
  }
  return -1;
}

/**
 * The index of the token starting the compare item the cursor is in, or undefined at the start of a new
 * item. Items start with `gate`, `sink` or `key:` at the block's own depth, after `{`, `,`, `;` or a newline.
 */
function currentItem(toks: IToken[], braceIdx: number, atLineStart: boolean): number | undefined {
  const last = toks[toks.length - 1]!;
  if (toks.length - 1 === braceIdx || last.tokenType === T.Comma || last.tokenType === T.Semicolon) {
    // A comma inside a list or call is not an item separator.
    if (last.tokenType !== T.Comma || depthAfter(toks, braceIdx) === 0) return undefined;
  }
  if (atLineStart && depthAfter(toks, braceIdx) === 0 && last.tokenType !== T.Colon && last.tokenType !== T.Dot) return undefined;
  let depth = 0;
  for (let i = toks.length - 1; i > braceIdx; i--) {
    const t = toks[i]!.tokenType;
    if (t === T.RParen || t === T.RBracket) depth++;
    // An opener never closed is one the cursor is inside: the item is outside it.
    else if ((t === T.LParen || t === T.LBracket) && depth > 0) depth--;
    if (depth !== 0) continue;
    if (t === T.Gate || t === T.Sink) return i;
    if (t === T.Identifier && toks[i + 1]?.tokenType === T.Colon && (i === braceIdx + 1 || isItemBoundary(toks[i - 1]!, toks[i]!))) return i;
  }
  return undefined;
}

function isItemBoundary(prev: IToken, cur: IToken): boolean {
  return prev.tokenType === T.LBrace || prev.tokenType === T.Comma || prev.tokenType === T.Semicolon || (prev.endLine ?? 0) < (cur.startLine ?? 0);
}

function depthAfter(toks: IToken[], braceIdx: number): number {
  let depth = 0;
  for (let i = braceIdx + 1; i < toks.length; i++) {
    const t = toks[i]!.tokenType;
    if (t === T.LParen || t === T.LBracket) depth++;
    else if (t === T.RParen || t === T.RBracket) depth = Math.max(0, depth - 1);
  }
  return depth;
}

function hasFrom(toks: IToken[]): boolean {
  return toks.some((t) => t.tokenType === T.From);
}

function nameOf(t: IToken): string {
  return t.tokenType === T.QuotedName ? t.image.slice(1, -1) : t.image;
}

function isLineStart(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
