/**
 * Where the declarations of a text start (the offsets of its declaration-keyword tokens), kept up to date
 * across edits by lexing only around what changed: the incremental parser's first step, so that an edit
 * costs lexing in proportion to the edit, not to the file.
 *
 * Why a window is enough: the lexer is a loop of pattern matches, so from a token start its tokens depend
 * only on the text that follows. A declaration start well before the edit (with nothing but unchanged text
 * between it and the edit, and no lexer error before it) is a token start in the new text too; lexing from
 * it, as soon as the new tokens have a token start at an old declaration start well after the edit, the
 * rest of the text lexes as before, shifted. A lexer error can hide a pattern that reads arbitrarily far
 * (an unclosed `/*`), so a text with errors, or a window with one, is lexed to its end.
 *
 * Invariant (tested against a whole-text lex after random edits): `find(text)` returns the starts a lex of
 * the whole text finds, with their lines and columns.
 */
import type { IToken } from 'chevrotain';
import * as T from './tokens.ts';

/** A declaration start: its offset and the 0-based line and column of its first character. */
export interface Place {
  offset: number;
  line: number;
  column: number;
}

/** Unchanged characters kept between an old start and the edit: longer than a keyword plus its lookahead. */
const MARGIN = 16;

export class DeclarationStarts {
  private text: string | undefined;
  private starts: Place[] = [];
  /** Whether the last text lexed without errors (only then can a window be trusted). */
  private clean = false;
  /** Characters the last call lexed (for tests and benchmarks). */
  lexed = 0;
  /** What the last call's text has in common with the text before it (`undefined`: the first call). */
  ends: { prefix: number; suffix: number } | undefined;
  /**
   * How many of the last call's first and last starts are the call before's objects, unchanged (the
   * incremental parser keeps the chunks between them as they are, without visiting them).
   */
  sameHead = 0;
  sameTail = 0;

  find(text: string): Place[] {
    const prev = this.text;
    this.sameHead = 0;
    this.sameTail = 0;
    if (prev === text) {
      this.lexed = 0;
      this.ends = { prefix: text.length, suffix: 0 };
      return this.starts;
    }
    this.ends = prev === undefined ? undefined : commonEnds(prev, text);
    if (prev === undefined || !this.clean) return this.remember(text, [], ORIGIN, text.length);
    const old = this.starts;
    const { prefix: p, suffix: s } = this.ends!;
    const oldEditEnd = prev.length - s;
    const delta = text.length - prev.length;

    // Lexing restarts at the last old start well before the edit; the starts before it are kept as they are.
    let keep = 0;
    while (keep < old.length && old[keep]!.offset + MARGIN <= p) keep++;
    keep = Math.max(0, keep - 1);
    const from = old.length > 0 && old[keep]!.offset + MARGIN <= p ? old[keep]! : ORIGIN;
    const kept = from === ORIGIN ? [] : old.slice(0, keep);

    // The first old start well after the edit is where the new lexing should fall in step with the old.
    let sync = keep;
    while (sync < old.length && old[sync]!.offset < oldEditEnd + MARGIN) sync++;
    if (sync >= old.length) return this.remember(text, kept, from, text.length);
    const windowEnd = sync + 1 < old.length ? old[sync + 1]!.offset + delta : text.length;
    const lexed = T.m4Lexer.tokenize(text.slice(from.offset, windowEnd));
    this.lexed = windowEnd - from.offset;
    const at = old[sync]!.offset + delta - from.offset;
    const inStep = lexed.errors.length === 0 ? lexed.tokens.find((t) => t.startOffset >= at) : undefined;
    if (!inStep || inStep.startOffset !== at) return this.remember(text, kept, from, text.length);

    const keptCount = kept.length;
    const starts = kept;
    for (const t of lexed.tokens) if (t.startOffset < at && T.DECLARATION_TOKENS.has(t.tokenType)) starts.push(placeOf(t, from));
    const now = placeOf(inStep, from);
    const then = old[sync]!;
    // Nothing after the edit moved (an edit that kept the length and the lines): the old places serve as
    // they are (a 4 MB file has 100,000 of them after an edit near its top).
    this.sameHead = keptCount;
    if (delta === 0 && now.line === then.line && now.column === then.column) {
      for (let i = sync; i < old.length; i++) starts.push(old[i]!);
      this.sameTail = old.length - sync;
    } else
      for (let i = sync; i < old.length; i++) {
        const o = old[i]!;
        starts.push({
          offset: o.offset + delta,
          line: o.line + now.line - then.line,
          column: o.line === then.line ? o.column + now.column - then.column : o.column,
        });
      }
    this.text = text;
    this.starts = starts;
    return starts;
  }

  /** Lex `text` from `from` (a token start) to `end`, after the `kept` starts. */
  private remember(text: string, kept: Place[], from: Place, end: number): Place[] {
    const lexed = T.m4Lexer.tokenize(from.offset === 0 ? text : text.slice(from.offset, end));
    this.lexed = end - from.offset;
    const starts = kept;
    for (const t of lexed.tokens) if (T.DECLARATION_TOKENS.has(t.tokenType)) starts.push(placeOf(t, from));
    this.text = text;
    this.starts = starts;
    // The text before `from` lexed cleanly (or nothing was kept), so the whole text is clean when this part is.
    this.clean = lexed.errors.length === 0;
    return starts;
  }
}

/** The lengths of the longest common prefix and suffix of two texts (not overlapping in the shorter). */
function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  const max = Math.min(a.length, b.length);
  // Block by block first: comparing two slices is a memory comparison, many times faster than a loop over
  // a 4 MB text's characters.
  let prefix = 0;
  while (prefix + BLOCK <= max && a.slice(prefix, prefix + BLOCK) === b.slice(prefix, prefix + BLOCK)) prefix += BLOCK;
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  const room = max - prefix;
  while (suffix + BLOCK <= room && a.slice(a.length - suffix - BLOCK, a.length - suffix) === b.slice(b.length - suffix - BLOCK, b.length - suffix))
    suffix += BLOCK;
  while (suffix < room && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)) suffix++;
  return { prefix, suffix };
}

const BLOCK = 4096;

const ORIGIN: Place = { offset: 0, line: 0, column: 0 };

/** A token's place in the whole text, from its place in a slice that starts at `from`. */
function placeOf(t: IToken, from: Place): Place {
  const line = (t.startLine ?? 1) - 1;
  const column = (t.startColumn ?? 1) - 1;
  return { offset: from.offset + t.startOffset, line: from.line + line, column: line === 0 ? from.column + column : column };
}
