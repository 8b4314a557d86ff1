/**
 * The comparisons of one run: what `m4c run` (and `m4c compare`, `m4c merge`) drive.
 *
 * Usage by a command:
 *   const run = createComparisonRun(plan, { shard, thread: true });
 *   executor.run(source, { onComparisonBatch: (name, b) => run.onBatch(name, b) });
 *   await run.settle();
 *   const outcome = run.finish(runMeta(run.subject, { dataPath, stats, startedAt, endedAt, interrupted }));
 *   // then: render the report, write the sinks (comparison-publish.ts), or writeStateFile for a shard.
 *
 * Each plan comparison gets one accumulator, created at its first batch: only then is it known
 * whether optional label / slice inputs are present in the data (see comparison-spec.ts). A
 * comparison that saw no batch gets an empty accumulator with the plan's declared parents.
 */
import type { Plan } from '../plan/plan-types.ts';
import { comparisonFromState, createComparison, type Comparison } from '../stdlib/metrics/comparison.ts';
import type { ComparisonSpec, ComparisonState } from '../stdlib/metrics/comparison-types.ts';
import type { ComparisonResult, GateVerdict } from '../plan/result-types.ts';
import { allGatesPassed, evaluateGates } from '../stdlib/metrics/gates.ts';
import { ComparisonInputError, toComparisonBatch, type ComparisonParents } from './comparison-batch.ts';
import { ComparisonFeed } from './comparison-feed.ts';
import { declaredPresence, deriveSpec, type DerivedSpec, type ParentPresence } from './comparison-spec.ts';
import { subjectOf } from './run-meta.ts';
import type { RunMeta, RunStatus, RunSubject, SubjectComparison } from '../plan/record-types.ts';
import { EXIT } from '../plan/errors.ts';

export { ComparisonInputError, type ComparisonParents } from './comparison-batch.ts';

/** One comparison at the end of a run. */
export interface ComparisonOutcome {
  name: string;
  comparison: SubjectComparison;
  spec: ComparisonSpec;
  result: ComparisonResult;
  /** One per plan gate, in plan order. An interrupted run's verdicts all fail. */
  verdicts: GateVerdict[];
  /** Every gate passed and the run completed. */
  passed: boolean;
  /** Adjustments worth a line in the report (labels absent from the data, ...). */
  notes: string[];
}

/** A finished run: what the report renders and the sinks store. */
export interface RunOutcome {
  meta: RunMeta;
  status: RunStatus;
  /** Every comparison passed and the run completed. A run without gates passes when complete. */
  passed: boolean;
  /** 0 passed, 1 a gate failed, 130 interrupted. */
  exitCode: number;
  comparisons: ComparisonOutcome[];
}

/** Options of {@link createComparisonRun}. */
export interface ComparisonRunOptions {
  /** 0-based index and count of this run's shard, when the data is split. */
  shard?: { index: number; count: number };
  /**
   * Feed the accumulators on a worker thread once the rows are many (comparison-feed.ts): `onBatch`
   * then only checks and copies each batch, and `settle` must be awaited before `finish` or `states`.
   */
  thread?: boolean;
}

/** The comparisons of one run. Not reusable: `finish` ends it. */
export interface ComparisonRun {
  readonly subject: RunSubject;
  readonly shard: { index: number; count: number } | null;
  /**
   * Feed one batch of one comparison's parents, in batch order. Throws ComparisonInputError on a shape
   * that does not fit. With a feed thread, a promise when the thread is far behind: await it before the next batch.
   */
  onBatch(name: string, b: ComparisonParents): void | Promise<void>;
  /** Every batch given, fed (a no-op without a feed thread). Before `finish` and `states`. */
  settle(): Promise<void>;
  /** Stop the feed thread, if any (a failed replay). */
  dispose(): void;
  /** Each comparison's accumulator state, for a shard state file. */
  states(): Record<string, ComparisonState>;
  /** Results, gate verdicts and exit code. */
  finish(meta: RunMeta): RunOutcome;
}

interface Slot {
  comparison: SubjectComparison;
  derived: DerivedSpec | null;
  acc: Comparison | null;
}

class Run implements ComparisonRun {
  private readonly slots = new Map<string, Slot>();
  private finished = false;
  /** The feed thread's state: null without one (every batch fed at once, here). */
  private feed: ComparisonFeed | null;

  constructor(
    readonly subject: RunSubject,
    readonly shard: { index: number; count: number } | null,
    thread = false,
  ) {
    this.feed = thread ? new ComparisonFeed() : null;
    for (const c of subject.comparisons) this.slots.set(c.name, { comparison: c, derived: null, acc: null });
  }

  private slot(name: string): Slot {
    const s = this.slots.get(name);
    if (s === undefined) throw new ComparisonInputError(name, 'no such comparison in the plan');
    return s;
  }

  private open(s: Slot, presence: ParentPresence): Comparison {
    s.derived = deriveSpec(s.comparison, presence);
    s.acc = createComparison(s.derived.spec) as Comparison;
    return s.acc;
  }

  onBatch(name: string, b: ComparisonParents): void | Promise<void> {
    if (this.finished) throw new Error('comparison run already finished');
    const s = this.slot(name);
    const acc = s.acc ?? this.open(s, { label: b.label !== undefined, slices: b.slice !== undefined });
    const batch = toComparisonBatch(s.comparison, b, { label: acc.spec.hasLabel, slices: acc.spec.hasSlices });
    if (this.feed !== null) return this.feed.give(name, acc, batch);
    acc.update(batch);
  }

  async settle(): Promise<void> {
    const feed = this.feed;
    if (feed === null) return;
    const accs = await feed.settle();
    this.feed = null;
    for (const [name, acc] of accs) this.slot(name).acc = acc;
  }

  dispose(): void {
    this.feed?.dispose();
  }

  private unsettled(): void {
    if (this.feed !== null) throw new Error('comparison run: settle() before reading the accumulators');
  }

  /**
   * Add a shard's state (merge). States with no rows carry no information and are skipped when their
   * parents differ from the others' (a shard that saw no batch uses the plan's declared parents).
   */
  absorb(name: string, state: ComparisonState): void {
    const s = this.slot(name);
    const presence = { label: state.spec.hasLabel, slices: state.spec.hasSlices };
    const derived = deriveSpec(s.comparison, presence);
    if (JSON.stringify(derived.spec) !== JSON.stringify(state.spec)) {
      throw new ComparisonInputError(name, 'the state was made for different comparison settings than the plan it names');
    }
    const incoming = comparisonFromState(derived.spec, state) as Comparison;
    if (s.acc === null) {
      s.derived = derived;
      s.acc = incoming;
      return;
    }
    const same = s.acc.spec.hasLabel === derived.spec.hasLabel && s.acc.spec.hasSlices === derived.spec.hasSlices;
    if (same) {
      s.acc.merge(incoming);
      return;
    }
    if (state.rows_seen === 0) return;
    if (s.acc.toState().rows_seen === 0) {
      s.derived = derived;
      s.acc = incoming;
      return;
    }
    throw new ComparisonInputError(name, 'shards disagree on whether the data has labels or slices');
  }

  states(): Record<string, ComparisonState> {
    this.unsettled();
    const out: Record<string, ComparisonState> = {};
    for (const [name, s] of this.slots) out[name] = (s.acc ?? this.open(s, declaredPresence(s.comparison))).toState();
    return out;
  }

  finish(meta: RunMeta): RunOutcome {
    this.unsettled();
    this.finished = true;
    const comparisons: ComparisonOutcome[] = [];
    for (const [name, s] of this.slots) {
      const acc = s.acc ?? this.open(s, declaredPresence(s.comparison));
      const derived = s.derived!;
      // The run's last use of the accumulator: its result may spend the stored rows (peak memory).
      const result = acc.result(true);
      const notes = [...derived.notes];
      let verdicts = evaluateGates(result, s.comparison.gates);
      verdicts = verdicts.map((v) =>
        derived.dropped.includes(v.metric)
          ? { ...v, passed: false, reason: `\`${v.metric}\` needs labels, and ${derived.notes[0] ?? 'the data has none'}` }
          : v,
      );
      // Most rows unreadable or uncountable: whatever the metrics say, they describe a minority of the data.
      if (meta.rows_seen > 0 && result.rows * 2 < meta.rows_seen) {
        const why = `only ${result.rows} of the ${meta.rows_seen} rows read could be counted (see the skipped rows), so no gate is judged`;
        verdicts = verdicts.map((v) => ({ ...v, passed: false, reason: `${why} (on the rows counted: ${v.reason})` }));
        notes.push(why);
      }
      if (meta.interrupted) {
        verdicts = verdicts.map((v) => ({
          ...v,
          passed: false,
          reason: `the run was interrupted, so no gate passes (on the rows seen: ${v.reason})`,
        }));
      }
      comparisons.push({
        name,
        comparison: s.comparison,
        spec: acc.spec,
        result,
        verdicts,
        passed: !meta.interrupted && allGatesPassed(verdicts),
        notes,
      });
    }
    const status: RunStatus = meta.interrupted ? 'interrupted' : 'complete';
    const passed = status === 'complete' && comparisons.every((c) => c.passed);
    const exitCode = status === 'interrupted' ? EXIT.interrupted : passed ? EXIT.ok : EXIT.failed;
    return { meta, status, passed, exitCode, comparisons };
  }
}

/** One accumulator per comparison of `plan`. */
export function createComparisonRun(plan: Plan, opts: ComparisonRunOptions = {}): ComparisonRun {
  return new Run(subjectOf(plan), opts.shard ?? null, opts.thread === true);
}

/** A run over an already-derived subject (a state file's, for `m4c merge`). */
export function comparisonRunOf(subject: RunSubject, opts: ComparisonRunOptions = {}): ComparisonRun {
  return new Run(subject, opts.shard ?? null);
}

/**
 * Combine per-shard accumulator states into one run, as if one process had seen every shard's rows.
 * Throws ComparisonInputError (or the metrics library's MetricsStateError) on states that do not fit.
 */
export function runFromStates(subject: RunSubject, shards: readonly Record<string, ComparisonState>[]): ComparisonRun {
  const run = new Run(subject, null);
  for (const states of shards) {
    for (const c of subject.comparisons) {
      const st = states[c.name];
      if (st === undefined) throw new ComparisonInputError(c.name, 'missing from a state file');
      run.absorb(c.name, st);
    }
  }
  return run;
}
