/**
 * The shadow side of a serving run, on the shadow arm's thread (shadow-worker.ts): each answered batch is
 * stored for feedback and run by the other arm; the two arms' values are paired into the online comparisons;
 * feedback labels are joined to the stored pairs of both arms. Everything that outlives an answer lives here,
 * off the answers' event loop: the batches' entries and tensors, the label store, the pairing.
 */
import type { Tensor } from '../../stdlib/types.ts';
import type { Batch } from '../batch.ts';
import { otherArm, type Arm, type ArmPlan } from './arm-plans.ts';
import type { ArmRunner, ShadowResult } from './arm-runner.ts';
import type { ComparisonsThread } from './comparisons-thread.ts';
import { PairStore, stackRows, type LabelledRow, type PairKey, type RowRef, type StoredBatch } from './pair-store.ts';
import type { FeedbackItem, ShadowItem } from './shadow-protocol.ts';
import { own } from './shadow-pack.ts';
import { rowRange } from './shadow-batches.ts';

/** What the pairing counts (the main thread's metrics, through the stats messages). */
export interface PairingCounts {
  shadowRows(arm: Arm, result: string, n: number): void;
  feedback(result: string, n: number): void;
  compared(comparison: string, kind: 'paired' | 'labelled', n: number): void;
  evicted(reason: 'expired' | 'evicted' | 'replaced'): void;
}

export interface ShadowPairingOptions {
  labelTtlMs: number;
  labelCapacity: number;
  /** The comparisons feedback can label. */
  labelled: ReadonlySet<string>;
  /** Each labelled comparison's label input (comparison → input name). */
  labelOf: ReadonlyMap<string, string>;
  /** Pairs given to the comparisons (for `--window N`). */
  onPairs(rows: number): void;
  /**
   * Pairs the current window still takes (`--window N`: N less those given since it was cut; else Infinity): a
   * batch's pairs are given in parts that fill the window exactly, so a window of N pairs holds N, whatever the
   * shadow's batch sizes.
   */
  windowRoom?(): number;
}

export class ShadowPairing {
  readonly store: PairStore;
  /**
   * The label inputs, each a bit of a stored row's `labelled` (which inputs feedback labelled it for): the row
   * leaves the store once every one is labelled, and a second label for one is a duplicate.
   */
  private readonly labelBits = new Map<string, number>();
  private readonly allLabels: number;

  constructor(
    private readonly arms: ReadonlyMap<Arm, ArmPlan>,
    private readonly runners: ReadonlyMap<Arm, ArmRunner>,
    private readonly online: ComparisonsThread,
    private readonly counts: PairingCounts,
    private readonly opts: ShadowPairingOptions,
  ) {
    this.store = new PairStore({ ttlMs: opts.labelTtlMs, capacity: opts.labelCapacity, onEvict: (reason) => counts.evicted(reason) });
    for (const input of opts.labelOf.values()) if (!this.labelBits.has(input)) this.labelBits.set(input, 2 ** this.labelBits.size);
    if (this.labelBits.size > 31) throw new Error(`${this.labelBits.size} label inputs: at most 31 can be labelled by feedback`);
    this.allLabels = 2 ** this.labelBits.size - 1;
  }

  /** The bits of an item's label inputs (inputs no comparison reads were refused on the main thread). */
  private bitsOf(labels: Readonly<Record<string, RowRef>>): number {
    let bits = 0;
    for (const name of Object.keys(labels)) bits |= this.labelBits.get(name) ?? 0;
    return bits;
  }

  /** An answered batch: store its rows for feedback and queue it for the other arm (unless already given up). */
  answered(item: ShadowItem): void {
    const n = item.rowIds.length;
    // One entry for the batch, shared by its rows (the store keeps no object per row).
    const stored: StoredBatch = { control: null, treatment: null, unpaired: item.unpaired, early: null };
    // The outputs outlive the shadow run (in the store, for feedback): copied out of the message's one buffer.
    let values: Record<string, Tensor> | null = null;
    if (item.values !== null) {
      values = {};
      for (const name in item.values) values[name] = own(item.values[name]!);
    }
    stored[item.arm] = values;
    this.store.putColumns(stored, item.rowIds, item.ids);
    if (item.unpaired !== null || item.inputs === null || values === null) return;
    const lines = new Float64Array(n);
    for (let r = 0; r < n; r++) lines[r] = item.rowIds[r]! + 1;
    const batch: Batch = { rows: n, rowIds: item.rowIds, lines, tensors: item.inputs };
    const shadowArm = otherArm(item.arm);
    const runner = this.runners.get(shadowArm);
    if (runner === undefined) {
      this.afterShadow(item.arm, batch, values, stored, { ok: false, reason: 'stopped' });
      return;
    }
    runner.shadow(batch, (res) => this.afterShadow(item.arm, batch, values, stored, res));
  }

  private afterShadow(primary: Arm, batch: Batch, primaryValues: Record<string, Tensor>, stored: StoredBatch, res: ShadowResult): void {
    const shadowArm = otherArm(primary);
    this.counts.shadowRows(shadowArm, res.ok ? 'ok' : res.reason, batch.rows);
    const early = stored.early;
    stored.early = null;
    if (!res.ok) {
      stored.unpaired = res.reason;
      // Rows labelled while they waited for the pair: their labels can join nothing now.
      if (early !== null)
        for (const l of early) {
          this.counts.feedback('unpaired', 1);
          this.store.delete(l.id);
        }
      return;
    }
    const values = { [primary]: primaryValues, [shadowArm]: res.values } as Record<Arm, Record<string, Tensor>>;
    const control = this.arms.get('control')!;
    const treatment = this.arms.get('treatment')!;
    const n = batch.rows;
    if (n === 0) {
      stored[shadowArm] = res.values;
      if (early !== null) this.addLabelled(early);
    }
    for (let start = 0; start < n;) {
      const take = Math.min(n - start, Math.max(1, this.opts.windowRoom?.() ?? Number.POSITIVE_INFINITY));
      const part = (t: Tensor): Tensor => (take === n ? t : rowRange({ t }, start, take).t!);
      control.comparisons.forEach((c, k) => {
        const slice = c.slice === null || values.control[c.slice] === undefined ? undefined : part(values.control[c.slice]!);
        this.online.addPairs(c.comparison, {
          control: part(values.control[c.side]!),
          treatment: part(values.treatment[treatment.comparisons[k]!.side]!),
          slice,
          rowIds: take === n ? batch.rowIds : batch.rowIds.subarray(start, start + take),
        });
        this.counts.compared(c.comparison, 'paired', take);
      });
      start += take;
      if (start === n) {
        // Labels that came before the pair count in the window its last pairs went to.
        stored[shadowArm] = res.values;
        if (early !== null) this.addLabelled(early);
      }
      this.opts.onPairs(take);
    }
  }

  /** Join feedback labels to the stored rows: the results by reason (`joined`, `pending`, `unknown`, ...). */
  feedback(items: readonly FeedbackItem[]): Record<string, number> {
    this.store.sweep();
    const results: Record<string, number> = {};
    const joined: LabelledRow[] = [];
    for (const item of items) {
      const { labels } = item;
      const bits = this.bitsOf(labels);
      let id: PairKey = item.key;
      let s = this.store.get(id);
      // A client may have sent, as its own x-request-id, an id shaped like a generated one: its row is keyed by the string.
      if (s === undefined && id !== item.id && (s = this.store.get(item.id)) !== undefined) id = item.id;
      let result: string;
      if (s === undefined)
        result = id !== item.id && this.store.missReason(id) === 'unknown' ? this.store.missReason(item.id) : this.store.missReason(id);
      // Any of the item's inputs already labelled (by an earlier request, or an earlier item of this one).
      else if ((s.labelled & bits) !== 0) result = 'duplicate';
      else if (s.batch.unpaired !== null) {
        result = 'unpaired';
        this.store.delete(id);
      } else {
        const l: LabelledRow = { id, rowId: s.rowId, row: s.row, batch: s.batch, labels };
        // Marked until it leaves the store (once every label input is labelled): another label for one of these
        // inputs is a duplicate.
        this.store.markLabelled(id, bits);
        if (s.batch.control !== null && s.batch.treatment !== null) {
          joined.push(l);
          result = 'joined';
        } else {
          // The other arm has not answered yet: joined when it does (afterShadow).
          (s.batch.early ??= []).push(l);
          result = 'pending';
        }
      }
      results[result] = (results[result] ?? 0) + 1;
      if (result !== 'pending' && result !== 'joined') this.counts.feedback(result, 1);
    }
    if (joined.length > 0) this.addLabelled(joined);
    return results;
  }

  /**
   * Complete pairs with labels → the labelled accumulators of the comparisons whose label input each carries; the
   * entries labelled for every label input leave the store.
   */
  private addLabelled(all: LabelledRow[]): void {
    const controlPlan = this.arms.get('control')!;
    const treatmentPlan = this.arms.get('treatment')!;
    for (const name of this.opts.labelled) {
      const input = this.opts.labelOf.get(name)!;
      const pairs = all.filter((p) => p.labels[input] !== undefined);
      if (pairs.length === 0) continue;
      const rowIds = Float64Array.from(pairs, (p) => p.rowId);
      const label = stackRows(pairs.map((p) => p.labels[input]!));
      const k = controlPlan.comparisons.findIndex((c) => c.comparison === name);
      const c = controlPlan.comparisons[k]!;
      const t = treatmentPlan.comparisons[k]!;
      const control = stackRows(pairs.map((p) => ({ tensor: p.batch.control![c.side]!, row: p.row })));
      const treatment = stackRows(pairs.map((p) => ({ tensor: p.batch.treatment![t.side]!, row: p.row })));
      const slice = c.slice === null ? undefined : stackRows(pairs.map((p) => ({ tensor: p.batch.control![c.slice!]!, row: p.row })));
      this.online.addLabelled(name, { control, treatment, label, slice, rowIds });
      this.counts.compared(name, 'labelled', pairs.length);
    }
    this.counts.feedback('joined', all.length);
    for (const p of all) {
      const s = this.store.get(p.id);
      // (A client's id used again since names a newer row, with its own labels to wait for.)
      if (s !== undefined && s.batch === p.batch && s.row === p.row && s.labelled === this.allLabels) this.store.delete(p.id);
    }
  }
}
