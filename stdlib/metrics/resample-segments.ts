/**
 * The SIMD sweeps' per-row channels, gathered a segment at a time (resample-simd.ts).
 *
 * The sweeps walk tiles of {@link TILE} sorted positions from the top down; a segment is
 * {@link SEGMENT_TILES} consecutive tiles. A thread gathers a segment's channels (the control score
 * from its tie group, the treatment score through the order, the label from the walk flags, then
 * the family's per-row features) when it first sweeps the segment, and keeps only the segment it
 * last gathered: the bootstrap's memory no longer grows with the rows (it was 8 B per row and
 * channel for the whole store, 32 B per row with log loss and Brier). Every resample range then
 * sweeps the segments in order, so the values — and their summation order — are those of one
 * sweep over all the tiles.
 */
import type { MetricFamily, ValidRows } from './metric-family.ts';
import type { Ranking } from './ranking.ts';
import type { StoredRows } from './ranking-context.ts';
import { ReplicaBank } from './replica-bank.ts';
import { gatherIds, gatherRows, TILE, type RowIds } from './resample-tiles.ts';
import { phasesOn } from '../phase-log.ts';

/**
 * Tiles per segment: 64K rows, 2 MB of channels with log loss and Brier — small next to the rows,
 * large enough that a range's state is saved and restored (a few KB) rarely.
 */
export const SEGMENT_TILES = 32;

/** Segments of n sorted positions. */
export function segmentCount(n: number): number {
  return Math.ceil(Math.ceil(n / TILE) / SEGMENT_TILES);
}

/**
 * The tiles of segment `s` of n sorted positions, from the top down: tile `t` (numbered from the
 * top, as in the whole sweep) is [a, a + len).
 */
export function forSegmentTiles(n: number, s: number, visit: (a: number, len: number, t: number) => void): void {
  const t1 = Math.min(Math.ceil(n / TILE), (s + 1) * SEGMENT_TILES);
  for (let t = s * SEGMENT_TILES; t < t1; t++) {
    const end = n - t * TILE,
      a = Math.max(0, end - TILE);
    visit(a, end - a, t);
  }
}

/** The lowest sorted position of segment `s` of n. */
function segmentLow(n: number, s: number): number {
  return Math.max(0, n - (s + 1) * SEGMENT_TILES * TILE);
}

/** One segment's gathered channels. */
export interface SegmentRows {
  s: number;
  /**
   * Sum channels, tile by tile, each tile channel-major: tile [a, a + len) at K · (a − low). In the
   * caller's area when it gave one ({@link segmentRows}; `inArea`): a view made at the gather, which
   * the area's owner may have detached since (a WebAssembly memory grown) — it reads the area itself.
   */
  xs: Float64Array;
  /** True when `xs` was gathered into the caller's area. */
  inArea: boolean;
  /** Per tile of the segment: count cells beyond the joint table (out-of-range probabilities, rare). */
  live: Uint8Array;
  /** The segment's lowest sorted position. */
  low: number;
}

/** What a segment's gather reads. */
export interface SegmentSource {
  store: StoredRows;
  family: MetricFamily | null;
  /** The control ranking (null: store order), and its walk flags (bit 0: positive). */
  rc: Ranking | null;
  flags: Uint8Array;
  /** The row ids, for store-order tiles. */
  rowIds: RowIds;
}

const TIMED = phasesOn();

/**
 * This thread's segments so far (the M4_PHASES log prints them): `gathered` by this thread, and the
 * milliseconds spent getting segments, gathered or copied (only with the log on).
 */
export const gatherStats = { gathered: 0, ms: 0 };

/** The segment this thread gathered last, for the sweeps of `key` (kept for the next range that sweeps it). */
let cached: { key: object; rows: SegmentRows } | null = null;

/**
 * Segment `s`'s channels for the sweeps `key` (their prepared rows): gathered now, or the ones this
 * thread gathered last when they are those. `area(length)`: where to gather them (the SIMD kernel's
 * own memory, which it then reads in place: no copy per tile and range); the caller keeps that area
 * for this cache alone — every sweep asks for its segments here, so a gather by other sweeps (which
 * overwrites the area) always replaces the cached segment first.
 */
export function segmentRows(
  key: object,
  src: SegmentSource,
  s: number,
  area?: (length: number) => Float64Array,
  ring?: SegmentRing,
  wait?: RingWait,
): SegmentRows {
  if (cached !== null && cached.key === key && cached.rows.s === s && cached.rows.inArea === (area !== undefined)) return cached.rows;
  const t0 = TIMED ? performance.now() : 0;
  const rows = ring !== undefined && area !== undefined ? fromRing(ring, wait, src, s, area) : ownGather(src, s, area);
  if (TIMED) gatherStats.ms += performance.now() - t0;
  cached = { key, rows };
  return rows;
}

/**
 * The segments' channels shared by the threads of one bootstrap job (resample-pool.ts): each segment is
 * gathered once, into this ring, and every thread that sweeps it copies it into its own area, instead
 * of each thread gathering every segment (a random read of the treatment scores and, with log loss, two
 * logarithms per row: ~0.1 s of CPU per 1M rows and thread). The values are the same bits whoever
 * gathered them. Two slots, segment s in slot s mod 2: the first thread to take segment s also gathers
 * s + 1 into the other slot, while the threads run their chunks of s — so the next segment is usually
 * ready when they get to it. A thread that finds its segment's slot already holding a later segment (it
 * fell behind), or the thread gathering it gone, gathers for itself.
 */
export interface SegmentRing {
  /** Int32 per slot: the tag (−1 empty, 2s gathering segment s, 2s + 1 segment s ready), then the threads copying it now. */
  words: SharedArrayBuffer;
  /** Per slot: the channels as gathered into an area (K · (a − low) + ch · len for tile [a, a + len)), then the live flag per tile. */
  data: SharedArrayBuffer;
  /** Doubles of channels per slot (K sum channels × a segment's positions). */
  slotDoubles: number;
}

/** What a thread checks while it waits for another's gather. */
export interface RingWait {
  /** Throws when the job is over (cancelled, a thread failed). */
  check(): void;
  /** False once a thread that may be gathering is gone: the waiting thread then gathers for itself. */
  alive(): boolean;
}

/** A slot's tag once a thread was ended while copying from it: above every segment's, so nobody takes it again. */
const CLOSED = 0x7fffffff;

/** A ring for the segments of sweeps with `K` ≥ 1 sum channels. */
export function segmentRing(K: number): SegmentRing {
  const words = new SharedArrayBuffer(16);
  const w = new Int32Array(words);
  w[0] = w[2] = -1;
  const slotDoubles = K * SEGMENT_TILES * TILE;
  return { words, data: new SharedArrayBuffer(2 * (8 * slotDoubles + SEGMENT_TILES)), slotDoubles };
}

/** Segment `s` of the sweeps through `ring` into this thread's `area`, then the next one gathered ahead (see {@link SegmentRing}). */
function fromRing(ring: SegmentRing, wait: RingWait | undefined, src: SegmentSource, s: number, area: (length: number) => Float64Array): SegmentRows {
  const rows = takeFromRing(ring, wait, src, s, area);
  if (s + 1 < segmentCount(src.store.n)) {
    const w = new Int32Array(ring.words);
    const tag = Atomics.load(w, 2 * ((s + 1) & 1));
    if (tag < 2 * (s + 1) && (tag & 1) !== 0) publish(ring, wait, src, s + 1, tag);
  }
  return rows;
}

/** The slot of segment `s`: its channels' doubles and its live flags. */
function slotOf(ring: SegmentRing, s: number): { xs: Float64Array; live: Uint8Array } {
  const bytes = 8 * ring.slotDoubles + SEGMENT_TILES,
    at = (s & 1) * bytes;
  return { xs: new Float64Array(ring.data, at, ring.slotDoubles), live: new Uint8Array(ring.data, at + 8 * ring.slotDoubles, SEGMENT_TILES) };
}

function takeFromRing(
  ring: SegmentRing,
  wait: RingWait | undefined,
  src: SegmentSource,
  s: number,
  area: (length: number) => Float64Array,
): SegmentRows {
  const w = new Int32Array(ring.words);
  const i = 2 * (s & 1);
  for (;;) {
    const tag = Atomics.load(w, i);
    if (tag === 2 * s + 1) {
      // Counted as copying before the tag is read again: a thread that takes the slot over for a later
      // segment waits for the count to fall to 0 before it writes.
      Atomics.add(w, i + 1, 1);
      try {
        if (Atomics.load(w, i) === tag) {
          const slot = slotOf(ring, s);
          const xs = area(ring.slotDoubles);
          xs.set(slot.xs.subarray(0, xs.length));
          return { s, xs, live: slot.live.slice(), low: segmentLow(src.store.n, s), inArea: true };
        }
      } finally {
        Atomics.sub(w, i + 1, 1);
        Atomics.notify(w, i + 1);
      }
      continue;
    }
    if (tag === 2 * s) {
      wait?.check();
      if (Atomics.wait(w, i, tag, 100) === 'timed-out' && wait?.alive() === false) return ownGather(src, s, area);
      continue;
    }
    // The slot holds a later segment (this thread fell behind), or another thread is still writing an
    // earlier one into it: rare; this thread gathers for itself.
    if (tag > 2 * s + 1 || (tag & 1) === 0) return ownGather(src, s, area);
    publish(ring, wait, src, s, tag);
  }
}

/**
 * Gather segment `s` into its slot, if the slot still has tag `tag` (an older segment ready, or −1:
 * never a slot another thread is writing) when this thread takes it; else nothing (another thread took it).
 */
function publish(ring: SegmentRing, wait: RingWait | undefined, src: SegmentSource, s: number, tag: number): void {
  const w = new Int32Array(ring.words);
  const i = 2 * (s & 1);
  if (Atomics.compareExchange(w, i, tag, 2 * s) !== tag) return;
  // The threads still copying the segment this slot held finish first (a copy takes well under a
  // millisecond). One that never does was ended under its copy: the slot is then closed for good (every
  // thread gathers the segments it maps for itself), for a live copier must never see it overwritten.
  for (let r = Atomics.load(w, i + 1); r !== 0; r = Atomics.load(w, i + 1))
    if (Atomics.wait(w, i + 1, r, 10) === 'timed-out' && wait?.alive() === false) {
      Atomics.store(w, i, CLOSED);
      Atomics.notify(w, i);
      return;
    }
  try {
    const slot = slotOf(ring, s);
    gatherStats.gathered++;
    const rows = gatherSegment(src, s, null, (length) => slot.xs.subarray(0, length));
    slot.live.set(rows.live);
  } catch (err) {
    // Nobody waits for a gather that will not come: the slot is empty again.
    Atomics.store(w, i, -1);
    Atomics.notify(w, i);
    throw err;
  }
  Atomics.store(w, i, 2 * s + 1);
  Atomics.notify(w, i);
}

/** Forget the cached segment (at the end of a result: its buffers and what it keeps alive are let go). */
export function releaseSegments(): void {
  cached = null;
}

function ownGather(src: SegmentSource, s: number, area?: (length: number) => Float64Array): SegmentRows {
  gatherStats.gathered++;
  return gatherSegment(src, s, cached?.rows ?? null, area);
}

function gatherSegment(src: SegmentSource, s: number, reuse: SegmentRows | null, area?: (length: number) => Float64Array): SegmentRows {
  const { store, family, rc } = src;
  const n = store.n,
    K = family === null ? 0 : family.layout.sums;
  const size = SEGMENT_TILES * TILE;
  const xs =
    area !== undefined ? area(K * size) : reuse !== null && !reuse.inArea && reuse.xs.length === K * size ? reuse.xs : new Float64Array(K * size);
  const live = reuse !== null ? reuse.live : new Uint8Array(SEGMENT_TILES);
  live.fill(0);
  const low = segmentLow(n, s);
  if (family !== null) {
    const valid = tileRows(store.width, store.label !== null);
    const rows = new Uint32Array(TILE),
      ids = new Float64Array(TILE);
    // Only for its slot scan (prepareWeighted): which tiles have count cells beyond the joint table.
    const scan = new ReplicaBank(family.layout, 1);
    forSegmentTiles(n, s, (a, len, t) => {
      if (rc === null) {
        gatherIds(src.rowIds, null, a, len, rows, ids);
        gatherRows(store, rows, len, valid);
      } else rankedTile(store.treatment, rc, src.flags, a, len, valid);
      const f = family.features(valid);
      for (let ch = 0; ch < K; ch++) xs.set(f.sums.subarray(ch * f.rows, ch * f.rows + len), K * (a - low) + ch * len);
      live[t - s * SEGMENT_TILES] = +scan.prepareWeighted(f, len);
    });
  }
  return { s, xs, live, low, inArea: area !== undefined };
}

/**
 * The rows at sorted positions [a, a + len) of a binary ranking into `valid`: the control score
 * from its tie group's value (sequential reads), the label from the walk flags' positive bit, and
 * only the treatment score gathered through the order.
 */
function rankedTile(treatment: Float32Array | Float64Array, r: Ranking, flags: Uint8Array, a: number, len: number, valid: ValidRows): void {
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
    vl[i] = flags[j]! & 1;
  }
}

/** Float64 rows of one tile, as a family's `features` reads them. */
export function tileRows(width: number, labelled: boolean): ValidRows {
  return {
    n: 0,
    width,
    control: new Float64Array(TILE * width),
    treatment: new Float64Array(TILE * width),
    label: labelled ? new Float64Array(TILE) : null,
  };
}
