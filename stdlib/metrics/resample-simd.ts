/**
 * The binary bootstrap's row sweeps on the WebAssembly SIMD kernel (wasm/bootstrap-walk.wat): four
 * resamples per lane group, the weights drawn and the AUROC/AUPRC walks and per-row sums computed
 * with exactly the operations, in exactly the order, of resample-engine.ts's scalar sweeps — so the
 * two give bit-identical resamples (test/stdlib/metrics/resample-simd.test.ts), and which one ran
 * never changes a result.
 *
 * It serves the layouts the main job has: binary, per-row sum channels (log loss, Brier, mean
 * absolute difference) and count cells only; layouts with per-row maxima or moments (max_abs_diff,
 * pearson) take the scalar sweep. Count cells beyond the joint table (out-of-range probabilities,
 * rare) are added per tile in JavaScript from the same weights.
 */
import { WASM_BASE64 } from './wasm/bootstrap-walk.wasm.ts';
import type { MetricFamily, ValidRows } from './metric-family.ts';
import { ReplicaBank } from './replica-bank.ts';
import { sharedArray } from './row-store.ts';
import { groupOpens, type Ranking } from './ranking.ts';
import { fillRowKeys, fillWeights, lowbias32, seedWords } from './poisson-weights.ts';
import { gatherIds, gatherRows, TILE } from './resample-tiles.ts';
import type { StoredRows } from './ranking-context.ts';

/** Bytes of walk state per block of four resamples (see the .wat). */
const STATE = 128;
/** Blocks of four resamples that share each visit of a row: the .wat is generated for it (scripts/gen-bootstrap-walk.mjs BLOCKS). */
export const VISIT = 8;
/** Walk state per resample in the scalar engine's layout: cumPos, cumAll, tp, fp, S, ap. */
export const WALK = 6;

/** The slice of the WebAssembly API used here (the project's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Kernel {
  memory: WasmMemory;
  walk: (
    n: number,
    k0p: number,
    k1p: number,
    flp: number,
    qp: number,
    nb: number,
    stp: number,
    wsp: number,
    xp: number,
    K: number,
    accp: number,
    s1: number,
    derive: number,
    base: number,
    c0: number,
  ) => void;
}

let compiled: object | null = null;

/** A fresh instance (its own memory) of the kernel; the module is compiled once per thread. */
function instantiate(): Kernel {
  compiled ??= new WASM.Module(Buffer.from(WASM_BASE64, 'base64'));
  const e = new WASM.Instance(compiled).exports as unknown as Kernel;
  return { memory: e.memory, walk: e.walk };
}

/**
 * True when the SIMD sweep serves this layout and store: per-row channels are sums and count cells
 * only, and every walk total (≤ 13 · n per lane, doubled) fits an int32 lane.
 */
export function simdSweepApplies(layout: { maxes: number; vars: number }, n: number): boolean {
  return layout.maxes === 0 && layout.vars === 0 && n > 0 && n * 26 < 2 ** 31;
}

/**
 * The walk flags of a ranking, by sorted position: bit 0 positive; bit 1 the lowest position of a
 * tie group holding a positive; bit 2 its highest position (the descending walk's first row).
 */
export function walkFlags(r: Ranking, pos: Uint8Array): Uint8Array {
  // In shared memory: every thread's sweeps read them in place.
  const out = sharedArray(Uint8Array, r.n);
  let start = 0;
  for (let g = 0; g < r.groups; g++) {
    const end = r.groupEnd[g]!;
    let any = 0;
    for (let j = start; j < end; j++) {
      out[j] = pos[j]!;
      any |= pos[j]!;
    }
    if (any !== 0) {
      out[start]! |= 2;
      out[end - 1]! |= 4;
    }
    start = end;
  }
  return out;
}

/** What the sweeps fill, per resample i = r − r0: the bank's W and sums, and each walk's state. */
export interface SimdSweepOut {
  bank: ReplicaBank;
  /** WALK numbers per resample (null: no walk over that ranking). */
  stC: Float64Array | null;
  stT: Float64Array | null;
}

/**
 * One sweep's rows by sorted position: the row keys (k0 as k0 ^ (k0 >>> 16), as the kernel takes
 * it; k1 only when some row id reaches 2^32) and the walk flags (all 0 without a walk). With
 * consecutive row ids ({@link SimdRows.index}) no key is stored: `k0` is the sweep's order itself
 * (the store row at each sorted position; null: store order) and the kernel derives both keys.
 */
export interface SweepRows {
  k0: Uint32Array | null;
  /** Null when every row id is below 2^32: the kernel derives k1 from k0 (4 B per row less). */
  k1: Uint32Array | null;
  flags: Uint8Array;
}

/**
 * Everything a sweep reads per sorted position, gathered once per result (the gathers in ranking
 * order are random reads, dearer than the kernel's own work for a handful of resamples) and kept
 * in shared memory, so that every thread and every range of resamples reads them in place.
 */
export interface SimdRows {
  n: number;
  /** Sum channels per row (0: no per-row channel). */
  K: number;
  /** The control sweep: control ranking order (store order without a walk). */
  c: SweepRows;
  /** Its sum channels, tile by tile from the top, each tile channel-major: tile [a, a + len) at K·a. */
  xs: Float64Array;
  /** Tiles (numbered from the top) with count cells beyond the joint table (out-of-range probabilities, rare). */
  live: Uint8Array;
  /** The treatment walk's sweep, or null. */
  t: SweepRows | null;
  /** The control sweep's order (null: store order), for the rare live tiles' features. */
  order: Uint32Array | null;
  /** The seed word the kernel derives k1 with (when the sweeps hold no k1). */
  s1: number;
  /**
   * Non-null when the row ids are consecutive, `base` + store row, all below 2^32 (a replay in
   * order): the sweeps then hold store rows instead of keys, and the kernel derives the keys, with
   * `c0` (the first key's salt for a zero high word). 8 B per row less than two key arrays, and no
   * gather of keys in ranking order.
   */
  index: { base: number; c0: number } | null;
}

/** The tiles of n sorted positions from the top down: tile `t` is [a, a + len). */
function forTiles(n: number, visit: (a: number, len: number, t: number) => void): void {
  for (let end = n, t = 0; end > 0; end -= TILE, t++) {
    const a = Math.max(0, end - TILE);
    visit(a, end - a, t);
  }
}

/**
 * Every stored row's keys (poisson-weights.ts fillRowKeys), in store order: with `withK1` each
 * row's two words side by side (a gather in ranking order then reads one cache line per row, not
 * two), else the first word only (half the array the gathers read at random).
 */
function storeKeys(seed: number, rowIds: Float64Array, n: number, withK1: boolean): Uint32Array {
  const stride = withK1 ? 2 : 1;
  const kp = new Uint32Array(stride * n);
  const k0 = new Uint32Array(TILE),
    k1 = new Uint32Array(TILE);
  for (let a = 0; a < n; a += TILE) {
    const len = Math.min(TILE, n - a);
    fillRowKeys(seed, rowIds.subarray(a, a + len), len, k0, k1);
    for (let i = 0; i < len; i++) {
      kp[stride * (a + i)] = k0[i]!;
      if (withK1) kp[2 * (a + i) + 1] = k1[i]!;
    }
  }
  return kp;
}

/**
 * The first row id when the ids are the consecutive integers base, base + 1, … and all below 2^32
 * (the kernel can then derive every key from a store row); else null.
 */
function consecutiveBase(rowIds: Float64Array, n: number): number | null {
  if (n === 0) return null;
  const base = rowIds[0]!;
  if (!Number.isInteger(base) || base < 0 || base + n - 1 >= 2 ** 32) return null;
  for (let i = 1; i < n; i++) if (rowIds[i] !== base + i) return null;
  return base;
}

/**
 * Keys (from {@link storeKeys}) and walk flags of the rows in `order` (null: store order); k1 only
 * when `withK1`.
 */
function sweepRows(kp: Uint32Array, n: number, order: Uint32Array | null, flags: Uint8Array, withK1: boolean): SweepRows {
  const stride = withK1 ? 2 : 1;
  const k0 = sharedArray(Uint32Array, n),
    k1 = withK1 ? sharedArray(Uint32Array, n) : null;
  for (let j = 0; j < n; j++) {
    const row = order === null ? j : order[j]!;
    const a = kp[stride * row]!;
    // lowbias32's first step distributes over k0 ^ q: the kernel takes both halves pre-shifted.
    k0[j] = a ^ (a >>> 16);
    if (k1 !== null) k1[j] = kp[2 * row + 1]!;
  }
  return { k0, k1, flags };
}

/**
 * The rows at sorted positions [a, a + len) of a binary ranking into `valid`: the control score
 * from its tie group's value (sequential reads), the label from the positive flags, and only the
 * treatment score gathered through the order.
 */
function rankedTile(treatment: Float32Array | Float64Array, r: Ranking, pos: Uint8Array, a: number, len: number, valid: ValidRows): void {
  const ge = r.groupEnd,
    gv = r.groupValue,
    order = r.order,
    vc = valid.control,
    vt = valid.treatment,
    vl = valid.label!;
  // The first group ending after a (binary search), then forward.
  let lo = 0,
    hi = r.groups - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ge[mid]! > a) hi = mid;
    else lo = mid + 1;
  }
  let g = lo;
  valid.n = len;
  for (let i = 0; i < len; i++) {
    const j = a + i;
    while (ge[g]! <= j) g++;
    vc[i] = gv[g]!;
    vt[i] = treatment[order[j]!]!;
    vl[i] = pos[j]!;
  }
}

/**
 * Gather, once, what the sweeps of any resample range read (see {@link SimdRows}). The control
 * sweep runs in the control ranking's order (store order when `rc` is null) and carries the
 * per-row channels; the treatment sweep only its walk. With a walk the task is binary (one score
 * per row, labels 0/1).
 */
export function prepareSimdRows(
  store: StoredRows & { rowIds: Float64Array },
  seed: number,
  family: MetricFamily | null,
  rc: { ranking: Ranking; pos: Uint8Array } | null,
  rt: { ranking: Ranking; pos: Uint8Array } | null,
): SimdRows {
  const n = store.n;
  const K = family === null ? 0 : family.layout.sums;
  const order = rc?.ranking.order ?? null;
  const [s0, s1] = seedWords(seed);
  const base = consecutiveBase(store.rowIds, n);
  const cFlags = rc === null ? sharedArray(Uint8Array, n) : walkFlags(rc.ranking, rc.pos);
  const tFlags = rt === null ? null : walkFlags(rt.ranking, rt.pos);
  let c: SweepRows, t: SweepRows | null;
  if (base !== null) {
    // The rankings' orders (shared) are the sweeps' rows as they stand.
    c = { k0: order, k1: null, flags: cFlags };
    t = rt === null ? null : { k0: rt.ranking.order, k1: null, flags: tFlags! };
  } else {
    // Row ids are in ascending (canonical) order: below 2^32 when the last one is.
    const withK1 = n > 0 && store.rowIds[n - 1]! >= 2 ** 32;
    const kp = storeKeys(seed, store.rowIds, n, withK1);
    c = sweepRows(kp, n, order, cFlags, withK1);
    t = rt === null ? null : sweepRows(kp, n, rt.ranking.order, tFlags!, withK1);
  }
  const xs = sharedArray(Float64Array, K * n);
  const live = sharedArray(Uint8Array, Math.ceil(n / TILE));
  if (family !== null) {
    const valid = tileRows(store.width, store.label !== null);
    const rows = new Uint32Array(TILE),
      ids = new Float64Array(TILE);
    // Only for its slot scan (prepareWeighted): which tiles have count cells beyond the joint table.
    const scan = new ReplicaBank(family.layout, 1);
    forTiles(n, (a, len, tile) => {
      if (rc === null) {
        gatherIds(store.rowIds, null, a, len, rows, ids);
        gatherRows(store, rows, len, valid);
      } else rankedTile(store.treatment, rc.ranking, rc.pos, a, len, valid);
      const f = family.features(valid);
      for (let ch = 0; ch < K; ch++) xs.set(f.sums.subarray(ch * f.rows, ch * f.rows + len), K * a + ch * len);
      live[tile] = +scan.prepareWeighted(f, len);
    });
  }
  return { n, K, c, xs, live, t, order, s1, index: base === null ? null : { base, c0: lowbias32(s0) } };
}

/** Float64 rows of one tile, as a family's `features` reads them. */
function tileRows(width: number, labelled: boolean): ValidRows {
  return {
    n: 0,
    width,
    control: new Float64Array(TILE * width),
    treatment: new Float64Array(TILE * width),
    label: labelled ? new Float64Array(TILE) : null,
  };
}

/**
 * Sweep resamples r0..r1-1 (keys `q[r - 1]`) over the prepared rows: the control (or store-order)
 * sweep with its walk and the per-row channels, then the treatment walk's sweep.
 */
export function simdSweeps(
  p: SimdRows,
  store: StoredRows & { rowIds: Float64Array },
  family: MetricFamily | null,
  seed: number,
  q: Uint32Array,
  r0: number,
  r1: number,
  out: SimdSweepOut,
): void {
  // Blocks of four resamples, VISIT at a time (the kernel visits each row once per 4 · VISIT resamples).
  const R = r1 - r0,
    nb = VISIT * Math.ceil(R / (4 * VISIT)),
    n = p.n,
    K = p.K;
  const kern = instantiate();
  // Memory: per-tile arrays, then the per-block areas.
  let at = 0;
  const take = (bytes: number): number => {
    const ptr = at;
    at += Math.ceil(bytes / 16) * 16;
    return ptr;
  };
  const k0p = take(4 * TILE),
    k1p = take(4 * TILE),
    flp = take(TILE),
    wsp = take(16 * VISIT * TILE),
    xp = take(8 * TILE * Math.max(1, K)),
    qp = take(16 * nb),
    stCp = take(STATE * nb),
    stTp = take(STATE * nb),
    accp = take(32 * nb * Math.max(1, K));
  const need = Math.ceil(at / 65536) - kern.memory.buffer.byteLength / 65536;
  if (need > 0) kern.memory.grow(need);
  const mem = kern.memory.buffer;
  new Uint8Array(mem, 0, at).fill(0);
  const k0 = new Uint32Array(mem, k0p, TILE),
    k1 = new Uint32Array(mem, k1p, TILE),
    fl = new Uint8Array(mem, flp, TILE),
    xs = new Float64Array(mem, xp, TILE * Math.max(1, K));
  const qs = new Uint32Array(mem, qp, 4 * nb);
  for (let i = 0; i < R; i++) qs[i] = q[r0 + i - 1]! ^ (q[r0 + i - 1]! >>> 16);
  // The kernel's key mode: 2, both keys from store rows; 1, k1 from k0; 0, both stored.
  const derive = (s: SweepRows): number => (p.index !== null ? 2 : +(s.k1 === null));
  const base = p.index?.base ?? 0,
    c0 = p.index?.c0 ?? 0;
  const load = (s: SweepRows, a: number, len: number): void => {
    if (s.k0 !== null) k0.set(s.k0.subarray(a, a + len));
    else for (let i = 0; i < len; i++) k0[i] = a + i;
    if (s.k1 !== null) k1.set(s.k1.subarray(a, a + len));
    fl.set(s.flags.subarray(a, a + len));
  };

  // Control (or store-order) sweep: weights, the control walk, the per-row channels.
  forTiles(n, (a, len, tile) => {
    load(p.c, a, len);
    if (K > 0) xs.set(p.xs.subarray(K * a, K * (a + len)));
    if (p.live[tile] !== 0 && family !== null) liveCounts(p, store, family, seed, q, r0, R, a, len, out.bank);
    kern.walk(len, k0p, k1p, flp, qp, nb, stCp, wsp, xp, K, accp, p.s1, derive(p.c), base, c0);
  });
  const st = new Int32Array(mem, stCp, (STATE / 4) * nb);
  copyTotals(st, new Float64Array(mem, accp, 4 * nb * Math.max(1, K)), R, K, out.bank);
  if (out.stC !== null) copyWalk(st, new Float64Array(mem, stCp, (STATE / 8) * nb), R, out.stC);

  const t = p.t;
  if (t !== null && out.stT !== null) {
    forTiles(n, (a, len) => {
      load(t, a, len);
      kern.walk(len, k0p, k1p, flp, qp, nb, stTp, wsp, xp, 0, accp, p.s1, derive(t), base, c0);
    });
    copyWalk(new Int32Array(mem, stTp, (STATE / 4) * nb), new Float64Array(mem, stTp, (STATE / 8) * nb), R, out.stT);
  }
}

/**
 * A tile with count cells beyond the joint table (an out-of-range probability: rare): its features
 * again, and those cells from the same weights the kernel draws.
 */
function liveCounts(
  p: SimdRows,
  store: StoredRows & { rowIds: Float64Array },
  family: MetricFamily,
  seed: number,
  q: Uint32Array,
  r0: number,
  R: number,
  a: number,
  len: number,
  bank: ReplicaBank,
): void {
  const rows = new Uint32Array(len),
    ids = new Float64Array(len),
    k0 = new Uint32Array(len),
    k1 = new Uint32Array(len),
    w = new Uint8Array(len);
  const valid = tileRows(store.width, store.label !== null);
  gatherIds(store.rowIds, p.order, a, len, rows, ids);
  fillRowKeys(seed, ids, len, k0, k1);
  gatherRows(store, rows, len, valid);
  const f = family.features(valid);
  bank.prepareWeighted(f, len);
  for (let i = 0; i < R; i++) {
    fillWeights(k0, k1, len, q[r0 + i - 1]!, w);
    bank.addWeightedSlots(i, f, len, w);
  }
}

/** Each resample's total weight and channel sums from the kernel's blocks into the bank. */
function copyTotals(st: Int32Array, acc: Float64Array, R: number, K: number, bank: ReplicaBank): void {
  for (let i = 0; i < R; i++) {
    const b = i >> 2,
      lane = i & 3;
    bank.W[i] = st[32 * b + lane]!;
    for (let c = 0; c < K; c++) bank.sums[i * K + c] = acc[(b * K + c) * 4 + lane]!;
  }
}

/** Kernel state (int32 / f64 views of the same blocks) → the scalar engine's WALK layout. */
function copyWalk(st: Int32Array, sf: Float64Array, R: number, dst: Float64Array): void {
  for (let i = 0; i < R; i++) {
    const b = i >> 2,
      lane = i & 3;
    dst[WALK * i] = st[32 * b + 4 + lane]!; // cumPos
    dst[WALK * i + 1] = st[32 * b + lane]!; // cumAll
    dst[WALK * i + 4] = sf[16 * b + 8 + lane]!; // S
    dst[WALK * i + 5] = sf[16 * b + 12 + lane]!; // ap
  }
}
