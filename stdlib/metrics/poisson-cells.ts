/**
 * The bootstrap of counting metrics from the joint cell table.
 *
 * A binary comparison's counting metrics (confusion counts and every rate, agreement, flips,
 * McNemar's pairs) depend on the rows only through the 8 counts of (label, control prediction,
 * treatment prediction). Under the streaming Poisson bootstrap every row gets an independent
 * Poisson(1) weight, so a cell holding n_c rows receives Σ of n_c independent Poisson(1) = exactly
 * Poisson(n_c), independently of the other cells (the cells partition the rows). Drawing one
 * Poisson(n_c) per cell therefore gives *the same distribution* of resampled counts as weighting
 * every row — at O(cells) per resample instead of O(rows). We draw Poisson per cell rather than a
 * multinomial of fixed total n because the ranking and per-row metrics use per-row Poisson weights
 * (their totals vary too): both halves of a resample are then the same bootstrap scheme.
 *
 * Draws are a pure function of (seed, resample, cell, counts): the uniforms come from a
 * counter-based generator, so shards merged and one pass draw the very same resamples.
 */
import { lowbias32, seedWords } from './poisson-weights.ts';

/** Uniform doubles in (0, 1) from the counter (key, cell, i): 53 random bits from two hashed words. */
class CellStream {
  private i = 0;
  constructor(
    private readonly key: number,
    private readonly cell: number,
  ) {}
  next(): number {
    const c = this.i++;
    const h1 = lowbias32((lowbias32(this.key ^ Math.imul(this.cell + 1, 0x9e3779b9)) + c * 2) >>> 0);
    const h2 = lowbias32((lowbias32(h1 ^ this.key) + c * 2 + 1) >>> 0);
    // (hi 26 bits · 2^27 + lo 27 bits + 0.5) / 2^53: never exactly 0 or 1.
    return ((h1 >>> 6) * 134217728 + (h2 >>> 5) + 0.5) / 9007199254740992;
  }
}

/** ln k! : exact summation below 256, Stirling's series (error < 1e-17 relative) above. */
const LOG_FACT = (() => {
  const t = new Float64Array(256);
  for (let k = 2; k < 256; k++) t[k] = t[k - 1]! + Math.log(k);
  return t;
})();
function logFactorial(k: number): number {
  if (k < 256) return LOG_FACT[k]!;
  const r = 1 / k,
    r2 = r * r;
  return k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) + r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
}

/**
 * One Poisson(λ) variate. λ < 10: inversion by sequential search; λ ≥ 10: Hörmann's PTRS
 * (transformed rejection with squeeze, "The transformed rejection method for generating Poisson
 * random variables", 1993) — exact, O(1) expected uniforms for any λ (the algorithm numpy uses).
 */
export function poissonDraw(lambda: number, u: () => number): number {
  if (lambda <= 0) return 0;
  if (lambda < 10) {
    let p = Math.exp(-lambda),
      s = p,
      k = 0;
    const x = u();
    while (x > s && k < 1000) {
      k++;
      p *= lambda / k;
      s += p;
    }
    return k;
  }
  const slam = Math.sqrt(lambda),
    loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam,
    a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4),
    vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = u() - 0.5,
      V = u();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}

/** Per-resample key of the cell draws (resample r ≥ 1), distinct from the row-weight keys. */
export function cellResampleKey(seed: number, r: number): number {
  const [s0, s1] = seedWords(seed);
  return lowbias32((lowbias32((r ^ 0x6a09e667 ^ s0) >>> 0) + s1) >>> 0);
}

/** `out[c] = Poisson(counts[c])` for c < cells, for resample r of `seed`. */
export function drawCells(counts: ArrayLike<number>, cells: number, seed: number, r: number, out: Float64Array, at = 0): void {
  const key = cellResampleKey(seed, r);
  for (let c = 0; c < cells; c++) {
    const s = new CellStream(key, c);
    out[at + c] = poissonDraw(counts[c]!, () => s.next());
  }
}
