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
import { PairStore, stackRows, type LabelledRow, type PairKey, type StoredBatch } from './pair-store.ts';
import type { FeedbackItem, ShadowItem } from './shadow-protocol.ts';

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
  /** Pairs given to the comparisons (for `--window N`). */
  onPairs(rows: number): void;
}

export class ShadowPairing {
  readonly store: PairStore;

  constructor(
    private readonly arms: ReadonlyMap<Arm, ArmPlan>,
    private readonly runners: ReadonlyMap<Arm, ArmRunner>,
    private readonly online: ComparisonsThread,
    private readonly counts: PairingCounts,
    private readonly opts: ShadowPairingOptions,
  ) {
    this.store = new PairStore({ ttlMs: opts.labelTtlMs, capacity: opts.labelCapacity, onEvict: (reason) => counts.evicted(reason) });
  }

  /** An answered batch: store its rows for feedback and queue it for the other arm (unless already given up). */
  answered(item: ShadowItem): void {
    const n = item.rowIds.length;
    // One entry for the batch, shared by its rows (the store keeps no object per row).
    const stored: StoredBatch = { control: null, treatment: null, unpaired: item.unpaired, early: null };
    stored[item.arm] = item.values;
    const ids = item.ids;
    const rows: { id: string; rowId: number; fresh: boolean }[] = new Array(n);
    for (let r = 0; r < n; r++) {
      const id = ids === null ? null : ids[r]!;
      rows[r] = { id: id ?? '', rowId: item.rowIds[r]!, fresh: id === null };
    }
    this.store.put(stored, rows);
    if (item.unpaired !== null || item.inputs === null || item.values === null) return;
    const lines = new Float64Array(n);
    for (let r = 0; r < n; r++) lines[r] = item.rowIds[r]! + 1;
    const batch: Batch = { rows: n, rowIds: item.rowIds, lines, tensors: item.inputs };
    const values = item.values;
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
    control.comparisons.forEach((c, k) => {
      const slice = c.slice === null ? undefined : values.control[c.slice];
      this.online.addPairs(c.comparison, {
        control: values.control[c.side]!,
        treatment: values.treatment[treatment.comparisons[k]!.side]!,
        slice,
        rowIds: batch.rowIds,
      });
      this.counts.compared(c.comparison, 'paired', batch.rows);
    });
    stored[shadowArm] = res.values;
    if (early !== null) this.addLabelled(early);
    this.opts.onPairs(batch.rows);
  }

  /** Join feedback labels to the stored rows: the results by reason (`joined`, `pending`, `unknown`, ...). */
  feedback(items: readonly FeedbackItem[]): Record<string, number> {
    this.store.sweep();
    const results: Record<string, number> = {};
    const joined: LabelledRow[] = [];
    for (const item of items) {
      const { label } = item;
      let id: PairKey = item.key;
      let s = this.store.get(id);
      // A client may have sent, as its own x-request-id, an id shaped like a generated one: its row is keyed by the string.
      if (s === undefined && id !== item.id && (s = this.store.get(item.id)) !== undefined) id = item.id;
      let result: string;
      if (s === undefined)
        result = id !== item.id && this.store.missReason(id) === 'unknown' ? this.store.missReason(item.id) : this.store.missReason(id);
      else if (s.labelled) result = 'duplicate';
      else if (s.batch.unpaired !== null) {
        result = 'unpaired';
        this.store.delete(id);
      } else {
        const l: LabelledRow = { id, rowId: s.rowId, row: s.row, batch: s.batch, label };
        if (s.batch.control !== null && s.batch.treatment !== null) {
          // Marked until it leaves the store below: another label for it in this request is a duplicate.
          this.store.markLabelled(id);
          joined.push(l);
          result = 'joined';
        } else {
          // The other arm has not answered yet: joined when it does (afterShadow).
          this.store.markLabelled(id);
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

  /** Complete pairs with labels → the labelled accumulators; their entries leave the store. */
  private addLabelled(pairs: LabelledRow[]): void {
    const rowIds = Float64Array.from(pairs, (p) => p.rowId);
    const label = stackRows(pairs.map((p) => p.label));
    const controlPlan = this.arms.get('control')!;
    const treatmentPlan = this.arms.get('treatment')!;
    for (const name of this.opts.labelled) {
      const k = controlPlan.comparisons.findIndex((c) => c.comparison === name);
      const c = controlPlan.comparisons[k]!;
      const t = treatmentPlan.comparisons[k]!;
      const control = stackRows(pairs.map((p) => ({ tensor: p.batch.control![c.side]!, row: p.row })));
      const treatment = stackRows(pairs.map((p) => ({ tensor: p.batch.treatment![t.side]!, row: p.row })));
      const slice = c.slice === null ? undefined : stackRows(pairs.map((p) => ({ tensor: p.batch.control![c.slice!]!, row: p.row })));
      this.online.addLabelled(name, { control, treatment, label, slice, rowIds });
      this.counts.compared(name, 'labelled', pairs.length);
    }
    this.counts.feedback('joined', pairs.length);
    for (const p of pairs) this.store.delete(p.id);
  }
}
