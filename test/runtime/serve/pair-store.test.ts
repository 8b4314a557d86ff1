/**
 * PairStore, the label store kept as columns of a ring: against a plain list of entries in time order (the
 * same rules written the obvious way), for random sequences of puts (ids may repeat), feedback deletes, label
 * marks and time steps — every lookup, miss reason, size and eviction count agrees, through the ring's wrap
 * and growth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairStore, type PairKey, type StoredBatch } from '../../../runtime/serve/pair-store.ts';

type Op =
  | { kind: 'put'; ids: number[]; columns: boolean }
  | { kind: 'delete'; id: number; num: boolean }
  | { kind: 'label'; id: number; num: boolean }
  | { kind: 'tick'; ms: number }
  | { kind: 'sweep' };

/** The reference: entries in insertion order, holes where one left, the same TTL / capacity / 2× capacity rules. */
class Reference {
  entries: ({ id: PairKey; at: number; rowId: number; row: number; batch: StoredBatch; labelled: number } | null)[] = [];
  gone = new Map<PairKey, string>();
  evicted = 0;
  expired = 0;
  replaced = 0;
  constructor(
    readonly ttl: number,
    readonly capacity: number,
    readonly tombstones: number,
    readonly now: () => number,
  ) {}

  get live(): number {
    return this.entries.filter((e) => e !== null).length;
  }

  private trim(): void {
    while (this.entries.length > 0 && this.entries[0] === null) this.entries.shift();
  }

  private evictHead(reason: 'expired' | 'evicted'): void {
    this.trim();
    const e = this.entries.shift()!;
    this.trim();
    this.gone.set(e.id, reason);
    if (this.gone.size > this.tombstones) this.gone.delete(this.gone.keys().next().value!);
    if (reason === 'expired') this.expired++;
    else this.evicted++;
  }

  find(id: PairKey): number {
    return this.entries.findIndex((e) => e !== null && e.id === id);
  }

  put(batch: StoredBatch, rows: { id: string; rowId: number; fresh: boolean }[]): void {
    rows.forEach(({ id: text, rowId, fresh }, r) => {
      // A fresh row (a generated id) is keyed by its ordinal.
      const id = fresh ? rowId : text;
      // An id put again replaces its entry, counted.
      if (this.find(id) >= 0) this.replaced++;
      this.delete(id);
      this.gone.delete(id);
      if (this.entries.length === this.capacity * 2) this.evictHead('evicted');
      this.entries.push({ id, at: this.now(), rowId, row: r, batch, labelled: 0 });
    });
    this.sweep();
  }

  delete(id: PairKey): void {
    const k = this.find(id);
    if (k >= 0) this.entries[k] = null;
    this.trim();
  }

  sweep(): void {
    this.trim();
    while (this.entries.length > 0) {
      if (this.entries[0]!.at <= this.now() - this.ttl) this.evictHead('expired');
      else if (this.live > this.capacity) this.evictHead('evicted');
      else break;
    }
  }
}

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('put' as const), ids: fc.array(fc.nat(60), { minLength: 1, maxLength: 6 }), columns: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.nat(60), num: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('label' as const), id: fc.nat(60), num: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
);

describe('PairStore', () => {
  it('agrees with the plain list of entries on every lookup, miss reason, size, eviction and replacement', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 700 }), fc.integer({ min: 5, max: 200 }), fc.array(op, { maxLength: 400 }), (capacity, ttl, ops) => {
        let clock = 0;
        const now = (): number => clock;
        const counts = { expired: 0, evicted: 0, replaced: 0 };
        const store = new PairStore({ ttlMs: ttl, capacity, tombstones: 50, now, onEvict: (r) => counts[r]++ });
        const ref = new Reference(ttl, capacity, 50, now);
        let rowId = 0;
        const used = new Set<number>();
        // id i → the ordinal its fresh row was keyed by (its later puts are keyed by the text, as a client's id is).
        const ordinal = new Map<number, number>();
        const key = (i: number, num: boolean): PairKey => (num && ordinal.has(i) ? ordinal.get(i)! : `id${i}`);
        for (const o of ops) {
          if (o.kind === 'put') {
            const batch: StoredBatch = { control: {}, treatment: null, unpaired: null, early: null };
            // An id never put before may say so (`fresh`, as the server's generated ids do): nothing changes.
            const rows = o.ids.map((i) => ({ id: `id${i}`, rowId: rowId++, fresh: !used.has(i) && o.ids.indexOf(i) === o.ids.lastIndexOf(i) }));
            for (const r of rows) if (r.fresh) ordinal.set(Number(r.id.slice(2)), r.rowId);
            for (const i of o.ids) used.add(i);
            // The same rows as columns (the shadow's thread stores them so: no object per row).
            if (o.columns)
              store.putColumns(
                batch,
                Float64Array.from(rows, (r) => r.rowId),
                rows.some((r) => !r.fresh) ? rows.map((r) => (r.fresh ? null : r.id)) : null,
              );
            else store.put(batch, rows);
            ref.put(batch, rows);
          } else if (o.kind === 'delete') {
            store.delete(key(o.id, o.num));
            ref.delete(key(o.id, o.num));
          } else if (o.kind === 'label') {
            store.markLabelled(key(o.id, o.num), 1);
            const k = ref.find(key(o.id, o.num));
            if (k >= 0) ref.entries[k]!.labelled = 1;
          } else if (o.kind === 'tick') clock += o.ms;
          else {
            store.sweep();
            ref.sweep();
          }
          expect(store.size).toBe(ref.live);
        }
        expect(counts).toEqual({ expired: ref.expired, evicted: ref.evicted, replaced: ref.replaced });
        for (const id of [...Array.from({ length: 61 }, (_, i) => `id${i}`), ...ordinal.values()]) {
          const k = ref.find(id);
          const got = store.get(id);
          if (k < 0) {
            expect(got).toBeUndefined();
            expect(store.missReason(id)).toBe(ref.gone.get(id) ?? 'unknown');
          } else {
            const e = ref.entries[k]!;
            expect(got).toEqual({ rowId: e.rowId, row: e.row, batch: e.batch, labelled: e.labelled });
            expect(got!.batch).toBe(e.batch);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('wraps and grows: 5,000 rows through a store of 300, every one found until evicted, the oldest evicted first', () => {
    const evicted: string[] = [];
    const store = new PairStore({ ttlMs: 1e9, capacity: 300, tombstones: 5000, onEvict: () => evicted.push('x') });
    for (let b = 0; b < 1000; b++) {
      const batch: StoredBatch = { control: {}, treatment: null, unpaired: null, early: null };
      store.put(
        batch,
        Array.from({ length: 5 }, (_, r) => ({ id: `r${b * 5 + r}`, rowId: b * 5 + r })),
      );
      // Feedback consumes every third row at once.
      if (b % 3 === 0) store.delete(`r${b * 5}`);
    }
    expect(store.size).toBe(299); // the last batch's first row was consumed after its put
    expect(store.get('r4999')).toMatchObject({ rowId: 4999, row: 4 });
    expect(store.get('r4700')).toBeDefined();
    expect(store.get('r4000')).toBeUndefined();
    expect(store.missReason('r4000')).toBe('evicted');
    expect(evicted.length).toBe(5000 - 299 - 334);
  });
});
