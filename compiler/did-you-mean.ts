/**
 * "Did you mean ...?" by edit distance, as Terraform does it: the closest candidate within a cost of 3
 * (and less than half the name's length, so `x` does not suggest `y`).
 *
 * Bounded, so a file of thousands of unknown names cannot block the checker (the language server checks
 * on every keystroke): candidates are indexed by length, and only lengths within the allowed cost are
 * compared; each unknown name is looked up once; and each index has a work budget (in edit-distance
 * cells) after which it stops suggesting. Passes build one index per candidate set per file.
 */
import type { Span } from '../grammar/ast.ts';
import { HELP } from './diagnostics/catalogue.ts';
import type { Diagnostic } from './diagnostics/diagnostic.ts';

/** Three rows of the distance table, reused by every call (grown when a longer name comes): no allocation per pair. */
let rows = new Int32Array(3 * 64);

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), early exit past `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  const w = n + 1;
  if (rows.length < 3 * w) rows = new Int32Array(6 * w);
  const t = rows;
  // The rows two back, one back and current, at these offsets of `t` (rotated per row).
  let prev2 = 0;
  let prev = w;
  let cur = 2 * w;
  for (let j = 0; j <= n; j++) {
    t[prev2 + j] = 0;
    t[prev + j] = j;
    t[cur + j] = 0;
  }
  for (let i = 1; i <= a.length; i++) {
    t[cur] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cost = ai === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(t[prev + j]! + 1, t[cur + j - 1]! + 1, t[prev + j - 1]! + cost);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) v = Math.min(v, t[prev2 + j - 2]! + 1);
      t[cur + j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const oldest = prev2;
    prev2 = prev;
    prev = cur;
    cur = oldest;
  }
  return t[prev + n]!;
}

/** The most edit-distance cells one index computes (≈0.1 s of work); past it, no more suggestions. */
export const SUGGESTION_BUDGET = 20_000_000;
/** Names longer than this get no suggestion: a typo of a 200-character name is not worth quadratic work. */
const MAX_NAME_LENGTH = 100;

/** A set of candidate names indexed for did-you-mean lookups. */
export class Candidates {
  private readonly byLength = new Map<number, string[]>();
  private readonly byLower = new Map<string, string[]>();
  /** Each distinct candidate with its position in the input: ties go to the first, as people read lists. */
  private readonly order = new Map<string, number>();
  private readonly memo = new Map<string, string | undefined>();
  private spent = 0;

  constructor(
    names: Iterable<string>,
    private readonly budget = SUGGESTION_BUDGET,
  ) {
    for (const c of names) {
      if (this.order.has(c)) continue;
      this.order.set(c, this.order.size);
      const bucket = this.byLength.get(c.length);
      if (bucket) bucket.push(c);
      else this.byLength.set(c.length, [c]);
      const lower = c.toLowerCase();
      const same = this.byLower.get(lower);
      if (!same) this.byLower.set(lower, [c]);
      else if (same.length < 2) same.push(c);
    }
  }

  /** The work done so far, in edit-distance cells (bounded by the budget). */
  get work(): number {
    return this.spent;
  }

  /** The best candidate for `name`, or undefined when none is close enough. Ties go to the first candidate. */
  best(name: string): string | undefined {
    if (this.memo.has(name)) return this.memo.get(name);
    const r = this.search(name);
    this.memo.set(name, r);
    return r;
  }

  private search(name: string): string | undefined {
    // Case-only differences are the most likely typo of all.
    const sameCase = this.byLower.get(name.toLowerCase())?.find((c) => c !== name);
    if (sameCase !== undefined) return sameCase;
    if (name.length > MAX_NAME_LENGTH || this.spent >= this.budget) return undefined;
    const max = Math.min(3, Math.max(1, Math.floor(name.length / 2)));
    let best: string | undefined;
    let bestCost = max + 1;
    let bestOrder = Infinity;
    for (let len = name.length - max; len <= name.length + max; len++) {
      const bucket = this.byLength.get(len);
      if (!bucket) continue;
      for (const c of bucket) {
        if (c === name) continue;
        this.spent += Math.max(1, name.length * c.length);
        const cost = editDistance(name, c, Math.min(max, bestCost));
        const order = this.order.get(c)!;
        if (cost <= max && (cost < bestCost || (cost === bestCost && order < bestOrder))) {
          best = c;
          bestCost = cost;
          bestOrder = order;
        }
        if (this.spent >= this.budget) return best;
      }
    }
    return best;
  }
}

/** The best candidate for `name` among `candidates`, or undefined when none is close enough. */
export function didYouMean(name: string, candidates: Iterable<string> | Candidates): string | undefined {
  return (candidates instanceof Candidates ? candidates : new Candidates(candidates)).best(name);
}

/**
 * The help line and the machine-applicable fix for a name that should be `guess`: "did you mean `x`?"
 * and a replacement of `span` (written as `replacement`, e.g. quoted). Empty when there is no guess, so
 * it spreads into a diagnostic's extras: `diag(code, span, args, { ...suggest(guess, span), notes })`.
 */
export function suggest(guess: string | undefined, span: Span, replacement = guess): Pick<Diagnostic, 'help' | 'suggestion'> {
  if (guess === undefined || replacement === undefined) return {};
  return { help: HELP.didYouMean(guess), suggestion: { span, replacement, title: HELP.replaceWith(guess) } };
}
