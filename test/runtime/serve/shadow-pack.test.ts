/**
 * The main thread's pack of answered batches for the shadow arm's thread (shadow-pack.ts): whatever the sequence of
 * answered and refused batches, its items carry, row for row and in order, what one item per batch carried before
 * (arm, reason, ordinal, client id, every input and compared output), in items of one arm and layout of at most
 * `maxRows` answered rows, their numeric data in one buffer that moves to the worker.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Arm } from '../../../runtime/serve/arm-plans.ts';
import { own, ShadowPack } from '../../../runtime/serve/shadow-pack.ts';
import type { ShadowItem } from '../../../runtime/serve/shadow-protocol.ts';
import type { Tensor } from '../../../stdlib/types.ts';

type Reason = NonNullable<ShadowItem['unpaired']>;
type Op =
  | { kind: 'answered'; arm: Arm; n: number; labelled: boolean; clientIds: boolean[] }
  | { kind: 'refused'; arm: Arm; reason: Reason; n: number; clientIds: boolean[] };

/** One row as the shadow sees it, whatever item carries it. */
interface Row {
  arm: Arm;
  unpaired: ShadowItem['unpaired'];
  rowId: number;
  id: string | null;
  inputs: Record<string, unknown[]> | null;
  values: Record<string, unknown[]> | null;
}

/** Row r of a tensor, as plain values. */
function rowOf(t: Tensor, r: number): unknown[] {
  const w = t.dims[0] === 0 ? 0 : t.data.length / t.dims[0]!;
  return Array.from(t.data as ArrayLike<unknown> as unknown[]).slice(r * w, (r + 1) * w);
}

function rowsOf(items: readonly ShadowItem[]): Row[] {
  const rows: Row[] = [];
  for (const item of items)
    for (let r = 0; r < item.rowIds.length; r++) {
      const pick = (ts: Record<string, Tensor | undefined> | null): Record<string, unknown[]> | null => {
        if (ts === null) return null;
        const o: Record<string, unknown[]> = {};
        for (const name in ts) o[name] = ts[name] === undefined ? ['absent'] : rowOf(ts[name]!, r);
        return o;
      };
      rows.push({
        arm: item.arm,
        unpaired: item.unpaired,
        rowId: item.rowIds[r]!,
        id: item.ids === null ? null : item.ids[r]!,
        inputs: pick(item.inputs),
        values: pick(item.values),
      });
    }
  return rows;
}

/**
 * The tensors of a batch of `n` rows from ordinal `first`, as the answers' path holds them: `x` a view into a larger
 * slab (f32[n, 2]), `s` strings, `label` (i64) present or absent; the compared outputs `p` (f32[n]) and `s`.
 */
function tensors(first: number, n: number, labelled: boolean): { inputs: Record<string, Tensor | undefined>; values: Record<string, Tensor> } {
  const slab = new Float32Array(2 * n + 6);
  for (let r = 0; r < n; r++) slab.set([first + r, first + r + 0.5], 4 + 2 * r);
  const s: Tensor = { dtype: 'str', data: Array.from({ length: n }, (_, r) => `r${first + r}`), dims: [n] };
  return {
    inputs: {
      x: { dtype: 'f32', data: slab.subarray(4, 4 + 2 * n), dims: [n, 2] },
      s,
      label: labelled ? { dtype: 'i64', data: BigInt64Array.from({ length: n }, (_, r) => BigInt(first + r)), dims: [n] } : undefined,
    },
    values: { p: { dtype: 'f32', data: Float32Array.from({ length: n }, (_, r) => (first + r) * 2), dims: [n] }, s },
  };
}

const arm = fc.constantFrom<Arm>('control', 'treatment');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('answered' as const),
    arm,
    n: fc.integer({ min: 1, max: 5 }),
    labelled: fc.boolean(),
    clientIds: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  }),
  fc.record({
    kind: fc.constant('refused' as const),
    arm,
    reason: fc.constantFrom<Reason>('shed', 'starved', 'dropped', 'stopped'),
    n: fc.integer({ min: 1, max: 5 }),
    clientIds: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  }),
);

/** Run the ops through a pack (taken after every `every` ops) and, as before, one item per batch. */
function run(
  ops: readonly Op[],
  maxRows: number,
  every: number,
): { packed: ShadowItem[]; messages: ShadowItem[][]; transfers: ArrayBuffer[][]; before: ShadowItem[] } {
  const pack = new ShadowPack(maxRows);
  const packed: ShadowItem[] = [];
  const messages: ShadowItem[][] = [];
  const transfers: ArrayBuffer[][] = [];
  const before: ShadowItem[] = [];
  let next = 0;
  ops.forEach((o, k) => {
    const first = next;
    next += o.n;
    const rowIds = Float64Array.from({ length: o.n }, (_, r) => first + r);
    const ids = o.clientIds.slice(0, o.n).some((c) => c) ? o.clientIds.slice(0, o.n).map((c, r) => (c ? `id-${first + r}` : null)) : null;
    if (o.kind === 'answered') {
      const { inputs, values } = tensors(first, o.n, o.labelled);
      pack.add(o.arm, o.n, rowIds, ids, inputs, values);
      before.push({
        arm: o.arm,
        rowIds: rowIds.slice(),
        ids,
        inputs: tensors(first, o.n, o.labelled).inputs,
        values: tensors(first, o.n, o.labelled).values,
        unpaired: null,
      });
      // The answers' buffers are theirs again once the batch is given: the pack copied what it needs.
      (inputs.x!.data as Float32Array).fill(-1);
      (values.p!.data as Float32Array).fill(-1);
    } else {
      pack.refuse(o.arm, o.reason, rowIds, ids);
      before.push({ arm: o.arm, rowIds: rowIds.slice(), ids, inputs: null, values: null, unpaired: o.reason });
    }
    rowIds.fill(-1);
    if ((k + 1) % every === 0 && !pack.empty) {
      const t = pack.take();
      packed.push(...t.items);
      messages.push(t.items);
      transfers.push(t.transfer);
    }
  });
  if (!pack.empty) {
    const t = pack.take();
    packed.push(...t.items);
    messages.push(t.items);
    transfers.push(t.transfer);
  }
  return { packed, messages, transfers, before };
}

describe('the shadow pack', () => {
  it('carries every row as one item per batch did, in order, in items of one arm and layout within the bound', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.integer({ min: 5, max: 12 }), fc.integer({ min: 1, max: 8 }), (ops, maxRows, every) => {
        const { packed, messages, before } = run(ops, maxRows, every);
        expect(rowsOf(packed)).toEqual(rowsOf(before));
        for (const item of packed) {
          if (item.unpaired === null) expect(item.rowIds.length).toBeLessThanOrEqual(maxRows);
          for (const ts of [item.inputs, item.values])
            for (const name in ts ?? {}) if (ts![name] !== undefined) expect(ts![name]!.dims[0]).toBe(item.rowIds.length);
        }
        // Consecutive refused batches of one arm and reason in a message are one item (one label-store batch in the worker).
        for (const items of messages)
          for (let k = 1; k < items.length; k++)
            if (items[k]!.unpaired !== null) expect(items[k - 1]!.unpaired === items[k]!.unpaired && items[k - 1]!.arm === items[k]!.arm).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('lays every numeric column of a message in one buffer, which moves to the worker', () => {
    const { packed, transfers } = run(
      [
        { kind: 'answered', arm: 'control', n: 2, labelled: false, clientIds: [false, true, false, false, false] },
        { kind: 'answered', arm: 'control', n: 3, labelled: true, clientIds: [false, false, false, false, false] },
        { kind: 'refused', arm: 'control', reason: 'shed', n: 2, clientIds: [false, false, false, false, false] },
        { kind: 'answered', arm: 'control', n: 1, labelled: true, clientIds: [false, false, false, false, false] },
      ],
      64,
      100,
    );
    expect(packed.map((i) => [i.rowIds.length, i.unpaired])).toEqual([
      [2, null],
      [3, null],
      [2, 'shed'],
      [1, null],
    ]);
    expect(transfers).toHaveLength(1);
    const [buffer] = transfers[0]!;
    for (const item of packed) {
      expect(item.rowIds.buffer).toBe(buffer);
      for (const ts of [item.inputs, item.values])
        for (const t of Object.values(ts ?? {})) if (t !== undefined && !Array.isArray(t.data)) expect(t.data.buffer).toBe(buffer);
    }
    const sent = rowsOf(packed);
    const moved = structuredClone({ items: packed }, { transfer: transfers[0]! });
    expect(buffer!.byteLength).toBe(0); // moved, not copied
    expect(rowsOf(moved.items)).toEqual(sent);
    expect(Array.from(moved.items[1]!.inputs!.label!.data as BigInt64Array)).toEqual([2n, 3n, 4n]);
    // What the worker keeps of the answering arm's outputs holds its own buffer, not the message's.
    const kept = own(moved.items[1]!.values!.p!);
    expect(Array.from(kept.data as Float32Array)).toEqual([4, 6, 8]);
    expect((kept.data as Float32Array).byteLength).toBe((kept.data as Float32Array).buffer.byteLength);
  });
});
