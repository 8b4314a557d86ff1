/**
 * Exact, order-independent sums of float64 values: the point estimate's accumulator.
 *
 * Each channel keeps its running sum as a list of non-overlapping float64 "partials" whose exact
 * (real-number) sum is the exact sum of every value added — Shewchuk's adaptive expansion, as in
 * Python's `math.fsum` (msum). Adding is exact, so it does not matter in which order, in which
 * batches or on which shard the values arrived; `value` rounds the exact sum once, correctly
 * (round half to even), so the reported number is a pure function of the multiset of values. That is
 * what makes a sharded-and-merged replay equal the unsharded one bit for bit.
 *
 * Products (`Σ a·b`, for moments) are exact too: each product is split into its rounded value and
 * its rounding error (Dekker's two-product with Veltkamp's split), both added exactly.
 *
 * Non-finite values (±Infinity, NaN) are summed apart (`special`): the channel's value is then that
 * sum (Infinity, −Infinity or NaN), whatever the order. A running sum that overflows float64 (beyond
 * ~1.8e308 — Python raises there) makes the channel non-finite too (±Infinity or NaN): the metric
 * then reports "not finite", as it would have before. A product whose error term cannot be
 * represented (|a| beyond ~2^996, or a subnormal product) adds its rounded value only: still a
 * function of the row alone, so still independent of the order.
 *
 * Cost: a value is one exponent read and one two-sum into the bin of its exponent (see
 * {@link ExactSums}); a product adds a two-product. `bench/point-sums.ts` measures it against the
 * compensated sums it replaced.
 */
import { decodeF64, decodeU32, encodeArray, MetricsStateError, type EncodedArray } from './state-codec.ts';

/** Serialized partials of every channel. */
export interface ExactSumsState {
  /** Partials per channel. */
  lengths: EncodedArray;
  /** The partials of channel 0, then channel 1, … (increasing magnitude within a channel). */
  partials: EncodedArray;
  /** Per channel: the sum of its non-finite values (0 when none). */
  special: EncodedArray;
}

/** Veltkamp's splitter for float64: 2^27 + 1. */
const SPLIT = 134217729;
const ONE = new Float64Array(1);
const TWO = new Float64Array(1);
/** Products and their errors, interleaved (reused). */
let productScratch = new Float64Array(2 * 8192);

/**
 * Add x exactly to the expansion p[0..m) (non-overlapping, increasing magnitude); returns the new
 * length. p must have room for m + 1 partials. Knuth's branch-free two-sum.
 */
function insert(p: Float64Array, m: number, x: number): number {
  let i = 0;
  for (let j = 0; j < m; j++) {
    const y = p[j]!;
    const hi = x + y;
    const bv = hi - x;
    const lo = x - (hi - bv) + (y - bv);
    if (lo !== 0) p[i++] = lo;
    x = hi;
  }
  if (x !== 0) p[i++] = x;
  return i;
}

/** The correctly rounded value of the expansion p[0..m) (math.fsum's final step). */
function roundExpansion(p: Float64Array, m: number): number {
  if (m === 0) return 0;
  let n = m;
  let hi = p[--n]!,
    lo = 0;
  while (n > 0) {
    const x = hi;
    const y = p[--n]!;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  // Half-way cases: the partials below decide the direction of the tie.
  if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    const yr = x - hi;
    if (y === yr) hi = x;
  }
  return hi;
}

/** The bits of a float64, to read its exponent (little-endian: the high word is [1]). */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** Exponents per bin: values of one bin lie in [2^E, 2^(E+16)) (see {@link ExactSums}). */
const BIN_SHIFT = 4;
const BINS = 2048 >>> BIN_SHIFT;
/** Values a channel's bins take between flushes: each bin's error sum stays exact below 2^19 (see the class comment). */
const FLUSH_EVERY = 1 << 18;

/** Set while {@link verbatimStates} runs: states are taken as they are, not re-inserted. */
let verbatim = false;

/**
 * Run `f`, in which {@link ExactSums.fromState} keeps each state's partials as they are instead of
 * re-inserting them — for states this process's own `toState` just made (an accumulator handed from one
 * thread to another, runtime/comparison-feed.ts). Re-inserting keeps the exact sum but may change the
 * partials that represent it (three partials can become two), and with them the bytes of a state written
 * later; taken as they are, the restored sums are the original's, partial for partial.
 */
export function verbatimStates<T>(f: () => T): T {
  const was = verbatim;
  verbatim = true;
  try {
    return f();
  } finally {
    verbatim = was;
  }
}

/**
 * Exact sums of several channels.
 *
 * Hot path (Zhu & Hayes' OnlineExactSum, with 16 exponents per bin): a value goes to the bin of its
 * binary exponent; the bin keeps a running float sum `s` and the exact errors of its additions in `e`
 * (two-sum). Every value of a bin is a multiple of 2^(E−52), so each error is too, and |error| ≤
 * ulp(s)/2 ≤ N·2^(E+16)·2^−53 after N additions: the errors' sum stays below 2^(E+1) — exact — while
 * N² < 2^38. After 2^18 values (and before any read, merge or state) the bins are flushed into the
 * channel's expansion (Shewchuk partials), which holds the exact sum canonically.
 */
export class ExactSums {
  readonly channels: number;
  /** Per channel, its partials (capacity grows; the first `len[c]` are live). */
  private parts: Float64Array[];
  private readonly len: Int32Array;
  private readonly special: Float64Array;
  /** Per channel, BINS × (running sum, error sum). */
  private readonly bins: Float64Array;
  /** Per channel, values added to its bins since the last flush. */
  private readonly pending: Int32Array;

  constructor(channels: number) {
    this.channels = channels;
    this.parts = Array.from({ length: channels }, () => new Float64Array(8));
    this.len = new Int32Array(channels);
    this.special = new Float64Array(channels);
    this.bins = new Float64Array(channels * 2 * BINS);
    this.pending = new Int32Array(channels);
  }

  /** Room for `extra` more partials in channel c. */
  private room(c: number, extra: number): Float64Array {
    let p = this.parts[c]!;
    const need = this.len[c]! + extra;
    if (need > p.length) {
      const q = new Float64Array(Math.max(need, 2 * p.length));
      q.set(p.subarray(0, this.len[c]!));
      this.parts[c] = p = q;
    }
    return p;
  }

  /** Make room in channel c's bins for `k` more values (flushing them first when they would be full). */
  private reserve(c: number, k: number): void {
    if (this.pending[c]! + k > FLUSH_EVERY) this.flush(c);
    this.pending[c]! += k;
  }

  /** Move channel c's bins into its expansion, exactly. */
  private flush(c: number): void {
    const bins = this.bins,
      base = c * 2 * BINS;
    let p = this.room(c, 0),
      m = this.len[c]!;
    for (let j = base; j < base + 2 * BINS; j++) {
      const v = bins[j]!;
      if (v === 0) continue;
      bins[j] = 0;
      if (v - v !== 0) {
        // A bin's running sum overflowed float64 (its error is then NaN): the channel is not finite.
        this.special[c]! += v;
        continue;
      }
      if (m + 1 > p.length) {
        this.len[c] = m;
        p = this.room(c, 1);
      }
      m = insert(p, m, v);
    }
    this.len[c] = m;
    this.pending[c] = 0;
    this.checkOverflow(c);
  }

  /** Add one value to channel c. */
  add(c: number, x: number): void {
    this.reserve(c, 1);
    F64[0] = x;
    const ex = (U32[1]! >>> 20) & 0x7ff;
    if (ex === 0x7ff) {
      this.special[c]! += x;
      return;
    }
    const bins = this.bins,
      at = c * 2 * BINS + ((ex >>> BIN_SHIFT) << 1);
    const a = bins[at]!,
      s = a + x,
      bv = s - a;
    bins[at] = s;
    bins[at + 1]! += a - (s - bv) + (x - bv);
  }

  /** Add x[off + i] for i < n to channel c. */
  addColumn(c: number, x: Float64Array, off: number, n: number): void {
    this.addValues(c, x, off, null, n);
  }

  /** Add x[off + rows[j]] for j < n to channel c. */
  addGathered(c: number, x: Float64Array, off: number, rows: Uint32Array, n: number): void {
    this.addValues(c, x, off, rows, n);
  }

  /** Add x[off + r] to channel c over r = j (rows null) or r = rows[j], j < n. */
  private addValues(c: number, x: Float64Array, off: number, rows: Uint32Array | null, n: number): void {
    const bins = this.bins,
      base = c * 2 * BINS;
    // The high 32-bit word of each value (its sign and exponent), read in place: no store and reload.
    const hiWords = new Uint32Array(x.buffer, x.byteOffset, x.length * 2);
    for (let from = 0; from < n; from += FLUSH_EVERY) {
      const to = Math.min(n, from + FLUSH_EVERY);
      this.reserve(c, to - from);
      for (let j = from; j < to; j++) {
        const r = off + (rows === null ? j : rows[j]!);
        const ex = (hiWords[2 * r + 1]! >>> 20) & 0x7ff;
        const v = x[r]!;
        if (ex === 0x7ff) {
          this.special[c]! += v;
          continue;
        }
        const at = base + ((ex >>> BIN_SHIFT) << 1);
        const a = bins[at]!,
          s = a + v,
          bv = s - a;
        bins[at] = s;
        bins[at + 1]! += a - (s - bv) + (v - bv);
      }
    }
  }

  /**
   * Add Σ a[aOff + r]·b[bOff + r] exactly to channel c, over r = i (rows null) or r = rows[i], i < n:
   * each product as its rounded value plus its exact rounding error (two-product).
   */
  addProducts(c: number, a: Float64Array, aOff: number, b: Float64Array, bOff: number, rows: Uint32Array | null, n: number): void {
    if (productScratch.length < 2 * n) productScratch = new Float64Array(Math.max(2 * n, 2 * productScratch.length));
    const out = productScratch;
    for (let i = 0; i < n; i++) {
      const r = rows === null ? i : rows[i]!;
      const x = a[aOff + r]!,
        y = b[bOff + r]!;
      const prod = x * y;
      let t = SPLIT * x;
      const xh = t - (t - x),
        xl = x - xh;
      t = SPLIT * y;
      const yh = t - (t - y),
        yl = y - yh;
      const err = xh * yh - prod + xh * yl + xl * yh + xl * yl;
      out[2 * i] = prod;
      // Not finite while the product is: the split overflowed (|x| or |y| beyond ~2^996); the
      // rounded product alone. A non-finite product is summed apart, as any non-finite value.
      out[2 * i + 1] = err - err === 0 ? err : 0;
    }
    this.addValues(c, out, 0, null, 2 * n);
  }

  /** Add x·y exactly to channel c. */
  addProduct(c: number, x: number, y: number): void {
    this.addProducts(c, ONE.fill(x), 0, TWO.fill(y), 0, null, 1);
  }

  /** A running sum beyond float64's range leaves ±Infinity at the top of the expansion. */
  private checkOverflow(c: number): void {
    const m = this.len[c]!;
    if (m === 0) return;
    const p = this.parts[c]!;
    let bad = false;
    for (let i = 0; i < m; i++) if (p[i]! - p[i]! !== 0) bad = true;
    if (!bad) return;
    this.special[c]! += p[m - 1]! - p[m - 1]! !== 0 ? p[m - 1]! : NaN;
    this.len[c] = 0;
  }

  /** Add every channel of `o` (same channel count) into this one, exactly. */
  merge(o: ExactSums): void {
    if (o.channels !== this.channels) throw new MetricsStateError('cannot merge exact sums of different channel counts');
    for (let c = 0; c < this.channels; c++) {
      this.flush(c);
      o.flush(c);
      this.special[c]! += o.special[c]!;
      const q = o.parts[c]!;
      const k = o.len[c]!;
      const p = this.room(c, k);
      let m = this.len[c]!;
      for (let j = 0; j < k; j++) m = insert(p, m, q[j]!);
      this.len[c] = m;
      this.checkOverflow(c);
    }
  }

  /** The exact sum of channel c, correctly rounded to float64. */
  value(c: number): number {
    if (this.pending[c] !== 0) this.flush(c);
    if (this.special[c] !== 0) return this.special[c]!;
    return roundExpansion(this.parts[c]!, this.len[c]!);
  }

  /**
   * The centred co-moment Σ(a − ā)(b − b̄) of n rows from the exact channels Σab, Σa, Σb:
   * (n·Σab − Σa·Σb) is formed exactly and rounded once, then divided by n. Never negative when
   * `ab` is a square (a = b). A non-finite input gives NaN.
   */
  comoment(n: number, ab: number, a: number, b: number): number {
    if (n === 0) return 0;
    for (const c of [ab, a, b]) if (this.pending[c] !== 0) this.flush(c);
    if (this.special[ab] !== 0 || this.special[a] !== 0 || this.special[b] !== 0) return NaN;
    const t = new ExactSums(1);
    const pab = this.parts[ab]!,
      pa = this.parts[a]!,
      pb = this.parts[b]!;
    for (let i = 0; i < this.len[ab]!; i++) t.addProduct(0, n, pab[i]!);
    for (let i = 0; i < this.len[a]!; i++) for (let j = 0; j < this.len[b]!; j++) t.addProduct(0, -pa[i]!, pb[j]!);
    return t.value(0) / n;
  }

  toState(): ExactSumsState {
    for (let c = 0; c < this.channels; c++) if (this.pending[c] !== 0) this.flush(c);
    let total = 0;
    for (let c = 0; c < this.channels; c++) total += this.len[c]!;
    const flat = new Float64Array(total);
    let at = 0;
    for (let c = 0; c < this.channels; c++) {
      flat.set(this.parts[c]!.subarray(0, this.len[c]!), at);
      at += this.len[c]!;
    }
    return { lengths: encodeArray(Uint32Array.from(this.len)), partials: encodeArray(flat), special: encodeArray(this.special) };
  }

  static fromState(channels: number, s: ExactSumsState): ExactSums {
    if (s === null || typeof s !== 'object') throw new MetricsStateError('exact sums state: missing');
    const lengths = decodeU32(s.lengths),
      flat = decodeF64(s.partials),
      special = decodeF64(s.special);
    if (lengths.length !== channels || special.length !== channels) {
      throw new MetricsStateError(`exact sums state: expected ${channels} channels, got ${lengths.length}`);
    }
    const out = new ExactSums(channels);
    let at = 0;
    for (let c = 0; c < channels; c++) {
      const k = lengths[c]!;
      if (at + k > flat.length) throw new MetricsStateError('exact sums state: fewer partials than its lengths say');
      // Re-inserting (not copying) keeps the invariant whatever the file holds: a hand-edited state
      // still sums exactly what it lists.
      const p = out.room(c, k);
      let m = 0;
      for (let j = 0; j < k; j++) {
        const v = flat[at + j]!;
        if (v - v !== 0) throw new MetricsStateError('exact sums state: a partial is not finite');
        if (verbatim) p[m++] = v;
        else m = insert(p, m, v);
      }
      out.len[c] = m;
      at += k;
    }
    if (at !== flat.length) throw new MetricsStateError('exact sums state: more partials than its lengths say');
    out.special.set(special);
    return out;
  }
}
