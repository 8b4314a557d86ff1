/**
 * The walks of a labelled binary point estimate over one model's ranking (binary-point.ts): from the
 * top tie group down, the AUROC numerator, the average precision, both curves' lengths with the
 * curve sampler's checkpoints, and DeLong's per-row numerators partitioned by row block (with the
 * passes that put them in row order). Each long pass is a function call per segment of groups or
 * block of rows, so that V8 compiles it whole (see {@link walkSegment}).
 */
import type { Ranking } from './ranking.ts';

/**
 * Number of flagged positions. Every reader of the positive flags here takes bit 0 alone: the
 * bootstrap's walk marks may be in the others (resample-simd.ts `walkFlags`, in place).
 */
export function countPositives(pos: Uint8Array, n: number): number {
  let P = 0;
  for (let j = 0; j < n; j += ROW_CHUNK) P += groupPositives(pos, j, Math.min(n, j + ROW_CHUNK));
  return P;
}

/** Rows per call of the passes over all rows (a function per chunk: V8 compiles it whole, see {@link walkSegment}). */
const ROW_CHUNK = 1 << 16;

/** Positives among positions [start, end) (most groups of continuous scores are one row). */
export function groupPositives(pos: Uint8Array, start: number, end: number): number {
  if (end - start === 1) return pos[start]! & 1;
  let p = 0;
  for (let j = start; j < end; j++) p += pos[j]! & 1;
  return p;
}

/** Rows per block of DeLong's row-partitioned numerators (a block's two arrays stay in cache). */
const BLOCK_BITS = 15;
export const BLOCK = 1 << BLOCK_BITS;

/**
 * One model's DeLong numerators, partitioned by row block: block b (rows b·BLOCK ..) holds its rows'
 * numerators in `val` and their offsets in the block in `lo`, at [b·BLOCK, b·BLOCK + rows of b) —
 * every row is ranked, so each block's place is known before the walk. Writing in sorted order then
 * appends to one of n/BLOCK sequential streams instead of writing at random into an n-long array
 * (the cache and TLB misses of that scatter cost more than the rest of the walks together).
 */
export interface Blocked {
  val: Uint32Array;
  lo: Uint16Array;
}

/**
 * Put each block's numerators in row order, in place (`val[row]` is then the row's numerator, and
 * `lo` is free), through one cache-resident block buffer.
 */
export function toRowOrder(b: Blocked, rows: number): void {
  const tmp = new Uint32Array(BLOCK);
  for (let base = 0; base < rows; base += BLOCK) blockToRowOrder(b.val, b.lo, base, Math.min(BLOCK, rows - base), tmp);
}

/** One block of {@link toRowOrder} (a call per block: V8 compiles it whole, see {@link walkSegment}). */
function blockToRowOrder(val: Uint32Array, lo: Uint16Array, base: number, m: number, tmp: Uint32Array): void {
  val.set(gatherBlock(val, lo, base, m, tmp), base);
}

/** The block of `m` numerators at `base` in row order, in `tmp` (returned: its first m words). */
export function gatherBlock(val: Uint32Array, lo: Uint16Array, base: number, m: number, tmp: Uint32Array): Uint32Array {
  for (let i = base; i < base + m; i++) tmp[lo[i]!] = val[i]!;
  return tmp.subarray(0, m);
}

/** Tie groups per segment of the curves' checkpoints (see {@link walkTop}). */
export const SEGMENT = 256;
/** Numbers per checkpoint: tp, fp, the ROC and PR lengths walked, the last ROC point (x, y) and precision. */
export const MARK = 7;

/**
 * The walk from the top group down: the AUROC numerator and AP sum, exactly `aurocAuprc`'s (same
 * terms, same order), and the PR curve's length `prArc`. With `out`, the DeLong numerator of each
 * row below `rows` is written there, partitioned by row block. The curves' points (where each curve's length walked
 * reaches the next multiple of its step) need the PR curve's whole length first, so this walk also
 * measures both curves' lengths exactly as the sampler does and keeps the sampler's state every
 * {@link SEGMENT} groups (`marks`): the sampler ({@link walkCurves}) then re-walks only the
 * segments in which it keeps a point — a few hundred — not every group a second time.
 */
export function walkTop(
  r: Ranking,
  pos: Uint8Array,
  P: number,
  N: number,
  out: Blocked | null,
  rows = r.n,
): { num: number; ap: number; prArc: number; marks: Float64Array } {
  const { order, groupEnd, groups } = r;
  const cursor = new Uint32Array(out === null ? 0 : Math.ceil(rows / BLOCK));
  for (let b = 0; b < cursor.length; b++) cursor[b] = b * BLOCK;
  const marks = new Float64Array(MARK * (Math.ceil(groups / SEGMENT) + 1));
  // The walk's state between segments (see WalkState). Float sums start at −0 (−0 + x = x).
  const st = Float64Array.of(0, 0, -0, -0, -0, 1, -0, -0, 0, 0);
  const val = out?.val ?? NO_VAL,
    lo = out?.lo ?? NO_LO;
  // The state at the start of each segment, and at the end (the last mark).
  for (let hi = groups, m = 0; ; hi -= SEGMENT, m += MARK) {
    marks[m] = st[TP]!;
    marks[m + 1] = st[FP]!;
    marks[m + 2] = st[ARC_R]!;
    marks[m + 3] = st[ARC_P]!;
    marks[m + 4] = st[LX_R]!;
    marks[m + 5] = st[LY_R]!;
    marks[m + 6] = st[LAST_PREC]!;
    if (hi <= 0) break;
    walkSegment(order, groupEnd, pos, hi, Math.max(0, hi - SEGMENT), P, N, st, cursor, val, lo, out === null ? 0 : rows);
  }
  let num = st[NUM]!,
    ap = st[AP]!;
  // For a group without positives the general step adds +0 to num (0·a10) and to ap ((0·tp)/seen),
  // which turns their starting −0 into +0 and changes nothing else; the fast path skips it.
  if (groups > 0) {
    num += 0;
    ap += 0;
  }
  return { num, ap, prArc: st[PR_ARC]!, marks };
}

/** Indices of {@link walkSegment}'s state: counts, sums, the sampler's lengths and last points. */
const TP = 0,
  FP = 1,
  NUM = 2,
  AP = 3,
  PR_ARC = 4,
  LAST_PREC = 5,
  ARC_R = 6,
  ARC_P = 7,
  LX_R = 8,
  LY_R = 9;
const NO_VAL = new Uint32Array(0),
  NO_LO = new Uint16Array(0);

/**
 * Groups hi−1 down to `stop` of {@link walkTop}, from and back into the state `st`; DeLong's
 * numerators of rows below `rows` (0: none) appended to their row blocks' streams. A function per
 * segment of groups, not one loop over all of them: V8 then compiles it as a whole function from
 * complete type feedback after a few segments, where one long loop was compiled on the fly
 * (on-stack replacement) and ran 1.5–2× slower, by how much varying from run to run.
 */
function walkSegment(
  order: Uint32Array,
  groupEnd: Uint32Array,
  pos: Uint8Array,
  hi: number,
  stop: number,
  P: number,
  N: number,
  st: Float64Array,
  cursor: Uint32Array,
  val: Uint32Array,
  lo: Uint16Array,
  rows: number,
): void {
  const invP = 1 / P;
  let tp = st[TP]!,
    fp = st[FP]!,
    num = st[NUM]!,
    ap = st[AP]!,
    prArc = st[PR_ARC]!,
    lastPrec = st[LAST_PREC]!;
  // The sampler's lengths and last ROC point (its PR point is (lyR, lastPrec)).
  let arcR = st[ARC_R]!,
    arcP = st[ARC_P]!,
    lxR = st[LX_R]!,
    lyR = st[LY_R]!;
  for (let g = hi - 1; g >= stop; g--) {
    const start = g === 0 ? 0 : groupEnd[g - 1]!,
      end = groupEnd[g]!;
    if (end - start === 1) {
      // Most groups of continuous scores are one row: the general step below with p ∈ {0, 1}
      // written out, each term the very number it computes there — for a positive, fp/N is the
      // previous xR (so its step is 0 and arcR += dy), (1·tp)/seen is prec and 1/P is invP; for a
      // negative, tp/P is the previous yR (dy = 0) and the num, AP and 0/P terms add zero (the −0
      // sums start at is settled after the walk) — in two divisions instead of five.
      let v: number;
      if ((pos[start]! & 1) === 1) {
        tp++;
        v = 2 * (N - fp);
        num += v;
        const prec = tp / (tp + fp);
        ap += prec;
        const dPrec = Math.abs(prec - lastPrec);
        prArc += invP + dPrec;
        lastPrec = prec;
        const yR = tp / P;
        const dy = Math.abs(yR - lyR);
        arcR += dy;
        arcP += dy + dPrec;
        lyR = yR;
      } else {
        fp++;
        v = 2 * tp;
        const prec = tp / (tp + fp);
        const dPrec = Math.abs(prec - lastPrec);
        prArc += dPrec;
        lastPrec = prec;
        const xR = fp / N;
        arcR += Math.abs(xR - lxR);
        arcP += dPrec;
        lxR = xR;
      }
      const row = order[start]!;
      if (row < rows) {
        const at = cursor[row >>> BLOCK_BITS]!++;
        lo[at] = row & (BLOCK - 1);
        val[at] = v;
      }
      continue;
    }
    const p = groupPositives(pos, start, end);
    const neg = end - start - p;
    tp += p;
    fp += neg;
    const a10 = 2 * (N - fp) + neg;
    num += p * a10;
    const seen = tp + fp;
    ap += (p * tp) / (seen + +(seen === 0));
    const prec = tp / (tp + fp);
    const dPrec = Math.abs(prec - lastPrec);
    prArc += p / P + dPrec;
    lastPrec = prec;
    // The sampler's steps: ROC (fp/N, tp/P), PR (tp/P, precision).
    const xR = fp / N,
      yR = tp / P;
    const dy = Math.abs(yR - lyR);
    arcR += Math.abs(xR - lxR) + dy;
    arcP += dy + dPrec;
    lxR = xR;
    lyR = yR;
    if (rows > 0) {
      const a01 = 2 * tp - p;
      for (let j = start; j < end; j++) {
        const row = order[j]!;
        if (row >= rows) continue;
        const at = cursor[row >>> BLOCK_BITS]!++;
        lo[at] = row & (BLOCK - 1);
        val[at] = (pos[j]! & 1) === 1 ? a10 : a01;
      }
    }
  }
  st[TP] = tp;
  st[FP] = fp;
  st[NUM] = num;
  st[AP] = ap;
  st[PR_ARC] = prArc;
  st[LAST_PREC] = lastPrec;
  st[ARC_R] = arcR;
  st[ARC_P] = arcP;
  st[LX_R] = lxR;
  st[LY_R] = lyR;
}

/**
 * DeLong's numerators of rows [r0, r1) alone, partitioned by row block from r0 (`out` holds r1 − r0
 * entries): the numbers {@link walkTop} writes for those rows (each group's integer a10 for its
 * positives, a01 for its negatives), for the chunks after the first when the numerators are made a
 * part of the rows at a time ({@link binaryPoint}).
 */
export function walkNumerators(r: Ranking, pos: Uint8Array, N: number, out: Blocked, r0: number, r1: number): void {
  const { order, groupEnd, groups } = r;
  const m = r1 - r0;
  const cursor = new Uint32Array(Math.ceil(m / BLOCK));
  for (let b = 0; b < cursor.length; b++) cursor[b] = b * BLOCK;
  // tp and fp after the groups walked so far; a call per segment of groups (see walkSegment).
  const counts = Float64Array.of(0, 0);
  for (let hi = groups; hi > 0; hi -= SEGMENT) numeratorSegment(order, groupEnd, pos, hi, Math.max(0, hi - SEGMENT), N, counts, cursor, out, r0, m);
}

/** Groups hi−1 down to `stop` of {@link walkNumerators}, from and back into `counts` (tp, fp). */
function numeratorSegment(
  order: Uint32Array,
  groupEnd: Uint32Array,
  pos: Uint8Array,
  hi: number,
  stop: number,
  N: number,
  counts: Float64Array,
  cursor: Uint32Array,
  out: Blocked,
  r0: number,
  m: number,
): void {
  const { val, lo } = out;
  let tp = counts[0]!,
    fp = counts[1]!;
  for (let g = hi - 1; g >= stop; g--) {
    const start = g === 0 ? 0 : groupEnd[g - 1]!,
      end = groupEnd[g]!;
    const p = groupPositives(pos, start, end);
    const neg = end - start - p;
    tp += p;
    fp += neg;
    const a10 = 2 * (N - fp) + neg,
      a01 = 2 * tp - p;
    for (let j = start; j < end; j++) {
      const i = order[j]! - r0;
      if (i < 0 || i >= m) continue;
      const at = cursor[i >>> BLOCK_BITS]!++;
      lo[at] = i & (BLOCK - 1);
      val[at] = (pos[j]! & 1) === 1 ? a10 : a01;
    }
  }
  counts[0] = tp;
  counts[1] = fp;
}
