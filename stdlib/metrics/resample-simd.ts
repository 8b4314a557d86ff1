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
import type { ReplicaBank } from './replica-bank.ts';
import { groupOpens, type Ranking } from './ranking.ts';
import { fillRowKeys, fillWeights } from './poisson-weights.ts';
import { gatherIds, gatherRows, TILE } from './resample-tiles.ts';
import type { StoredRows } from './ranking-context.ts';

/** Bytes of walk state per block of four resamples (see the .wat). */
const STATE = 128;
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
  const out = new Uint8Array(r.n);
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
 * Sweep resamples r0..r1-1 (keys `q[r - 1]`). The control sweep runs in the control ranking's order
 * (store order when `rc` is null) and carries the per-row channels; the treatment sweep only its walk.
 */
export function simdSweeps(
  store: StoredRows & { rowIds: Float64Array },
  seed: number,
  family: MetricFamily | null,
  rc: { ranking: Ranking; pos: Uint8Array } | null,
  rt: { ranking: Ranking; pos: Uint8Array } | null,
  q: Uint32Array,
  r0: number,
  r1: number,
  out: SimdSweepOut,
): void {
  // Blocks of four resamples, in pairs (the kernel visits each row once per eight resamples).
  const R = r1 - r0,
    nb = 2 * Math.ceil(R / 8),
    n = store.n;
  const K = family === null ? 0 : family.layout.sums;
  const kern = instantiate();
  // Memory: per-tile arrays, then the per-block areas.
  let at = 0;
  const take = (bytes: number): number => {
    const p = at;
    at += Math.ceil(bytes / 16) * 16;
    return p;
  };
  const k0p = take(4 * TILE),
    k1p = take(4 * TILE),
    flp = take(TILE),
    wsp = take(32 * TILE),
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
  for (let i = 0; i < R; i++) qs[i] = q[r0 + i - 1]!;

  const ids = new Float64Array(TILE),
    rows = new Uint32Array(TILE);
  const flagsC = rc === null ? null : walkFlags(rc.ranking, rc.pos);
  const k = store.width;
  const valid: ValidRows | null =
    family === null
      ? null
      : {
          n: 0,
          width: k,
          control: new Float64Array(TILE * k),
          treatment: new Float64Array(TILE * k),
          label: store.label === null ? null : new Float64Array(TILE),
        };
  const wbuf = new Uint8Array(TILE);

  // Control (or store-order) sweep: weights, the control walk, the per-row channels.
  const order = rc?.ranking.order ?? null;
  for (let end = n; end > 0; end -= TILE) {
    const a = Math.max(0, end - TILE),
      len = end - a;
    gatherIds(store.rowIds, order, a, len, rows, ids);
    fillRowKeys(seed, ids, len, k0, k1);
    if (flagsC === null) fl.fill(0, 0, len);
    else fl.set(flagsC.subarray(a, end));
    let liveCounts = false;
    if (family !== null && valid !== null) {
      gatherRows(store, rows, len, valid);
      const f = family.features(valid);
      for (let c = 0; c < K; c++) xs.set(f.sums.subarray(c * f.rows, c * f.rows + len), c * len);
      liveCounts = out.bank.prepareWeighted(f, len);
      if (liveCounts) {
        // Rare (an out-of-range probability in the tile): the extra count cells, from the same weights.
        for (let i = 0; i < R; i++) {
          fillWeights(k0, k1, len, q[r0 + i - 1]!, wbuf);
          out.bank.addWeightedSlots(i, f, len, wbuf);
        }
      }
    }
    kern.walk(len, k0p, k1p, flp, qp, nb, stCp, wsp, xp, K, accp);
  }
  const st = new Int32Array(mem, stCp, (STATE / 4) * nb);
  copyTotals(st, new Float64Array(mem, accp, 4 * nb * Math.max(1, K)), R, K, out.bank);
  if (out.stC !== null) copyWalk(st, new Float64Array(mem, stCp, (STATE / 8) * nb), R, out.stC);

  if (rt !== null && out.stT !== null) {
    const flagsT = walkFlags(rt.ranking, rt.pos);
    const orderT = rt.ranking.order;
    for (let end = n; end > 0; end -= TILE) {
      const a = Math.max(0, end - TILE),
        len = end - a;
      gatherIds(store.rowIds, orderT, a, len, rows, ids);
      fillRowKeys(seed, ids, len, k0, k1);
      fl.set(flagsT.subarray(a, end));
      kern.walk(len, k0p, k1p, flp, qp, nb, stTp, wsp, xp, 0, accp);
    }
    copyWalk(new Int32Array(mem, stTp, (STATE / 4) * nb), new Float64Array(mem, stTp, (STATE / 8) * nb), R, out.stT);
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
