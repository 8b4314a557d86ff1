/**
 * MSD-first radix argsort of float32 keys carrying a 1-bit flag, for large columns: the path
 * {@link argsortFlagged32} takes from {@link MSD_FLAGGED_MIN} keys.
 *
 * The LSD sort moves every (key, row) pair through main memory once per 11-bit digit (three times
 * for a 32-bit key, between two buffers as large as the pairs). Here the pairs are scattered through
 * main memory once: the 16 key bits below the prefix every key shares are counted, their histogram
 * is cut into about {@link TARGET_BUCKETS} buckets of similar size (adjacent 16-bit values merged
 * greedily, so the cut follows the data wherever the scores crowd — probabilities near 0, a narrow
 * band, …), one stable scatter puts every key in its bucket's place in an n-word buffer and every
 * payload (row and flag) at the same place in the output order, and each bucket — a few thousand
 * pairs, cache resident — is sorted by the bits that vary inside it in LSD passes through a small
 * side buffer (insertion sort when tiny), its last pass writing the outputs. One n-word buffer
 * besides the outputs, where the LSD sort needs two of 2n: 12 bytes per row less while ranking (the
 * main job's peak memory, docs/metrics.md). (In CPU time it measured even with the LSD sort: what
 * JavaScript spends per row per pass, not memory traffic, dominates both.)
 *
 * A bucket larger than {@link maxBucket} rows (heavily tied or clustered scores: one 16-bit value
 * holding a large share of the rows) would need a large side buffer: the sort then declines and the
 * caller takes the LSD path. Stable, like the LSD sort: equal keys keep their input order.
 */

const f32 = new Float32Array(1);
const f32AsI32 = new Int32Array(f32.buffer);

/** From this many keys {@link msdFlagged32} is worth its histogram (below, the LSD passes stay in cache). */
export const MSD_FLAGGED_MIN = 1 << 16;

/** Keys read to guess the keys' range (see {@link msdFlagged32}). */
const SAMPLE = 4096;
/** Bits by which the guessed histogram may be coarser than the keys' range allows and still be used. */
const COARSER = 2;

/** Buckets the 16-bit histogram is cut into (each then sorted in cache). */
const TARGET_BUCKETS = 1024;

/** Largest bucket sorted through a side buffer: at most one byte per row (n/8 pairs of 8 bytes), and never below 2^16 pairs. */
function maxBucket(n: number): number {
  return Math.max(1 << 16, n >>> 3);
}

/** Order-preserving unsigned key of a float32's bits. */
function keyOf(b: number): number {
  return (b ^ ((b >> 31) | 0x80000000)) >>> 0;
}

/**
 * The rows a flagged sort reads: the float32 key `values[row * stride + column]` of rows `rows[j]` (or j
 * when `rows` is null), j < n, each carrying the flag `labels[row] === positive` (no flags when `labels`
 * is null). One object through the layers that sort (radix-msd.ts, radix-sort.ts, ranking.ts,
 * ranking-context.ts) instead of the same seven arguments at each.
 */
export interface FlaggedColumn {
  values: Float32Array | Float64Array;
  stride: number;
  column: number;
  rows: Uint32Array | null;
  n: number;
  labels: ArrayLike<number> | null;
  positive: number;
}

/**
 * Sort rows ascending by the float32 key of `values[row * stride + column]` (rows `rows[j]`, or j
 * when `rows` is null, j < n), each carrying the flag `labels[row] === positive` (no flags when
 * `labels` is null; rows ≤ 2^31 − 1). `rec` holds at least n words. Writes `order` and `flags` in
 * sorted order and returns the sorted keys, `rec[0, n)`; or returns
 * null, having written nothing to `order` and `flags`, when a bucket is too large (see the file comment).
 */
export function msdFlagged32(col: FlaggedColumn, rec: Uint32Array, order: Uint32Array, flags: Uint8Array): Uint32Array | null {
  const { values, stride, column, rows, n, labels, positive } = col;
  const bits =
    values instanceof Float32Array && rows === null && stride === 1 && column === 0 ? new Int32Array(values.buffer, values.byteOffset, n) : null;
  const keyAt = (j: number): number => {
    if (bits !== null) return keyOf(bits[j]!);
    f32[0] = values[(rows === null ? j : rows[j]!) * stride + column]!;
    return keyOf(f32AsI32[0]!);
  };
  // 1. The histogram of 16 key bits: those below the prefix every key shares, whose length needs
  // the keys' range. A sample's range guesses it, widened down to +0's key when the sampled scores
  // are all non-negative (probabilities reach down to tiny values that a sample misses), and one
  // pass makes the histogram at the guess while it measures the range. The guess is kept when it
  // is at most COARSER bits coarser than the range allows (any cut that follows the key order
  // gives the same stable sort: only the buckets' sizes change); otherwise, or when it leaves a
  // bucket too large for the side buffer, the exact histogram takes a second pass.
  let smin = 0xffffffff,
    smax = 0;
  for (let j = 0, step = Math.max(1, Math.floor(n / SAMPLE)); j < n; j += step) {
    const k = keyAt(j);
    if (k < smin) smin = k;
    if (k > smax) smax = k;
  }
  if (smin >= 0x80000000) smin = 0x80000000;
  const guess = Math.max(0, 16 - Math.clz32(smin ^ smax));
  const hist = new Uint32Array(1 << 16);
  let kmin = 0xffffffff,
    kmax = 0;
  if (bits !== null) {
    const range = Uint32Array.of(kmin, kmax);
    for (let j = 0; j < n; j += CHUNK) histRange(bits, j, Math.min(n, j + CHUNK), guess, hist, range);
    kmin = range[0]!;
    kmax = range[1]!;
  } else
    for (let j = 0; j < n; j++) {
      const k = keyAt(j);
      hist[(k >>> guess) & 0xffff]!++;
      if (k < kmin) kmin = k;
      if (k > kmax) kmax = k;
    }
  const exact = Math.max(0, 16 - Math.clz32(kmin ^ kmax));
  const histAt = (shift: number): void => {
    hist.fill(0);
    if (bits !== null) for (let j = 0; j < n; j += CHUNK) histOnly(bits, j, Math.min(n, j + CHUNK), shift, hist);
    else for (let j = 0; j < n; j++) hist[(keyAt(j) >>> shift) & 0xffff]!++;
  };
  let shift = guess;
  if (guess < exact || guess - exact > COARSER) histAt((shift = exact));
  let cut = cutHistogram(hist, shift, Math.max(64, Math.ceil(n / TARGET_BUCKETS)));
  if (cut.largest > maxBucket(n) && shift !== exact) {
    histAt((shift = exact));
    cut = cutHistogram(hist, shift, Math.max(64, Math.ceil(n / TARGET_BUCKETS)));
  }
  if (cut.largest > maxBucket(n)) return null;
  const { buckets, bucketOf, starts, width, largest } = cut;
  // 2. One stable scatter of the keys into rec and the payloads (row | flag << 31) into `order`,
  // both at their bucket's positions.
  const cursor = starts.slice(0, buckets);
  if (bits !== null && labels instanceof Uint8Array)
    // The common case (a whole float32 column, binary labels) in its own loop, the flag without a
    // branch: ~12% off the whole sort (10M rows, CPU min of 8, alternating).
    for (let j = 0; j < n; j += CHUNK) scatterFlagged(bits, labels, positive, j, Math.min(n, j + CHUNK), shift, bucketOf, cursor, rec, order);
  else
    for (let j = 0; j < n; j++) {
      const k = bits !== null ? keyOf(bits[j]!) : keyAt(j);
      const row = rows === null ? j : rows[j]!;
      const at = cursor[bucketOf[(k >>> shift) & 0xffff]!]!++;
      rec[at] = k;
      order[at] = labels !== null && labels[row] === positive ? (row | 0x80000000) >>> 0 : row;
    }
  // 3. Each bucket sorted in cache, in place; its last pass writes the keys, rows and flags.
  const out: Outputs = { rec, order, flags, side: new Uint32Array(2 * largest), digits: new Uint32Array(3 * 2048) };
  for (let bk = 0; bk < buckets; bk++) {
    const lo = starts[bk]!,
      hi = starts[bk + 1]!;
    if (hi - lo > 32) sortBucket(out, lo, hi, width[bk]!);
    else {
      if (hi - lo > 1) insertionPairs(rec, order, lo, hi);
      unpack(out, lo, hi);
    }
  }
  return rec.subarray(0, n);
}

/**
 * Rows per call of the passes over the whole column ({@link histRange}, {@link histOnly},
 * {@link scatterFlagged}): a function per chunk, not one loop over all n rows, so that V8 compiles
 * each pass as a whole function from complete type feedback after a few chunks. One long loop is
 * compiled on the fly (on-stack replacement) from what it has seen so far, and that code ran up to
 * twice as slowly, by how much varying from run to run.
 */
const CHUNK = 1 << 16;

/** The histogram of the key bits [shift, shift + 16) of keys j0..j1−1 and their range ([min, max] in `range`, widened). */
function histRange(bits: Int32Array, j0: number, j1: number, shift: number, hist: Uint32Array, range: Uint32Array): void {
  let kmin = range[0]!,
    kmax = range[1]!;
  for (let j = j0; j < j1; j++) {
    const k = keyOf(bits[j]!);
    hist[(k >>> shift) & 0xffff]!++;
    if (k < kmin) kmin = k;
    if (k > kmax) kmax = k;
  }
  range[0] = kmin;
  range[1] = kmax;
}

/** The histogram of the key bits [shift, shift + 16) of keys j0..j1−1. */
function histOnly(bits: Int32Array, j0: number, j1: number, shift: number, hist: Uint32Array): void {
  for (let j = j0; j < j1; j++) hist[(keyOf(bits[j]!) >>> shift) & 0xffff]!++;
}

/**
 * The stable scatter of keys j0..j1−1 (a whole float32 column, binary labels): each key into `rec`
 * and its payload (row | flag << 31, the flag without a branch) into `order`, at its bucket's cursor.
 */
function scatterFlagged(
  bits: Int32Array,
  labels: Uint8Array,
  positive: number,
  j0: number,
  j1: number,
  shift: number,
  bucketOf: Uint16Array,
  cursor: Uint32Array,
  rec: Uint32Array,
  order: Uint32Array,
): void {
  for (let j = j0; j < j1; j++) {
    const k = keyOf(bits[j]!);
    const at = cursor[bucketOf[(k >>> shift) & 0xffff]!]!++;
    rec[at] = k;
    order[at] = (j | (+(labels[j] === positive) << 31)) >>> 0;
  }
}

/** Buckets cut from a 16-bit histogram (see {@link cutHistogram}). */
interface Cut {
  buckets: number;
  /** Bucket of each 16-bit value. */
  bucketOf: Uint16Array;
  /** First position of each bucket (and the end of the last). */
  starts: Uint32Array;
  /** Per bucket, the key bits that may vary inside it. */
  width: Uint8Array;
  /** Rows in the largest bucket. */
  largest: number;
}

/**
 * Cut the histogram of the key bits [shift, shift + 16) greedily into buckets of about `target`
 * rows (adjacent values merged). A bucket's keys may vary in the bits below `shift` and in those in
 * which its first and last non-empty values differ.
 */
function cutHistogram(hist: Uint32Array, shift: number, target: number): Cut {
  const bucketOf = new Uint16Array(1 << 16);
  const starts = new Uint32Array((1 << 16) + 1);
  const width = new Uint8Array(1 << 16);
  let b = 0,
    size = 0,
    largest = 0,
    first = -1,
    last = -1;
  const close = (): void => {
    starts[b + 1] = starts[b]! + size;
    largest = Math.max(largest, size);
    width[b] = first < 0 ? 0 : shift + (first === last ? 0 : 32 - Math.clz32(first ^ last));
  };
  for (let t = 0; t < 1 << 16; t++) {
    const c = hist[t]!;
    if (c !== 0 && size > 0 && size + c > target) {
      close();
      b++;
      size = 0;
      first = -1;
    }
    bucketOf[t] = b;
    if (c !== 0) {
      if (first < 0) first = t;
      last = t;
    }
    size += c;
  }
  close();
  return { buckets: b + 1, bucketOf, starts, width, largest };
}

/**
 * Where the sorted buckets go, and the buckets' scratch: `side` (2 × the largest bucket words, the
 * pairs interleaved), `digits` (3 × 2048). Between the scatter and its bucket's sort, `rec` holds the
 * keys and `order` the payloads (row | flag << 31) at the same positions.
 */
interface Outputs {
  rec: Uint32Array;
  order: Uint32Array;
  flags: Uint8Array;
  side: Uint32Array;
  digits: Uint32Array;
}

/** Positions lo..hi-1, already in order, unpacked in place: the flag out of each payload. */
function unpack(o: Outputs, lo: number, hi: number): void {
  const { order, flags } = o;
  for (let i = lo; i < hi; i++) {
    const p = order[i]!;
    order[i] = p & 0x7fffffff;
    flags[i] = p >>> 31;
  }
}

/**
 * Stable LSD sort of the bucket at positions [lo, hi) (keys in rec, payloads in order), whose keys
 * vary only in their low `width` bits, in passes of ≤ 11 bits (one histogram read for all of them;
 * passes whose digit every key shares are skipped). The passes alternate between the bucket's place
 * and `side` so that the last one reads `side` and scatters straight into the outputs (the bucket's
 * place is dead by then).
 */
function sortBucket(o: Outputs, lo: number, hi: number, width: number): void {
  const { rec, side, digits, order, flags } = o;
  const m = hi - lo;
  const passes = Math.max(1, Math.ceil(width / 11));
  const digit = Math.ceil(width / passes);
  const mask = (1 << digit) - 1,
    size = 1 << digit;
  // Only the digits of the passes to make (most buckets need two, not three).
  digits.fill(0, 0, passes * 2048);
  if (passes === 1) for (let i = lo; i < hi; i++) digits[rec[i]! & mask]!++;
  else if (passes === 2)
    for (let i = lo; i < hi; i++) {
      const k = rec[i]!;
      digits[k & mask]!++;
      digits[2048 + ((k >>> digit) & mask)]!++;
    }
  else
    for (let i = lo; i < hi; i++) {
      const k = rec[i]!;
      digits[k & mask]!++;
      digits[2048 + ((k >>> digit) & mask)]!++;
      digits[4096 + ((k >>> (2 * digit)) & mask)]!++;
    }
  const active: number[] = [];
  const k0 = rec[lo]!;
  for (let p = 0; p < passes; p++) {
    const base = p * 2048;
    if (width === 0 || digits[base + ((k0 >>> (p * digit)) & mask)] === m) continue;
    let sum = 0;
    for (let d = 0; d < size; d++) {
      const c = digits[base + d]!;
      digits[base + d] = sum;
      sum += c;
    }
    active.push(p);
  }
  if (active.length === 0) {
    unpack(o, lo, hi);
    return;
  }
  // Start in `side` when the number of passes is odd, so that the last pass reads `side`.
  let inSide = false;
  if (active.length % 2 === 1) {
    for (let i = 0; i < m; i++) {
      side[2 * i] = rec[lo + i]!;
      side[2 * i + 1] = order[lo + i]!;
    }
    inSide = true;
  }
  for (let a = 0; a < active.length; a++) {
    const p = active[a]!,
      base = p * 2048,
      shift = p * digit;
    if (a + 1 < active.length) {
      if (inSide)
        for (let i = 0; i < m; i++) {
          const k = side[2 * i]!;
          const to = lo + digits[base + ((k >>> shift) & mask)]!++;
          rec[to] = k;
          order[to] = side[2 * i + 1]!;
        }
      else
        for (let i = lo; i < hi; i++) {
          const k = rec[i]!;
          const to = 2 * digits[base + ((k >>> shift) & mask)]!++;
          side[to] = k;
          side[to + 1] = order[i]!;
        }
      inSide = !inSide;
    } else {
      for (let i = 0; i < m; i++) {
        const k = side[2 * i]!,
          q = side[2 * i + 1]!;
        const to = lo + digits[base + ((k >>> shift) & mask)]!++;
        rec[to] = k;
        order[to] = q & 0x7fffffff;
        flags[to] = q >>> 31;
      }
    }
  }
}

/** Stable insertion sort of positions [lo, hi) by key (keys in `key`, payloads in `pay`), in place. */
function insertionPairs(key: Uint32Array, pay: Uint32Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const k = key[i]!,
      p = pay[i]!;
    let j = i - 1;
    while (j >= lo && key[j]! > k) {
      key[j + 1] = key[j]!;
      pay[j + 1] = pay[j]!;
      j--;
    }
    key[j + 1] = k;
    pay[j + 1] = p;
  }
}
