/**
 * The rankings of a set of stored rows and the ranking metrics computed from them, for the point
 * estimate (weights null) or one bootstrap resample (integer weights by store row). Shared by the
 * result builder and the resample engine (which may run in a worker thread): it sees only typed
 * arrays, never the accumulator.
 */
import { METRIC_CATALOGUE, type TaskKind } from './catalogue.ts';
import type { Derived } from './metric-family.ts';
import { positivesInOrder, rankColumn, rankFlagged, type Ranking } from './ranking.ts';
import { allFloat32, MAX_FLAGGED_ROW, type SortScratch } from './radix-sort.ts';
import { MSD_FLAGGED_MIN, type FlaggedColumn } from './radix-msd.ts';
import { sharedArray } from './row-store.ts';
import { aurocAuprc } from './ranking-metrics.ts';
import { ksStatistic, psi, spearman } from './rank-pair-metrics.ts';
import { isDefined, undef, type Outcome } from './metric-value.ts';

/** The stored rows a ranking context reads (a RowStore, or its arrays sent to a worker). */
export interface StoredRows {
  n: number;
  width: number;
  control: Float32Array | Float64Array;
  treatment: Float32Array | Float64Array;
  label: Uint8Array | Uint16Array | Uint32Array | Float64Array | null;
}

/** Rankings of one set of stored rows (all rows, or one slice). */
export interface RankingContext {
  kind: TaskKind;
  wanted: Set<string>;
  labels: ArrayLike<number> | null;
  /** binary / regression: one ranking per model. */
  rc: Ranking | null;
  rt: Ranking | null;
  /** binary with labels: positive flags in each ranking's order. */
  posC: Uint8Array | null;
  posT: Uint8Array | null;
  /** multiclass AUROC: one ranking per class and model, with the class's flags in its order. */
  classC: Ranking[];
  classT: Ranking[];
  classPosC: Uint8Array[];
  classPosT: Uint8Array[];
  scratchC: Float64Array;
  scratchT: Float64Array;
}

/** The ranking metrics among `metrics`. */
export function rankingMetrics(metrics: readonly string[]): Set<string> {
  return new Set(metrics.filter((m) => METRIC_CATALOGUE[m]!.ranking));
}

/** A context with no ranking yet: what {@link rankingContext} fills, and a slice's cut (slice-rankings.ts) too. */
export function emptyRankingContext(
  kind: TaskKind,
  wanted: Set<string>,
  labels: ArrayLike<number> | null,
  scratch: [Float64Array, Float64Array],
): RankingContext {
  return {
    kind,
    wanted,
    labels,
    rc: null,
    rt: null,
    posC: null,
    posT: null,
    classC: [],
    classT: [],
    classPosC: [],
    classPosT: [],
    scratchC: scratch[0],
    scratchT: scratch[1],
  };
}

/**
 * Rank the stored rows `rows` (null: all n) for the `wanted` ranking metrics. `given` reuses
 * binary/regression rankings already built (the resample engine receives them from the result);
 * `sorts`, the sort buffers to use (the caller may reuse them afterwards; default: fresh ones).
 * `spendControl`, when given, may be called once the control column is ranked: it returns the control
 * scores' memory as at least n words (or null), which then becomes the sort buffer (see {@link rankBinary}).
 */
export function rankingContext(
  kind: TaskKind,
  wanted: Set<string>,
  store: StoredRows,
  rows: Uint32Array | null,
  n: number,
  scratch: [Float64Array, Float64Array],
  given?: { rc: Ranking; rt: Ranking },
  sorts: SortScratch = { a: null, b: null },
  spendControl?: () => Uint32Array | null,
): RankingContext {
  const ctx = emptyRankingContext(kind, wanted, store.label, scratch);
  const c = store.control.subarray(0, store.n * store.width),
    t = store.treatment.subarray(0, store.n * store.width);
  if (kind === 'multiclass') {
    if (wanted.has('auroc') && store.label !== null) {
      const k = store.width;
      for (let j = 0; j < k; j++) {
        const [rc, pc] = rankWithPositives({ values: c, stride: k, column: j, rows, n, labels: store.label, positive: j }, sorts);
        const [rt, pt] = rankWithPositives({ values: t, stride: k, column: j, rows, n, labels: store.label, positive: j }, sorts);
        ctx.classC.push(rc);
        ctx.classT.push(rt);
        ctx.classPosC.push(pc!);
        ctx.classPosT.push(pt!);
      }
    }
  } else if (wanted.size > 0) {
    const labels = kind === 'binary' ? store.label : null;
    if (given !== undefined) {
      ctx.rc = given.rc;
      ctx.rt = given.rt;
      if (labels !== null) {
        ctx.posC = positivesInOrder(ctx.rc, labels, 1);
        ctx.posT = positivesInOrder(ctx.rt, labels, 1);
      }
    } else {
      const [rc, pc, rt, pt] = rankBinary(c, t, rows, n, labels, sorts, spendControl);
      ctx.rc = rc;
      ctx.rt = rt;
      if (labels !== null) {
        ctx.posC = pc;
        ctx.posT = pt;
      }
    }
  }
  return ctx;
}

/**
 * Both models' rankings of one score column each (and their positive flags when `labels` is given),
 * through the same sort buffers; the labels ride along in the sort.
 *
 * With `spendControl` (the final result of a large float32 store), no n-word sort buffer is allocated
 * beside the rows: the control sort works in the buffer that then becomes the treatment ranking's
 * order, and once the control scores are ranked (their values are the control ranking's tie groups)
 * their memory is spent — the treatment's sort and then DeLong's numerators work in it (`sorts.a`).
 * The rankings are the same bits either way: the sorts are the same, only their buffers differ.
 */
function rankBinary(
  c: Float32Array | Float64Array,
  t: Float32Array | Float64Array,
  rows: Uint32Array | null,
  n: number,
  labels: StoredRows['label'],
  sorts: SortScratch,
  spendControl?: () => Uint32Array | null,
): [Ranking, Uint8Array | null, Ranking, Uint8Array | null] {
  const col = (values: Float32Array | Float64Array): FlaggedColumn => ({ values, stride: 1, column: 0, rows, n, labels, positive: 1 });
  const spend =
    spendControl !== undefined &&
    rows === null &&
    n >= MSD_FLAGGED_MIN &&
    n <= MAX_FLAGGED_ROW &&
    c instanceof Float32Array &&
    t instanceof Float32Array;
  if (!spend) {
    const [rc, pc] = rankWithPositives(col(c), sorts);
    const [rt, pt] = rankWithPositives(col(t), sorts);
    return [rc, pc, rt, pt];
  }
  // Even-sized, like the sort's own buffers (DeLong's halves).
  const rtOrder = sharedArray(Uint32Array, n + (n & 1));
  const [rc, pc] = rankWithPositives(col(c), { a: rtOrder, b: null });
  const spent = spendControl();
  if (spent !== null) {
    sorts.a = spent;
    sorts.b = null;
  }
  const [rt, pt] = rankWithPositives(col(t), sorts, rtOrder.subarray(0, n));
  return [rc, pc, rt, pt];
}

/**
 * One column's ranking and, when `labels` is given, its positive flags in sorted order: carried
 * through the sort when the scores are float32 (one sort, no gather), else sorted then gathered.
 * `order`: n words that become the ranking's order (rankFlagged's `into`).
 */
function rankWithPositives(col: FlaggedColumn, sorts: SortScratch, order?: Uint32Array): [Ranking, Uint8Array | null] {
  const { values, stride, column, rows, n, labels, positive } = col;
  const span = rows === null ? n : values.length / stride;
  if (span <= MAX_FLAGGED_ROW + 1 && allFloat32(values, stride, column, rows, n)) {
    const { ranking, positives } = rankFlagged(col, sorts, order);
    return [ranking, labels === null ? null : positives];
  }
  const r = rankColumn(values, stride, column, rows, n);
  return [r, labels === null ? null : positivesInOrder(r, labels, positive)];
}

/**
 * Ranking metrics of one replica (`weights` null: the point estimate) into `out`. `skip` names
 * metrics the caller computes itself (the resample engine walks binary AUROC/AUPRC in tiles).
 */
export function rankingOutcomes(ctx: RankingContext, weights: Uint8Array | null, out: Derived, skip?: Set<string>): void {
  const w = ctx.wanted;
  const want = (m: string): boolean => w.has(m) && skip?.has(m) !== true;
  if (ctx.kind === 'multiclass') {
    if (want('auroc') && ctx.labels !== null) {
      const side = (rs: Ranking[], pos: Uint8Array[]): Outcome => {
        let sum = 0;
        for (let j = 0; j < rs.length; j++) {
          const a = aurocAuprc(rs[j]!, pos[j]!, weights).auroc;
          if (!isDefined(a)) return undef(`class ${j}: ${a.reason.replace('AUROC', 'one-vs-rest AUROC')}`);
          sum += a;
        }
        return sum / rs.length;
      };
      out.set('auroc', { control: side(ctx.classC, ctx.classPosC), treatment: side(ctx.classT, ctx.classPosT) });
    }
    return;
  }
  if (ctx.rc === null || ctx.rt === null) return;
  if (ctx.posC !== null && ctx.posT !== null && (want('auroc') || want('auprc'))) {
    const c = aurocAuprc(ctx.rc, ctx.posC, weights),
      t = aurocAuprc(ctx.rt, ctx.posT, weights);
    if (want('auroc')) out.set('auroc', { control: c.auroc, treatment: t.auroc });
    if (want('auprc')) out.set('auprc', { control: c.auprc, treatment: t.auprc });
  }
  if (want('spearman')) out.set('spearman', spearman(ctx.rc, ctx.rt, weights, ctx.scratchC, ctx.scratchT));
  if (want('ks')) out.set('ks', ksStatistic(ctx.rc, ctx.rt, weights));
  if (want('psi')) out.set('psi', psi(ctx.rc, ctx.rt, weights));
}
