/**
 * Per-slice accumulation: one point-estimate replica bank per distinct `slice_by` value.
 *
 * The state keeps up to {@link sliceStateCap} distinct values; which ones the report shows is
 * decided only at result time (most rows first, then by name), so it does not depend on the order
 * rows arrived in or on how a replay was sharded. Values beyond the state cap go to an overflow bank
 * that the report folds into `(other)`; only then can the choice depend on row order, and the
 * result says so (`overflowed`).
 */
import { ReplicaBank, type BankLayout, type BankState, type BatchFeatures } from './replica-bank.ts';
import type { SlicesState } from './comparison-types.ts';
import { OVERFLOW_SLICE } from './row-store.ts';
import { MetricsStateError } from './state-codec.ts';

/** Distinct slice values kept in state: 10 × maxSlices, at least 1000. */
export function sliceStateCap(maxSlices: number): number {
  return Math.max(1000, 10 * maxSlices);
}

export class SliceTable {
  readonly names: string[] = [];
  readonly banks: ReplicaBank[] = [];
  private readonly index = new Map<string, number>();
  overflow: ReplicaBank | null = null;
  overflowed = false;

  constructor(
    readonly layout: BankLayout,
    readonly cap: number,
  ) {}

  /** Slice index of each name (new names registered; beyond the cap: {@link OVERFLOW_SLICE}). */
  assign(names: readonly string[], n: number, out: Uint32Array): void {
    for (let i = 0; i < n; i++) out[i] = this.indexOf(names[i]!);
  }

  private indexOf(name: string): number {
    const s = String(name);
    let at = this.index.get(s);
    if (at !== undefined) return at;
    if (this.names.length >= this.cap) {
      this.overflowed = true;
      return OVERFLOW_SLICE;
    }
    at = this.names.length;
    this.names.push(s);
    this.index.set(s, at);
    this.banks.push(new ReplicaBank(this.layout, 1));
    return at;
  }

  /** Add feature rows 0..n-1 to the bank of their slice. */
  add(f: BatchFeatures, slice: Uint32Array, n: number): void {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const s = slice[i]!;
      let g = groups.get(s);
      if (g === undefined) {
        g = [];
        groups.set(s, g);
      }
      g.push(i);
    }
    for (const [s, rows] of groups) {
      const bank = s === OVERFLOW_SLICE ? (this.overflow ??= new ReplicaBank(this.layout, 1)) : this.banks[s]!;
      bank.add(f, Uint32Array.from(rows), rows.length);
    }
  }

  /** Merge another table; returns the map from the other's slice indices to this table's. */
  merge(o: SliceTable): Uint32Array {
    const map = new Uint32Array(o.names.length);
    for (let i = 0; i < o.names.length; i++) {
      const at = this.indexOf(o.names[i]!);
      map[i] = at;
      if (at === OVERFLOW_SLICE) (this.overflow ??= new ReplicaBank(this.layout, 1)).merge(o.banks[i]!);
      else this.banks[at]!.merge(o.banks[i]!);
    }
    if (o.overflow !== null) (this.overflow ??= new ReplicaBank(this.layout, 1)).merge(o.overflow);
    if (o.overflowed) this.overflowed = true;
    return map;
  }

  toState(): SlicesState {
    return {
      names: [...this.names],
      banks: this.banks.map((b) => b.toState()),
      overflow: this.overflow === null ? null : this.overflow.toState(),
      overflowed: this.overflowed,
    };
  }

  static fromState(layout: BankLayout, cap: number, s: SlicesState): SliceTable {
    if (s === null || typeof s !== 'object' || !Array.isArray(s.names) || !Array.isArray(s.banks) || s.names.length !== s.banks.length) {
      throw new MetricsStateError('slices state: names and banks do not match');
    }
    const t = new SliceTable(layout, Math.max(cap, s.names.length));
    s.names.forEach((name, i) => {
      if (typeof name !== 'string' || t.index.has(name)) throw new MetricsStateError('slices state: bad or duplicate slice name');
      t.names.push(name);
      t.index.set(name, i);
      t.banks.push(ReplicaBank.fromState(layout, s.banks[i] as BankState));
    });
    t.overflow = s.overflow === null ? null : ReplicaBank.fromState(layout, s.overflow);
    t.overflowed = s.overflowed === true;
    return t;
  }
}
