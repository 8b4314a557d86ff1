/**
 * The plan's `compare` blocks on live traffic: per comparison, the current window and the cumulative
 * state of the serving run.
 *
 * Two accumulators per scope, from the public accumulator API (stdlib/metrics):
 * - `pairs`: every (control, treatment) pair as soon as both arms answered — the label-free metrics
 *   (agreement, flips, score differences, distribution shift) at once;
 * - `labelled`: the pairs that feedback joined to a label — every metric, as labels arrive.
 * A scope's result is the labelled one (once it has rows) with the label-free metrics and the score
 * histogram taken from `pairs`, which covers all traffic — or the labelled one alone once feedback has
 * labelled every pair (then it covers all traffic too, and equals `m4c run` on the same rows). Windows merge into the cumulative state when
 * they close, so each pair is accumulated once. Gates are judged on the cumulative state.
 */
import { createComparison } from '../../stdlib/metrics/comparison.ts';
import type { ComparisonAccumulator, ComparisonBatch, ComparisonSpec } from '../../stdlib/metrics/comparison-types.ts';
import type { ComparisonResult } from '../../plan/result-types.ts';
import type { RunMeta, RunSubject, SubjectComparison } from '../../plan/record-types.ts';
import { allGatesPassed, evaluateGates } from '../../stdlib/metrics/gates.ts';
import { toComparisonBatch, type ComparisonParents } from '../comparison-batch.ts';
import type { ComparisonOutcome, RunOutcome } from '../comparison-run.ts';
import { EXIT } from '../../plan/errors.ts';
import { deriveSpec, type DerivedSpec } from '../comparison-spec.ts';

interface Scope {
  pairs: ComparisonAccumulator;
  labelled: ComparisonAccumulator | null;
  /** Rows fed to `pairs` and `labelled`. */
  pairRows: number;
  labelledRows: number;
}

interface Entry extends Specs {
  window: Scope;
  cumulative: Scope;
}

/** Which scope an outcome covers. */
export type ScopeName = 'window' | 'cumulative';

/** A comparison's specs: what its label-free and its labelled accumulators compute. */
interface Specs {
  comparison: SubjectComparison;
  pairsSpec: DerivedSpec;
  labelledSpec: DerivedSpec | null;
}

/**
 * The executor's tensors as the accumulators' batches: the cheap part of feeding a comparison, done on the
 * thread that has the tensors (the accumulators may live on another, comparisons-thread.ts).
 */
export class OnlineBatches {
  readonly specs = new Map<string, Specs>();

  /** `labelled`: comparisons whose labels feedback can supply (their label is a graph input). */
  constructor(subject: RunSubject, labelled: ReadonlySet<string>) {
    for (const c of subject.comparisons) {
      const slices = c.slice_by !== null;
      const pairsSpec = deriveSpec(c, { label: false, slices });
      const labelledSpec = c.label !== null && labelled.has(c.name) ? deriveSpec(c, { label: true, slices }) : null;
      this.specs.set(c.name, { comparison: c, pairsSpec, labelledSpec });
    }
  }

  /** A batch of pairs (no labels). Throws ComparisonInputError on tensors that do not fit. */
  pairs(name: string, p: ComparisonParents): ComparisonBatch {
    const e = this.spec(name);
    return toComparisonBatch(e.comparison, p, { label: false, slices: e.pairsSpec.spec.hasSlices });
  }

  /** A batch of labelled pairs; null for a comparison feedback cannot label. */
  labelled(name: string, p: ComparisonParents): ComparisonBatch | null {
    const e = this.spec(name);
    if (e.labelledSpec === null) return null;
    return toComparisonBatch(e.comparison, p, { label: true, slices: e.labelledSpec.spec.hasSlices });
  }

  spec(name: string): Specs {
    const e = this.specs.get(name);
    if (e === undefined) throw new Error(`no comparison \`${name}\``);
    return e;
  }
}

/** The online comparisons of one serving run. */
export class OnlineComparisons {
  private readonly entries = new Map<string, Entry>();
  private readonly batches: OnlineBatches;

  /** `labelled`: comparisons whose labels feedback can supply (their label is a graph input). */
  constructor(
    readonly subject: RunSubject,
    labelled: ReadonlySet<string>,
  ) {
    this.batches = new OnlineBatches(subject, labelled);
    for (const specs of this.batches.specs.values()) {
      const e: Entry = { ...specs, window: null!, cumulative: null! };
      e.window = freshScope(e);
      e.cumulative = freshScope(e);
      this.entries.set(specs.comparison.name, e);
    }
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  /** Pairs of one batch (no labels). Throws ComparisonInputError on tensors that do not fit. */
  addPairs(name: string, p: ComparisonParents): void {
    this.updatePairs(name, this.batches.pairs(name, p));
  }

  /** Pairs joined to their labels by feedback. Ignored for a comparison feedback cannot label. */
  addLabelled(name: string, p: ComparisonParents): void {
    const batch = this.batches.labelled(name, p);
    if (batch !== null) this.updateLabelled(name, batch);
  }

  /** Feed a converted batch of pairs ({@link OnlineBatches.pairs}) to the window. */
  updatePairs(name: string, batch: ComparisonBatch): void {
    const e = this.entry(name);
    e.window.pairs.update(batch);
    e.window.pairRows += batch.rows;
  }

  /** Feed a converted batch of labelled pairs ({@link OnlineBatches.labelled}) to the window. */
  updateLabelled(name: string, batch: ComparisonBatch): void {
    const e = this.entry(name);
    if (e.window.labelled === null) return;
    e.window.labelled.update(batch);
    e.window.labelledRows += batch.rows;
  }

  /** Rows in the current window (pairs and labelled pairs) of any comparison. */
  windowRows(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.window.pairRows + e.window.labelledRows;
    return n;
  }

  /**
   * Close the window: its outcome (judged on the window's own rows), then its rows join the cumulative
   * state and a new window starts. Null when the window saw no row.
   */
  closeWindow(meta: RunMeta): RunOutcome | null {
    const empty = this.windowRows() === 0;
    const outcome = empty ? null : this.outcome('window', meta);
    for (const e of this.entries.values()) {
      e.cumulative.pairs.merge(e.window.pairs);
      if (e.cumulative.labelled && e.window.labelled) e.cumulative.labelled.merge(e.window.labelled);
      e.cumulative.pairRows += e.window.pairRows;
      e.cumulative.labelledRows += e.window.labelledRows;
      e.window = freshScope(e);
    }
    return outcome;
  }

  /** Results and gate verdicts of a scope (the cumulative scope does not include the open window). */
  outcome(scope: ScopeName, meta: RunMeta): RunOutcome {
    const comparisons: ComparisonOutcome[] = [];
    for (const e of this.entries.values()) comparisons.push(judge(e, e[scope]));
    const passed = comparisons.every((c) => c.passed);
    return { meta, status: 'complete', passed, exitCode: passed ? EXIT.ok : EXIT.failed, comparisons };
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (e === undefined) throw new Error(`no comparison \`${name}\``);
    return e;
  }
}

function freshScope(e: Pick<Entry, 'pairsSpec' | 'labelledSpec'>): Scope {
  return {
    pairs: createComparison(e.pairsSpec.spec),
    labelled: e.labelledSpec && createComparison(e.labelledSpec.spec),
    pairRows: 0,
    labelledRows: 0,
  };
}

/** One comparison's outcome on a scope: the combined result and the gate verdicts. */
function judge(e: Entry, s: Scope): ComparisonOutcome {
  const pairs = s.pairs.result();
  const labelledRows = s.labelledRows;
  let result: ComparisonResult;
  let derived: DerivedSpec;
  let spec: ComparisonSpec;
  const notes: string[] = [];
  if (s.labelled !== null && labelledRows > 0 && labelledRows === s.pairRows) {
    // Every pair is labelled: the labelled accumulator holds all traffic, label-free metrics included. Its
    // intervals are the ones `m4c run` gives on the same rows (the bootstrap draws counting metrics per cell
    // of the joint table, and a label-free accumulator's cells are coarser: same distribution, other draws).
    result = s.labelled.result();
    derived = e.labelledSpec!;
    spec = s.labelled.spec;
    notes.push(`every metric on the ${labelledRows} pairs, all labelled by feedback`);
  } else if (s.labelled !== null && labelledRows > 0) {
    result = combine(s.labelled.result(), pairs);
    derived = e.labelledSpec!;
    spec = s.labelled.spec;
    notes.push(`labelled metrics on the ${labelledRows} pairs feedback labelled; label-free metrics on all ${s.pairRows} pairs`);
  } else {
    result = pairs;
    derived = e.pairsSpec;
    spec = s.pairs.spec;
    if (e.comparison.label !== null) {
      notes.push(
        s.labelled === null
          ? `labels come from \`${e.comparison.label.node}\`, which is not a graph input: feedback cannot label this comparison`
          : 'no feedback has labelled a pair yet',
      );
    }
  }
  notes.push(...derived.notes);
  const verdicts = evaluateGates(result, e.comparison.gates).map((v) =>
    derived.dropped.includes(v.metric) ? { ...v, passed: false, reason: `\`${v.metric}\` needs labels, and no feedback has labelled a pair yet` } : v,
  );
  return { name: e.comparison.name, comparison: e.comparison, spec, result, verdicts, passed: allGatesPassed(verdicts), notes };
}

/** The labelled result with the label-free metrics and the score histogram of all pairs. */
function combine(labelled: ComparisonResult, pairs: ComparisonResult): ComparisonResult {
  const pairMetrics = new Map(pairs.metrics.filter((m) => m.kind === 'pair').map((m) => [m.name, m]));
  return {
    ...labelled,
    metrics: labelled.metrics.map((m) => (m.kind === 'pair' ? (pairMetrics.get(m.name) ?? m) : m)),
    charts: {
      ...labelled.charts,
      histogram: pairs.charts.histogram,
      reasons: { ...labelled.charts.reasons, histogram: pairs.charts.reasons.histogram },
    },
  };
}
