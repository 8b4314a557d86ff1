import { describe, expect, it } from 'vitest';
import { OVERFLOW_SLICE, overflowIn, RowStore } from '../../../stdlib/metrics/row-store.ts';
import { createComparison, type Comparison } from '../../../stdlib/metrics/comparison.ts';
import type { ComparisonSpec } from '../../../stdlib/metrics/comparison-types.ts';
import { batchOf, specFor, synthesize } from './support/synthetic.ts';

/** `n` binary rows with ids `ids`, slice indices `slice` (null: none). */
function rows(ids: number[], slice: number[] | null): [Parameters<RowStore['append']>[0], Float64Array, Uint32Array | null] {
  const n = ids.length;
  const valid = {
    n,
    width: 1,
    control: Float64Array.from(ids, (i) => (i % 10) / 10),
    treatment: Float64Array.from(ids, (i) => (i % 7) / 8),
    label: Float64Array.from(ids, (i) => i % 2),
  };
  return [valid, Float64Array.from(ids), slice === null ? null : Uint32Array.from(slice)];
}

/** The logical slice index of each stored row (OVERFLOW_SLICE for the overflow). */
function slices(st: RowStore): number[] {
  const a = st.slice!,
    over = overflowIn(a);
  return Array.from(a.subarray(0, st.n), (s) => (s === over ? OVERFLOW_SLICE : s));
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describe('row store compact forms', () => {
  it('keeps consecutive ids as one number, and stores them once a gap arrives', () => {
    const st = new RowStore(1, 'binary', false, 4);
    st.append(...rows(range(5, 12), null), true);
    st.append(...rows(range(12, 3000), null), true);
    expect(Array.from(st.rowIds())).toEqual(range(5, 3000));
    st.append(...rows([3001, 3000, 4000], null), true);
    const want = [...range(5, 3000), 3001, 3000, 4000];
    expect(Array.from(st.rowIds())).toEqual(want);
    // Canonical order sorts by id; the scores follow their rows.
    st.canonicalize();
    expect(Array.from(st.rowIds())).toEqual([...want].sort((a, b) => a - b));
    expect(st.scores('control')[st.n - 3]).toBe(Math.fround(0));
    expect(st.scores('control')[st.n - 2]).toBe(Math.fround(0.1));
    const back = RowStore.fromState(1, 'binary', false, JSON.parse(JSON.stringify(st.toState())));
    expect(back.toState()).toEqual(st.toState());
  });

  it('stores slice indices in the narrowest type, widening when an index needs it, the overflow kept apart', () => {
    const st = new RowStore(1, 'binary', true, 8);
    const first = [0, 3, OVERFLOW_SLICE, 254, 1];
    st.append(...rows(range(0, 5), first), true);
    expect(st.slice).toBeInstanceOf(Uint8Array);
    const second = [255, OVERFLOW_SLICE, 70000, 2];
    st.append(...rows(range(5, 7), second.slice(0, 2)), true);
    expect(st.slice).toBeInstanceOf(Uint16Array);
    st.append(...rows(range(7, 9), second.slice(2)), true);
    expect(st.slice).toBeInstanceOf(Uint32Array);
    expect(slices(st)).toEqual([...first, ...second]);
    const back = RowStore.fromState(1, 'binary', true, JSON.parse(JSON.stringify(st.toState())));
    expect(slices(back)).toEqual([...first, ...second]);
    expect(back.toState()).toEqual(st.toState());
  });

  it('merges ids and slices through the other store’s map', () => {
    const a = new RowStore(1, 'binary', true);
    a.append(...rows([0, 2, 4], [0, 1, OVERFLOW_SLICE]), true);
    const b = new RowStore(1, 'binary', true);
    b.append(...rows([1, 3], [0, 1]), true);
    a.merge(b, Uint32Array.of(1, 300));
    expect(Array.from(a.rowIds())).toEqual([0, 2, 4, 1, 3]);
    expect(slices(a)).toEqual([0, 1, OVERFLOW_SLICE, 1, 300]);
    const empty = RowStore.fromState(1, 'binary', true, JSON.parse(JSON.stringify(new RowStore(1, 'binary', true).toState())));
    expect(empty.n).toBe(0);
    expect(Array.from(empty.rowIds())).toEqual([]);
    // A restored store takes more rows (its decoded arrays are exactly full).
    for (const restored of [empty, RowStore.fromState(1, 'binary', true, JSON.parse(JSON.stringify(a.toState())))]) {
      const before = restored.n;
      restored.append(...rows([10], [2]), true);
      restored.append(...rows([11], [3]), true);
      expect(restored.n).toBe(before + 2);
      expect(Array.from(restored.rowIds()).slice(-2)).toEqual([10, 11]);
      expect(slices(restored).slice(-2)).toEqual([2, 3]);
    }
  });

  it('grows in place once large: the same buffers, every row kept, through widening slices and a gap in the ids', () => {
    const st = new RowStore(1, 'binary', true);
    const big = 1 << 17,
      step = 5000;
    let at = 0;
    const buffers = (): ArrayBufferLike[] => [st.control.buffer, st.treatment.buffer, st.label!.buffer];
    let seen: ArrayBufferLike[] | null = null,
      cap = 0,
      inPlace = 0;
    while (at < 3 * big) {
      const ids = range(at, at + step);
      // Slice indices above 255 from the middle on (the slice array widens to 16 bits, by copying).
      st.append(
        ...rows(
          ids,
          ids.map((i) => (i < big ? i % 7 : 300 + (i % 3))),
        ),
        true,
      );
      at += step;
      // Each growth past the first large capacity keeps the buffers (their byteLength grows).
      if (st.capacity > cap && cap > 1 << 16) {
        const now = buffers();
        if (now.every((b, i) => b === seen![i])) inPlace++;
      }
      if (st.capacity > cap) [cap, seen] = [st.capacity, buffers()];
    }
    // A gap: the ids are stored from now on, in a growable array too.
    st.append(...rows([at + 10, at + 11], [1, 2]), true);
    for (let i = 0; i < 4; i++)
      st.append(
        ...rows(
          range(at + 20 + i * step, at + 20 + (i + 1) * step),
          range(0, step).map(() => 1),
        ),
        true,
      );
    // 65,536 → 131,072 → 262,144 → 524,288 rows: the last two in place.
    expect(inPlace).toBe(2);
    expect(st.control.buffer.byteLength).toBe(4 * st.capacity);
    expect(st.control.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(st.n).toBe(at + 2 + 4 * step);
    const ids = st.rowIds();
    expect(ids[0]).toBe(0);
    expect(ids[at - 1]).toBe(at - 1);
    expect(ids[at]).toBe(at + 10);
    expect(ids[st.n - 1]).toBe(at + 20 + 4 * step - 1);
    const c = st.scores('control'),
      t = st.scores('treatment');
    for (const i of [0, 1, big - 1, big, 2 * big + 3, at - 1]) {
      expect(c[i]).toBe(Math.fround((i % 10) / 10));
      expect(t[i]).toBe(Math.fround((i % 7) / 8));
      expect(st.label![i]).toBe(i % 2);
    }
    const s = slices(st);
    expect(s[big - 1]).toBe((big - 1) % 7);
    expect(s[big]).toBe(300 + (big % 3));
    expect(s[st.n - 1]).toBe(1);
    const back = RowStore.fromState(1, 'binary', true, JSON.parse(JSON.stringify(st.toState())));
    expect(back.toState()).toEqual(st.toState());
  });
});

/**
 * docs/metrics.md ("Accumulators and exact merging") states the row store's bytes per row: both scores
 * as float32 while they are exactly float32 (ONNX models' outputs), the label in the narrowest type of
 * its kind, the slice index in 1 B below 255 slices, and no row id while the ids are consecutive (a
 * replay read in order). Measured here on the store a comparison keeps, fed as `m4c run` feeds it.
 */
describe('memory per row of the store a comparison keeps', () => {
  const perRow = (st: RowStore): number =>
    (st.spent ? 0 : st.control.BYTES_PER_ELEMENT) +
    st.treatment.BYTES_PER_ELEMENT +
    (st.label?.BYTES_PER_ELEMENT ?? 0) +
    (st.slice?.BYTES_PER_ELEMENT ?? 0) +
    (st.consecutiveIds ? 0 : st.rowIds().BYTES_PER_ELEMENT);
  /** Feed `d`'s rows `ids` (indices) in batches of 700, as the executor hands them over. */
  const store = (task: 'binary' | 'multiclass' | 'regression', ids: number[], opts: Partial<ComparisonSpec> = {}, f64 = false): RowStore => {
    const d = synthesize(task, 3000, 5, { classes: 4 });
    const spec = specFor(task, { bootstrap: 10, ...opts });
    const acc = createComparison(spec) as Comparison;
    for (let at = 0; at < ids.length; at += 700) {
      const b = batchOf(d, ids.slice(at, at + 700), spec);
      // Scores computed in float64 (not exactly float32): the store must widen to keep them.
      if (f64) acc.update({ ...b, control: Float64Array.from(b.control, (x) => x + 1e-9), treatment: Float64Array.from(b.treatment) });
      else acc.update(b);
    }
    expect(acc.store!.n).toBe(ids.length);
    return acc.store!;
  };
  const all = range(0, 3000);

  it('a labelled binary replay in order: 9 B per row, 10 B with slices', () => {
    const plain = store('binary', all, { hasSlices: false });
    expect([plain.scoreType, plain.control, plain.label, plain.slice, plain.consecutiveIds]).toEqual([
      'f32',
      expect.any(Float32Array),
      expect.any(Uint8Array),
      null,
      true,
    ]);
    expect(perRow(plain)).toBe(9);
    expect(perRow(store('binary', all, { hasSlices: true }))).toBe(10);
  });

  it('6 B with slices once the run’s last result has ranked the rows: the control scores are spent on its sorts', () => {
    // The fraud example's metrics: the resamples read the control scores from their ranking's tie groups.
    const metrics = ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'auprc', 'log_loss', 'agreement', 'flips_to_positive', 'flips_to_negative'];
    const d = synthesize('binary', 70000, 5);
    const spec = specFor('binary', { bootstrap: 4, metrics, hasSlices: true });
    const acc = createComparison(spec) as Comparison;
    const ids = range(0, d.n);
    for (let at = 0; at < d.n; at += 8192) acc.update(batchOf(d, ids.slice(at, at + 8192), spec));
    expect(perRow(acc.store!)).toBe(10);
    acc.result(true);
    expect([acc.store!.spent, acc.store!.control.length, perRow(acc.store!)]).toEqual([true, 0, 6]);
  });

  it('17 B once the ids are stored (a shard’s interleaved rows), 17 B with float64 scores', () => {
    const shard = store(
      'binary',
      all.filter((i) => i % 3 === 1),
      { hasSlices: false },
    );
    expect(shard.consecutiveIds).toBe(false);
    expect(perRow(shard)).toBe(17);
    const wide = store('binary', all, { hasSlices: false }, true);
    expect([wide.scoreType, perRow(wide)]).toEqual(['f64', 17]);
  });

  it('a class index in 4 B, a regression target in 8 B', () => {
    const mc = store('multiclass', all, { hasSlices: false });
    expect(mc.label).toBeInstanceOf(Uint32Array);
    // Scores: 4 B per element, `width` (the class count) elements per row and model; the label 4 B.
    expect(mc.width).toBe(4);
    expect(perRow(mc)).toBe(2 * 4 + 4);
    const reg = store('regression', all, { hasSlices: false });
    expect(reg.label).toBeInstanceOf(Float64Array);
    expect(perRow(reg)).toBe(2 * 4 + 8);
  });
});

describe('RowStore.toShared / fromShared', () => {
  it('hands the same arrays over (no copy): rows, ids with gaps, slices, f64 scores', () => {
    const st = new RowStore(1, 'binary', true, 4);
    const rows = (c: number[], t: number[], y: number[]) => ({
      n: c.length,
      width: 1,
      control: Float64Array.from(c),
      treatment: Float64Array.from(t),
      label: Float64Array.from(y),
    });
    st.append(rows([0.5, 0.25], [0.75, 1], [1, 0]), new Float64Array([10, 11]), new Uint32Array([0, 1]), false);
    st.append(rows([0.1, 0.3], [0.2, 0.4], [0, 1]), new Float64Array([40, 12]), new Uint32Array([2, 0]), false);
    const back = RowStore.fromShared(st.toShared());
    expect(back.n).toBe(4);
    expect(back.control).toBe(st.control);
    expect(back.slice).toBe(st.slice);
    expect(Array.from(back.rowIds())).toEqual([10, 11, 40, 12]);
    expect(back.toState()).toEqual(st.toState());
    // It grows like the original.
    back.append(rows([1e-9 + 0.5], [0.5], [1]), new Float64Array([13]), new Uint32Array([1]), false);
    expect(back.scoreType).toBe('f64');
    expect(Array.from(back.scores('control'))).toEqual([0.5, 0.25, 0.1, 0.3, 1e-9 + 0.5]);
  });
});
