/**
 * The binary bootstrap's row sweeps on the WebAssembly SIMD kernel (wasm/bootstrap-walk.wat): eight
 * resamples per lane group (one 32-bit word per pair of resamples, its halves compared as i16x8),
 * the weights drawn and the AUROC/AUPRC walks and per-row sums computed with exactly the operations, in exactly the order, of resample-engine.ts's scalar sweeps — so the
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
import { gatherIds, gatherRows, rowIdAt, TILE, type RowIds } from './resample-tiles.ts';
import { forSegmentTiles, SEGMENT_TILES, tileRows, type SegmentRows } from './resample-segments.ts';
import type { ResampleStore } from './resample-engine.ts';

/** Bytes of walk state per block of four resamples (see the .wat). */
const STATE = 128;
/** Blocks of four resamples that share each visit of a row: the .wat is generated for it (scripts/gen-bootstrap-walk.mjs BLOCKS). */
export const VISIT = 8;
/** Walk state per resample in the scalar engine's layout: cumPos, cumAll, tp, fp, S, ap. */
export const WALK = 6;
// The kernel keeps cumAll's growth over a tile in int16 lanes: a tile's weights (≤ 8 per row) must fit.
if (TILE * 8 >= 2 ** 15) throw new Error("resample-simd: a tile of TILE rows overflows the kernel's int16 totals");

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

let instance: Kernel | null = null;

/**
 * This thread's instance of the kernel (compiled and instantiated once per thread; a range sets up
 * the part of its memory it uses, and ranges run one after another).
 */
function kernel(): Kernel {
  compiled ??= new WASM.Module(Buffer.from(WASM_BASE64, 'base64'));
  if (instance === null) {
    const e = new WASM.Instance(compiled).exports as unknown as Kernel;
    instance = { memory: e.memory, walk: e.walk };
  }
  return instance;
}

/**
 * True when the SIMD sweep serves this layout and store: per-row channels are sums and count cells
 * only, and every walk total (≤ 8 · n per lane, doubled) fits an int32 lane.
 */
export function simdSweepApplies(layout: { maxes: number; vars: number }, n: number): boolean {
  return layout.maxes === 0 && layout.vars === 0 && n > 0 && n * 16 < 2 ** 31;
}

/**
 * The walk flags of a ranking, by sorted position: bit 0 positive; bit 1 the lowest position of a
 * tie group holding a positive; bit 2 its highest position (the descending walk's first row). Into
 * `out`, which may be `pos` itself: {@link prepareSimdRows} marks the ranking's positive flags in
 * place (1 B per row and ranking less — the main job's peak memory), so their readers take bit 0.
 */
export function walkFlags(r: Ranking, pos: Uint8Array, out: Uint8Array = sharedArray(Uint8Array, r.n)): Uint8Array {
  // (In shared memory: every thread's sweeps read them in place.)
  let start = 0;
  for (let g = 0; g < r.groups; g++) {
    const end = r.groupEnd[g]!;
    let any = 0;
    for (let j = start; j < end; j++) {
      const p = pos[j]! & 1;
      out[j] = p;
      any |= p;
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
 * The keys and walk flags a sweep reads per sorted position, prepared once per result (the gathers
 * in ranking order are random reads, dearer than the kernel's own work for a handful of resamples)
 * and kept in shared memory, so that every thread and every range of resamples reads them in place.
 * The per-row channels are gathered a segment at a time by each thread (resample-segments.ts).
 */
export interface SimdRows {
  n: number;
  /** Sum channels per row (0: no per-row channel). */
  K: number;
  /** The control sweep: control ranking order (store order without a walk). */
  c: SweepRows;
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

/**
 * Every stored row's keys (poisson-weights.ts fillRowKeys), in store order: with `withK1` each
 * row's two words side by side (a gather in ranking order then reads one cache line per row, not
 * two), else the first word only (half the array the gathers read at random).
 */
function storeKeys(seed: number, rowIds: RowIds, n: number, withK1: boolean): Uint32Array {
  const stride = withK1 ? 2 : 1;
  const kp = new Uint32Array(stride * n);
  const k0 = new Uint32Array(TILE),
    k1 = new Uint32Array(TILE),
    rows = new Uint32Array(TILE),
    ids = new Float64Array(TILE);
  for (let a = 0; a < n; a += TILE) {
    const len = Math.min(TILE, n - a);
    gatherIds(rowIds, null, a, len, rows, ids);
    fillRowKeys(seed, ids, len, k0, k1);
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
function consecutiveBase(rowIds: RowIds, n: number): number | null {
  if (n === 0) return null;
  const base = rowIdAt(rowIds, 0);
  if (!Number.isInteger(base) || base < 0 || base + n - 1 >= 2 ** 32) return null;
  if (rowIds instanceof Float64Array) for (let i = 1; i < n; i++) if (rowIds[i] !== base + i) return null;
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
    // k1 with each half's top bit flipped: the kernel compares the halves as signed numbers.
    if (k1 !== null) k1[j] = (kp[2 * row + 1]! ^ 0x80008000) >>> 0;
  }
  return { k0, k1, flags };
}

/**
 * Prepare, once, the keys and walk flags the sweeps of any resample range read (see
 * {@link SimdRows}). The control sweep runs in the control ranking's order (store order when `rc`
 * is null) and carries the per-row channels (`family`'s, gathered per segment); the treatment sweep
 * only its walk. With a walk the task is binary (one score per row, labels 0/1).
 */
export function prepareSimdRows(
  store: ResampleStore,
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
  // In the rankings' positive flags, in place when they are shared (they are the sort's), so that the
  // bootstrap adds no byte per row and ranking: their readers (DeLong and the curves, under way on the
  // main thread when the resamples start early; the slices' cut) read bit 0.
  const marks = (s: { ranking: Ranking; pos: Uint8Array }): Uint8Array =>
    walkFlags(s.ranking, s.pos, s.pos.buffer instanceof SharedArrayBuffer ? s.pos : sharedArray(Uint8Array, n));
  const cFlags = rc === null ? sharedArray(Uint8Array, n) : marks(rc);
  const tFlags = rt === null ? null : marks(rt);
  let c: SweepRows, t: SweepRows | null;
  if (base !== null) {
    // The rankings' orders (shared) are the sweeps' rows as they stand.
    c = { k0: order, k1: null, flags: cFlags };
    t = rt === null ? null : { k0: rt.ranking.order, k1: null, flags: tFlags! };
  } else {
    // Row ids are in ascending (canonical) order: below 2^32 when the last one is.
    const withK1 = n > 0 && rowIdAt(store.rowIds, n - 1) >= 2 ** 32;
    const kp = storeKeys(seed, store.rowIds, n, withK1);
    c = sweepRows(kp, n, order, cFlags, withK1);
    t = rt === null ? null : sweepRows(kp, n, rt.ranking.order, tFlags!, withK1);
  }
  return { n, K, c, t, order, s1, index: base === null ? null : { base, c0: lowbias32(s0) } };
}

/**
 * A range of resamples r0..r1-1 (1-based; pair keys `q`, poisson-weights.ts resampleKeys) swept
 * over the prepared rows, a segment at a time ({@link run}): the control (or store-order) sweep with its walk and the per-row channels, then
 * the treatment walk's sweep. Its state between segments — the kernel's walk states and channel
 * accumulators, and the bank's count cells beyond the joint table — can be {@link save saved} and
 * {@link load loaded} on another thread: a range continued anywhere gives the same bits.
 */
export class SimdRange {
  private readonly kern: Kernel;
  private readonly R: number;
  /**
   * The kernel's lane of the range's first resample: 1 when it is the odd half of its pair (the
   * kernel starts at the pair, and the even resample's lane is left unread).
   */
  private readonly lane0: number;
  private readonly nb: number;
  private readonly at: Record<'k0' | 'k1' | 'fl' | 'ws' | 'x' | 'q' | 'stC' | 'stT' | 'acc' | 'end', number>;
  /** Bytes at the start of the kernel's memory that hold a segment's channels. */
  private readonly area: number;

  constructor(
    private readonly p: SimdRows,
    private readonly store: ResampleStore,
    private readonly family: MetricFamily | null,
    private readonly seed: number,
    private readonly q: Uint32Array,
    private readonly r0: number,
    r1: number,
    private readonly bank: ReplicaBank,
  ) {
    // Blocks of four resamples, VISIT at a time (the kernel visits each row once per 4 · VISIT resamples).
    const R = (this.R = r1 - r0),
      lane0 = (this.lane0 = (r0 - 1) & 1),
      nb = (this.nb = VISIT * Math.ceil((R + lane0) / (4 * VISIT))),
      K = p.K;
    this.kern = kernel();
    // Memory: the segment's channels (gathered there: the kernel reads them in place), per-tile
    // arrays, then the per-block areas (the state: stC to the end, contiguous).
    let at = (this.area = 8 * K * SEGMENT_TILES * TILE);
    const take = (bytes: number): number => {
      const ptr = at;
      at += Math.ceil(bytes / 16) * 16;
      return ptr;
    };
    this.at = {
      k0: take(4 * TILE),
      k1: take(4 * TILE),
      fl: take(TILE),
      // The visit's weights, 2 B per resample and row (i16x8 per word).
      ws: take(8 * VISIT * TILE),
      x: take(8 * TILE * Math.max(1, K)),
      q: take(16 * nb),
      stC: take(STATE * nb),
      stT: take(STATE * nb),
      acc: take(32 * nb * Math.max(1, K)),
      end: 0,
    };
    this.at.end = at;
    const need = Math.ceil(at / 65536) - this.kern.memory.buffer.byteLength / 65536;
    if (need > 0) this.kern.memory.grow(need);
    const mem = this.kern.memory.buffer;
    new Uint8Array(mem, this.at.q, at - this.at.q).fill(0);
    // The pair keys from the first resample's pair on, pre-shifted (lowbias32's first step).
    const qs = new Uint32Array(mem, this.at.q, 2 * nb),
      j0 = (r0 - 1) >> 1;
    for (let j = 0; j < Math.ceil((R + lane0) / 2); j++) qs[j] = q[j0 + j]! ^ (q[j0 + j]! >>> 16);
  }

  /**
   * Bytes of {@link save}'d state of `R` resamples with K channels and C count cells per resample
   * (enough whichever half of its pair the first resample is).
   */
  static stateBytes(R: number, K: number, C: number): number {
    const nb = VISIT * Math.ceil((R + 1) / (4 * VISIT));
    return 2 * STATE * nb + 32 * nb * Math.max(1, K) + 8 * R * C;
  }

  /** The state (walk states, accumulators, the bank's count cells) into `into` ({@link stateBytes} long). */
  save(into: Uint8Array): void {
    const k = this.at.end - this.at.stC;
    into.set(new Uint8Array(this.kern.memory.buffer, this.at.stC, k));
    into.set(new Uint8Array(this.bank.counts.buffer, this.bank.counts.byteOffset, this.bank.counts.byteLength), k);
  }

  /** The state {@link save}d by a range of the same resamples (on any thread). */
  load(from: Uint8Array): void {
    const k = this.at.end - this.at.stC;
    new Uint8Array(this.kern.memory.buffer, this.at.stC, k).set(from.subarray(0, k));
    new Uint8Array(this.bank.counts.buffer, this.bank.counts.byteOffset, this.bank.counts.byteLength).set(
      from.subarray(k, k + this.bank.counts.byteLength),
    );
  }

  /**
   * Where segments are gathered for this range (resample-segments.ts `segmentRows`): the start of
   * the kernel's memory, a fresh view each time (a grown memory detaches the old ones).
   */
  readonly channelArea = (length: number): Float64Array => new Float64Array(this.kern.memory.buffer, 0, Math.min(length, this.area / 8));

  /** Sweep segment `seg` (its channels gathered: `rows`, into {@link channelArea} or elsewhere) for every resample of the range. */
  run(seg: number, rows: SegmentRows): void {
    const { p, kern, at } = this;
    const K = p.K,
      n = p.n,
      mem = kern.memory.buffer;
    const k0 = new Uint32Array(mem, at.k0, TILE),
      k1 = new Uint32Array(mem, at.k1, TILE),
      fl = new Uint8Array(mem, at.fl, TILE),
      xs = new Float64Array(mem, at.x, TILE * Math.max(1, K));
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
    forSegmentTiles(n, seg, (a, len, tile) => {
      load(p.c, a, len);
      // The tile's channels where the gather put them, or copied in.
      let xp = at.x;
      if (K > 0 && rows.inArea) xp = 8 * K * (a - rows.low);
      else if (K > 0) xs.set(rows.xs.subarray(K * (a - rows.low), K * (a - rows.low + len)));
      if (rows.live[tile - seg * SEGMENT_TILES] !== 0 && this.family !== null) this.liveCounts(a, len);
      kern.walk(len, at.k0, at.k1, at.fl, at.q, this.nb, at.stC, at.ws, xp, K, at.acc, p.s1, derive(p.c), base, c0);
    });
    const t = p.t;
    if (t !== null)
      forSegmentTiles(n, seg, (a, len) => {
        load(t, a, len);
        kern.walk(len, at.k0, at.k1, at.fl, at.q, this.nb, at.stT, at.ws, at.x, 0, at.acc, p.s1, derive(t), base, c0);
      });
  }

  /** After the last segment: each resample's total weight and sums into the bank, the walks' states into `out`. */
  finish(out: SimdSweepOut): void {
    const { R, nb, at, lane0 } = this,
      K = this.p.K,
      mem = this.kern.memory.buffer;
    const st = new Int32Array(mem, at.stC, (STATE / 4) * nb);
    copyTotals(st, new Float64Array(mem, at.acc, 4 * nb * Math.max(1, K)), R, lane0, K, out.bank);
    if (out.stC !== null) copyWalk(st, new Float64Array(mem, at.stC, (STATE / 8) * nb), R, lane0, out.stC);
    if (out.stT !== null && this.p.t !== null)
      copyWalk(new Int32Array(mem, at.stT, (STATE / 4) * nb), new Float64Array(mem, at.stT, (STATE / 8) * nb), R, lane0, out.stT);
  }

  /**
   * A tile with count cells beyond the joint table (an out-of-range probability: rare): its features
   * again, and those cells from the same weights the kernel draws.
   */
  private liveCounts(a: number, len: number): void {
    const { store, family, seed, q, r0, R, bank } = this;
    const rows = new Uint32Array(len),
      ids = new Float64Array(len),
      k0 = new Uint32Array(len),
      k1 = new Uint32Array(len),
      w = new Uint8Array(len);
    const valid = tileRows(store.width, store.label !== null);
    gatherIds(store.rowIds, this.p.order, a, len, rows, ids);
    fillRowKeys(seed, ids, len, k0, k1);
    gatherRows(store, rows, len, valid);
    const f = family!.features(valid);
    bank.prepareWeighted(f, len);
    for (let i = 0; i < R; i++) {
      fillWeights(k0, k1, len, q, r0 + i - 1, w);
      bank.addWeightedSlots(i, f, len, w);
    }
  }
}

/**
 * Each resample's total weight and channel sums from the kernel's blocks (resample i at the
 * kernel's lane i + lane0) into the bank. The kernel
 * sums the negated terms (its weights are negative: see the .wat), so each sum is 0 − its total:
 * the same bits as the sum of the terms (rounding to nearest is symmetric, and a zero total comes
 * out +0, as the sum of the terms from +0 does).
 */
function copyTotals(st: Int32Array, acc: Float64Array, R: number, lane0: number, K: number, bank: ReplicaBank): void {
  for (let i = 0; i < R; i++) {
    const b = (i + lane0) >> 2,
      lane = (i + lane0) & 3;
    bank.W[i] = st[32 * b + lane]!;
    for (let c = 0; c < K; c++) bank.sums[i * K + c] = 0 - acc[(b * K + c) * 4 + lane]!;
  }
}

/** Kernel state (int32 / f64 views of the same blocks; resample i at lane i + lane0) → the scalar engine's WALK layout. */
function copyWalk(st: Int32Array, sf: Float64Array, R: number, lane0: number, dst: Float64Array): void {
  for (let i = 0; i < R; i++) {
    const b = (i + lane0) >> 2,
      lane = (i + lane0) & 3;
    dst[WALK * i] = st[32 * b + 4 + lane]!; // cumPos
    dst[WALK * i + 1] = st[32 * b + lane]!; // cumAll
    dst[WALK * i + 4] = sf[16 * b + 8 + lane]!; // S
    dst[WALK * i + 5] = sf[16 * b + 12 + lane]!; // ap
  }
}
