/**
 * "Did you mean ...?" by edit distance, as Terraform does it: the closest candidate within a cost of 3
 * (and less than half the name's length, so `x` does not suggest `y`).
 */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), early exit past `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** The best candidate for `name`, or undefined when none is close enough. Ties go to the first candidate. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const max = Math.min(3, Math.max(1, Math.floor(name.length / 2)));
  let best: string | undefined;
  let bestCost = max + 1;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (c === name) continue;
    // Case-only differences are the most likely typo of all.
    const cost = c.toLowerCase() === lower ? 0.5 : editDistance(name, c, max);
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  return best;
}
