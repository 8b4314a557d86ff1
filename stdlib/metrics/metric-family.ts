/**
 * The contract between the comparison accumulator and a task's metric family (binary, multiclass,
 * regression): a family turns validated rows into per-row features for the replica bank, and turns a
 * replica back into metric values.
 */
import type { BankLayout, BatchFeatures, ReplicaView } from './replica-bank.ts';
import type { Outcome } from './metric-value.ts';

/**
 * Rows that passed validation, copied out of a batch into float64: `control`/`treatment` are
 * n × width row-major (width 1: a score or a value; multiclass: k probabilities), `label` holds 0/1,
 * the class index, or the regression target.
 */
export interface ValidRows {
  n: number;
  width: number;
  control: Float64Array;
  treatment: Float64Array;
  label: Float64Array | null;
}

/** A per-model metric's two sides. */
export interface SideOutcomes {
  control: Outcome;
  treatment: Outcome;
}

/** Metric name → its value(s): {@link SideOutcomes} for model metrics, an {@link Outcome} for pair metrics. */
export type Derived = Map<string, SideOutcomes | Outcome>;

/** The rows where exactly one model is correct (McNemar's discordant pairs). */
export interface Discordant {
  controlOnly: number;
  treatmentOnly: number;
}

export interface MetricFamily {
  readonly layout: BankLayout;
  /** Per-row features of `rows` (reuses internal buffers: valid until the next call). */
  features(rows: ValidRows): BatchFeatures;
  /** Set every requested counting metric of one replica in `out` (ranking metrics are not this family's). */
  derive(view: ReplicaView, out: Derived): void;
  /** McNemar's discordant counts of one replica, or null when the task has no correctness (no labels, regression). */
  discordant(view: ReplicaView): Discordant | null;
}

/** Growable scratch for batch features. */
export class FeatureBuffers implements BatchFeatures {
  rows = 0;
  slots = new Int32Array(0);
  sums = new Float64Array(0);
  maxes = new Float64Array(0);
  vars = new Float64Array(0);

  constructor(private readonly layout: BankLayout) {}

  /** Size the buffers for n rows; contents are unspecified until written. */
  reset(n: number): this {
    const L = this.layout;
    this.rows = n;
    if (this.slots.length < n * L.slotsPerRow) this.slots = new Int32Array(n * L.slotsPerRow);
    if (this.sums.length < n * L.sums) this.sums = new Float64Array(n * L.sums);
    if (this.maxes.length < n * L.maxes) this.maxes = new Float64Array(n * L.maxes);
    if (this.vars.length < n * L.vars) this.vars = new Float64Array(n * L.vars);
    return this;
  }
}

/** Helper for families: assign channel offsets to the metric groups that were requested. */
export class ChannelPlan {
  private next = 0;
  /** Reserve `n` channels when `wanted`; returns the first index, or -1. */
  take(wanted: boolean, n: number): number {
    if (!wanted) return -1;
    const at = this.next;
    this.next += n;
    return at;
  }
  get size(): number {
    return this.next;
  }
}
