/**
 * The point estimate of a labelled binary comparison from its two rankings: both models' AUROC and
 * AUPRC, their ROC and PR curves and DeLong's paired test, in one walk over each ranking's tie
 * groups from the top score down and one pass over the rows, with no per-row float arrays.
 *
 * DeLong (Sun & Xu 2014: the structural components from one sort per model, O(n log n)): for a
 * positive row, V10 = (negatives below + ½ tied) / N; for a negative, V01 = (positives above + ½
 * tied) / P. Every row of a tie group shares its component, and its doubled numerator — a10 =
 * 2·(negatives below) + tied negatives, a01 = 2·(positives above) + tied positives — is an integer
 * below 2n, kept per row as a Uint32 (with its Uint16 place in its row block). Both classes'
 * numerators sum to the doubled Mann–Whitney count `num` of the AUROC walk, so their means are exact
 * before any variance is summed: num/P and num/N.
 *
 * The passes: per model (on two threads for many rows, rank-thread.ts), one walk over the groups
 * (binary-walk.ts: AUROC numerator, average precision, both curves' lengths with the sampler's
 * state every few hundred groups, and the model's DeLong numerators by row, partitioned into row
 * blocks — never a write or read at random over an n-long array, whose cache misses cost more than
 * everything else here — then put in row order block by block, the last-walked model's by the row
 * pass itself); the curve sampler, which walks again only the segments of groups where it keeps a
 * point; then one pass over the rows for DeLong's centred squares and cross-products (the two-pass
 * centred covariances, with exact means). Every long pass is a function call per block of rows or
 * segment of groups, which V8 compiles whole (binary-walk.ts `walkSegment`).
 */
import type { CurvePoint, DeLongResult } from '../../plan/result-types.ts';
import { delongFromMoments } from './delong.ts';
import type { Ranking } from './ranking.ts';
import {
  BLOCK,
  countPositives,
  gatherBlock,
  groupPositives,
  MARK,
  SEGMENT,
  toRowOrder,
  walkNumerators,
  walkTop,
  type Blocked,
} from './binary-walk.ts';
import type { SortScratch } from './radix-sort.ts';
import { finishAurocAuprc, type AurocAuprc } from './ranking-metrics.ts';
import { MAX_CURVE_POINTS } from './charts.ts';
import type { Undefined } from './metric-value.ts';

/** ROC and PR curves of one model. */
export interface RocPr {
  roc: CurvePoint[];
  pr: CurvePoint[];
}

/** What {@link binaryPoint} computes. */
export interface BinaryPoint {
  control: AurocAuprc;
  treatment: AurocAuprc;
  /** Null when a class is missing. */
  curves: { control: RocPr; treatment: RocPr } | null;
  /** Null when not asked for. */
  delong: DeLongResult | Undefined | null;
}

/**
 * The ROC and PR curves, at most `maxPoints` points each (`prArc` and `marks` from
 * {@link walkTop}), each kept evenly spaced along the curve's L1 length: a point is kept when the
 * length walked so far reaches the next multiple of length / (maxPoints − 1), and the last point
 * always ends the curve. A segment of groups in which neither curve reaches its next point is
 * skipped (the lengths only grow, so its end's lengths tell); the others are walked again from
 * their checkpoint, with the very sums walk 1 made, so every point is the one a walk over every
 * group would keep. (The sampling is written out here rather than called per tie group: a call per
 * group cost 3× the walk.)
 */
function walkCurves(r: Ranking, pos: Uint8Array, P: number, N: number, prArc: number, marks: Float64Array, maxPoints: number): RocPr {
  const { groupEnd, groupValue, groups } = r;
  const last = maxPoints - 1;
  const roc: CurvePoint[] = [{ x: 0, y: 0, threshold: null }],
    pr: CurvePoint[] = [{ x: 0, y: 1, threshold: null }];
  // Per curve: length walked, next point to keep (and the length it needs), last point seen, whether it was kept.
  const stepR = 2 / last,
    stepP = prArc / last;
  let nextR = 1,
    needR = stepR,
    keptR = true;
  let nextP = 1,
    needP = stepP,
    keptP = true;
  let m = 0;
  for (let hi = groups; hi > 0; hi -= SEGMENT, m += MARK) {
    const endR = marks[m + MARK + 2]!,
      endP = marks[m + MARK + 3]!;
    if (!((nextR < last && endR >= needR) || (nextP < last && endP >= needP))) {
      // No point kept in this segment: its last group only decides whether the last point was kept.
      keptR = roc.length === 1 && endR === 0;
      keptP = pr.length === 1 && endP === 0;
      continue;
    }
    let tp = marks[m]!,
      fp = marks[m + 1]!,
      arcR = marks[m + 2]!,
      arcP = marks[m + 3]!,
      lxR = marks[m + 4]!,
      lyR = marks[m + 5]!,
      lyP = marks[m + 6]!;
    const stop = Math.max(0, hi - SEGMENT);
    for (let g = hi - 1; g >= stop; g--) {
      const start = g === 0 ? 0 : groupEnd[g - 1]!,
        end = groupEnd[g]!;
      const p = groupPositives(pos, start, end);
      tp += p;
      fp += end - start - p;
      const t = groupValue[g]!;
      const xR = fp / N,
        yR = tp / P,
        yP = tp / (tp + fp);
      const dy = Math.abs(yR - lyR);
      arcR += Math.abs(xR - lxR) + dy;
      arcP += dy + Math.abs(yP - lyP);
      lxR = xR;
      lyR = yR;
      lyP = yP;
      keptR = roc.length === 1 && arcR === 0;
      if (nextR < last && arcR >= needR) {
        roc.push({ x: xR, y: yR, threshold: t });
        keptR = true;
        do nextR++;
        while (nextR < last && arcR >= stepR * nextR);
        needR = stepR * nextR;
      }
      keptP = pr.length === 1 && arcP === 0;
      if (nextP < last && arcP >= needP) {
        pr.push({ x: yR, y: yP, threshold: t });
        keptP = true;
        do nextP++;
        while (nextP < last && arcP >= stepP * nextP);
        needP = stepP * nextP;
      }
    }
  }
  // The last point seen: the walk's end state.
  const lt = groups > 0 ? groupValue[0]! : null;
  if (!keptR) roc.push({ x: marks[m + 4]!, y: marks[m + 5]!, threshold: lt });
  if (!keptP) pr.push({ x: marks[m + 5]!, y: marks[m + 6]!, threshold: lt });
  return { roc, pr };
}

/**
 * DeLong's moments in one pass over the rows: both models' numerators by row (see
 * {@link toRowOrder}; a model's still partitioned by row block when its block offsets `Clo` / `Tlo`
 * are given, put in row order a block at a time here, in cache, instead of in place before); the centred squares and cross-products of each class (`positiveRow[row]` 1
 * for a positive), with the exact means (m10 over positives, m01 over negatives). Branch-free, every
 * sum per row in row order, so two identical models give bit-identical squares and cross-products
 * (a difference of exactly zero variance). Over rows [r0, r1) (`C[i − r0]`, `T[i − r0]`), the sums
 * continued from `sums` and left there — chunks of rows in order give the one pass's bits:
 * [ssC10, ssC01, ssT10, ssT01, ct10, ct01], starting at −0.
 */
function moments(
  C: Uint32Array,
  Clo: Uint16Array | null,
  T: Uint32Array,
  Tlo: Uint16Array | null,
  positiveRow: ArrayLike<number>,
  r0: number,
  r1: number,
  mC10: number,
  mC01: number,
  mT10: number,
  mT01: number,
  sums: Float64Array,
): void {
  const tmpC = Clo === null ? null : new Uint32Array(BLOCK),
    tmpT = Tlo === null ? null : new Uint32Array(BLOCK);
  // A block of rows per call (the blocks of the partitioned numerators, which start at r0).
  for (let i = r0; i < r1; i += BLOCK) {
    const e = Math.min(r1, i + BLOCK),
      a = i - r0,
      m = e - i;
    const c = Clo === null ? C.subarray(a, a + m) : gatherBlock(C, Clo, a, m, tmpC!),
      t = Tlo === null ? T.subarray(a, a + m) : gatherBlock(T, Tlo, a, m, tmpT!);
    momentsChunk(c, t, positiveRow, i, e, mC10, mC01, mT10, mT01, sums);
  }
}

/** {@link moments} of rows [r0, r1), `C` and `T` from r0: a call per chunk of rows. */
function momentsChunk(
  C: Uint32Array,
  T: Uint32Array,
  positiveRow: ArrayLike<number>,
  r0: number,
  r1: number,
  mC10: number,
  mC01: number,
  mT10: number,
  mT01: number,
  sums: Float64Array,
): void {
  let c10 = sums[0]!,
    c01 = sums[1]!,
    t10 = sums[2]!,
    t01 = sums[3]!,
    x10 = sums[4]!,
    x01 = sums[5]!;
  for (let i = r0; i < r1; i++) {
    const y = positiveRow[i] === 1 ? 1 : 0,
      z = 1 - y;
    const a = C[i - r0]!,
      b = T[i - r0]!;
    const a10 = a - mC10,
      a01 = a - mC01,
      b10 = b - mT10,
      b01 = b - mT01;
    c10 += y * (a10 * a10);
    c01 += z * (a01 * a01);
    t10 += y * (b10 * b10);
    t01 += z * (b01 * b01);
    x10 += y * (a10 * b10);
    x01 += z * (a01 * b01);
  }
  sums[0] = c10;
  sums[1] = c01;
  sums[2] = t10;
  sums[3] = t01;
  sums[4] = x10;
  sums[5] = x01;
}

/**
 * ROC and PR curves of one model from its ranking, thresholds in decreasing order: ROC from (0, 0)
 * to (1, 1); PR starting at (recall 0, precision 1), scikit-learn's convention. `positive` flags the
 * positive rows in ranking order. At most `maxPoints` points each. Null when a class is missing.
 */
export function rocAndPr(r: Ranking, positive: Uint8Array, maxPoints = MAX_CURVE_POINTS): RocPr | null {
  const P = countPositives(positive, r.n),
    N = r.n - P;
  if (P === 0 || N === 0) return null;
  const top = walkTop(r, positive, P, N, null);
  return walkCurves(r, positive, P, N, top.prArc, top.marks, maxPoints);
}

/** Why DeLong's test cannot be computed with P positives and N negatives (null: it can). */
function delongWhy(P: number, N: number): string | null {
  if (P < 2) return `DeLong's test needs at least two positive rows (got ${P})`;
  if (N < 2) return `DeLong's test needs at least two negative rows (got ${N})`;
  return null;
}

/** One model's share of the point estimate ({@link modelPoint}). */
export interface ModelPoint {
  /** Positive and negative rows. */
  P: number;
  N: number;
  /** The doubled Mann–Whitney count and the average-precision sum of walk 1. */
  num: number;
  ap: number;
  /** Null when a class is missing. */
  curves: RocPr | null;
  /** DeLong's numerators by row (rows 0..rows-1), when asked for and defined; else null. */
  byRow: Uint32Array | null;
  /**
   * When not null, `byRow` is still partitioned by row block (as the walk wrote it) with these
   * offsets, and DeLong's row pass puts it in row order a block at a time ({@link modelPoint}'s `rowOrder`).
   */
  byRowLo: Uint16Array | null;
  /** The rows `byRow` holds (all n, or the first chunk: see {@link binaryPoint}). */
  rows: number;
}

/**
 * One model's walks over its ranking `r` of rows 0..r.n-1 (`pos`: the positives in its order): the
 * AUROC numerator and AP sum, the curves, and — with `delong` and P, N ≥ 2 — DeLong's numerators
 * of rows 0..rows-1 (default: all), put in row order in `val` (`rows` words) through the block
 * offsets `lo` (`rows` entries; free afterwards), both new when null — or, with `rowOrder` false,
 * left partitioned by row block for DeLong's row pass to put in row order as it reads them (one
 * pass less over the numerators; `lo` is then held until that pass). A function of the ranking
 * alone: the two models' shares may be computed on two threads (rank-thread.ts).
 */
export function modelPoint(
  r: Ranking,
  pos: Uint8Array,
  delong: boolean,
  val: Uint32Array | null,
  lo: Uint16Array | null,
  maxPoints = MAX_CURVE_POINTS,
  rows = r.n,
  rowOrder = true,
): ModelPoint {
  const n = r.n;
  const P = countPositives(pos, n),
    N = n - P;
  const out: Blocked | null =
    delong && delongWhy(P, N) === null
      ? { val: val?.subarray(0, rows) ?? new Uint32Array(rows), lo: lo?.subarray(0, rows) ?? new Uint16Array(rows) }
      : null;
  const w = walkTop(r, pos, P, N, out, rows);
  if (out !== null && rowOrder) toRowOrder(out, rows);
  const curves = P === 0 || N === 0 ? null : walkCurves(r, pos, P, N, w.prArc, w.marks, maxPoints);
  return { P, N, num: w.num, ap: w.ap, curves, byRow: out?.val ?? null, byRowLo: out !== null && !rowOrder ? out.lo : null, rows };
}

/**
 * The numerators of both models for rows [r0, r1) (r1 returned), by row from r0 — or partitioned by
 * row block from r0 with their offsets `Clo` / `Tlo` (see {@link ModelPoint}'s `byRowLo`): a chunk after the first.
 */
type NextChunk = (r0: number) => { C: Uint32Array; Clo: Uint16Array | null; T: Uint32Array; Tlo: Uint16Array | null; r1: number };

/**
 * The point estimate from both models' shares (each from {@link modelPoint} over the same rows
 * 0..rowsSpan-1, `positiveRow` flagging the positives by row number); `delong` asks for DeLong's
 * test at interval level `level`. When the shares hold the numerators of the first rows only,
 * `next` makes those of the following chunks, in row order.
 */
export function finishPoint(
  c: ModelPoint,
  t: ModelPoint,
  positiveRow: ArrayLike<number>,
  rowsSpan: number,
  delong: boolean,
  level: number,
  next?: NextChunk,
): BinaryPoint {
  const { P, N } = c;
  const control = finishAurocAuprc(P, N, c.num, c.ap),
    treatment = finishAurocAuprc(P, N, t.num, t.ap);
  const why = delong ? delongWhy(P, N) : null;
  if (c.curves === null || t.curves === null) return { control, treatment, curves: null, delong: delong ? { reason: why! } : null };
  const curves = { control: c.curves, treatment: t.curves };
  if (!delong) return { control, treatment, curves, delong: null };
  if (why !== null || c.byRow === null || t.byRow === null) return { control, treatment, curves, delong: { reason: why! } };
  // Exact means of the numerators: each class's sums to the doubled Mann–Whitney count.
  const sums = Float64Array.of(-0, -0, -0, -0, -0, -0);
  const means = [c.num / P, c.num / N, t.num / P, t.num / N] as const;
  moments(c.byRow, c.byRowLo, t.byRow, t.byRowLo, positiveRow, 0, c.rows, ...means, sums);
  for (let r0 = c.rows; r0 < rowsSpan;) {
    if (next === undefined) throw new Error("DeLong's numerators of the rows after the first chunk were not given");
    const k = next(r0);
    moments(k.C, k.Clo, k.T, k.Tlo, positiveRow, r0, k.r1, ...means, sums);
    r0 = k.r1;
  }
  const [ssC10, ssC01, ssT10, ssT01, ct10, ct01] = sums as unknown as [number, number, number, number, number, number];
  // Numerators are in units of 1/(2N) (V10) and 1/(2P) (V01); sample covariances divide by P − 1 and N − 1.
  const u10 = 1 / (4 * N * N * (P - 1)),
    u01 = 1 / (4 * P * P * (N - 1));
  return {
    control,
    treatment,
    curves,
    delong: delongFromMoments(
      c.num / (2 * P * N),
      t.num / (2 * P * N),
      ssC10 * u10,
      ssC01 * u01,
      ssT10 * u10,
      ssT01 * u01,
      ct10 * u10,
      ct01 * u01,
      P,
      N,
      level,
    ),
  };
}

/**
 * The point estimate of a labelled binary comparison (see the file comment). `rc` and `rt` rank the
 * same rows, exactly rows 0..rowsSpan-1; `posC`/`posT` flag the positives in each ranking's order and
 * `positiveRow` by row number; `delong` asks for DeLong's test at interval level `level`. Its per-row
 * numerators go into `scratch.a`, the sort's buffer (free once the rankings are built; `scratch.b`
 * is not used): all rows' when it holds 2 × rowsSpan words; when it holds one word per row (the MSD
 * sort's), half the rows' at a time — the first half's from the walks that make the AUROC and the
 * curves, the second's from a walk that makes only the numerators (the moments' sums run on in row
 * order, so the bits are the same); else all rows' in a new buffer.
 */
export function binaryPoint(
  rc: Ranking,
  posC: Uint8Array,
  rt: Ranking,
  posT: Uint8Array,
  positiveRow: ArrayLike<number>,
  rowsSpan: number,
  delong: boolean,
  level: number,
  scratch: SortScratch | null = null,
  maxPoints = MAX_CURVE_POINTS,
): BinaryPoint {
  const n = rowsSpan;
  if (!delong) {
    const c = modelPoint(rc, posC, false, null, null, maxPoints),
      t = modelPoint(rt, posT, false, null, null, maxPoints);
    return finishPoint(c, t, positiveRow, n, false, level);
  }
  // DeLong's numerators, one Uint32 per row and model, plus one Uint16 block offset per row shared
  // by both in turn: 10 B per row at once, or 5 B per row in two halves in the sort's buffer. The
  // treatment's, the second, stay partitioned by row block until the row pass reads them.
  const given = scratch?.a ?? null;
  const half = Math.ceil(n / 2);
  const h = given !== null && given.length < 2 * n && given.length >= 2 * half ? half : n;
  const words = given !== null && given.length >= 2 * h ? given : new Uint32Array(2 * n);
  const offsets = new Uint16Array(h);
  const c = modelPoint(rc, posC, true, words.subarray(0, h), offsets, maxPoints, h);
  const t = modelPoint(rt, posT, true, words.subarray(h, 2 * h), offsets, maxPoints, h, false);
  const next: NextChunk = (r0) => {
    const r1 = Math.min(n, r0 + h),
      m = r1 - r0;
    const C: Blocked = { val: words.subarray(0, m), lo: offsets.subarray(0, m) },
      T: Blocked = { val: words.subarray(h, h + m), lo: offsets.subarray(0, m) };
    walkNumerators(rc, posC, c.N, C, r0, r1);
    toRowOrder(C, m);
    walkNumerators(rt, posT, t.N, T, r0, r1);
    return { C: C.val, Clo: null, T: T.val, Tlo: T.lo, r1 };
  };
  return finishPoint(c, t, positiveRow, n, true, level, next);
}
