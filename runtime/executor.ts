/**
 * The executor: runs a plan's graph over batches.
 *
 * Per batch, the program's steps (needed nodes, topological order) run as a dataflow: a step starts
 * as soon as the steps it reads are done, so model calls that do not depend on each other (control
 * and treatment) are dispatched back to back and, with the `workers` engine, really run at the same
 * time on different cores. Stdlib ops run on the main thread on typed arrays.
 *
 * Over a source, {@link Executor.run} keeps two batches in flight: batch k's models run while batch
 * k+1 is read and parsed on the main thread; memory stays flat whatever the replay's size.
 */
import type { Plan } from '../plan/plan-types.ts';
import type { KernelContext, OpSpec } from '../stdlib/ops/op-spec.ts';
import type { Tensor } from '../stdlib/types.ts';
import { formatType } from '../plan/tensor-type.ts';
import type { Batch, BatchResult, ComparisonBatch, OutputsBatch } from './batch.ts';
import { InitError, ModelHost, WorkerRunError } from './model-host.ts';
import { feedsToOrt, fromOrt, loadOrt, openSession, type OpenSession, type SessionSettings } from './onnx-session.ts';
import { buildProgram, type ModelStep, type OpStep, type Program, type Step } from './plan-graph.ts';
import type { LoadedPlan } from './plan-load.ts';
import { PlanError } from '../plan/plan-schema.ts';
import { batchLines, formatRuntimeMessage, messageOf, RuntimeError } from './runtime-error.ts';
import { keepBatchRows, keepTensorRows, keptRows, rejectingPrefix, type RejectedRow } from './row-filter.ts';
import { chooseEngine, placeSessions, planSessions, type Engine, type EngineChoice, type SessionSpec } from './scheduler.ts';

/** One node's work on one batch, for tests and profiling. Times are `performance.now()` of the main thread. */
export interface TraceEvent {
  node: string;
  batch: number;
  start: number;
  end: number;
  /** `main` or `worker-<i>`. */
  thread: string;
}

/** Finds a stdlib op by name (the plan's `op` field). */
export type OpLookup = (name: string) => OpSpec | undefined;

export interface ExecutorOptions {
  /** Where model calls run (default `auto`, see {@link chooseEngine}). */
  engine?: EngineChoice;
  /** Expected rows per batch; `auto` uses it to decide whether workers pay off. */
  batchSize?: number;
  /** ORT intra-op threads per session (default 1). */
  intraOpThreads?: number;
  /** Nice value of the worker threads (Linux; see SessionSettings.niceness). */
  workerNiceness?: number;
  /** Upper bound on worker threads (default: available cores). */
  maxWorkers?: number;
  /** Compute `plan.outputs` (default true). */
  outputs?: boolean;
  /** Compute the parents of every comparison (default true). */
  comparisons?: boolean;
  /** Stdlib op registry (default: `stdlib/ops`, loaded only if the plan has op nodes). */
  ops?: OpLookup;
  /**
   * Rows an op rejects (an image that does not decode): `skip` drops them from the batch and reports
   * them ({@link RunHandlers.onRejectedRows}); `fail` fails the batch at the first (default `skip`).
   */
  onBadRow?: 'skip' | 'fail';
  trace?: (event: TraceEvent) => void;
}

export interface RunHandlers {
  /** The values of `plan.outputs`, once per batch, in batch order. Awaited (backpressure). */
  onOutputs?: (batch: OutputsBatch) => void | Promise<void>;
  /**
   * One comparison's parents for one batch, in batch order. Awaited. A batch's comparisons are fed
   * while the models compute the next batch (or when the rows are done), not before the next
   * batch is dispatched: see {@link Executor.run}.
   */
  onComparisonBatch?: (name: string, batch: ComparisonBatch) => void | Promise<void>;
  /** After each batch is fully handled. */
  onBatch?: (batch: Batch, index: number) => void;
  /** The rows ops rejected in a batch (never called with none), before that batch's other callbacks. */
  onRejectedRows?: (rows: RejectedRow[]) => void;
  /** Stop between batches once aborted; the run then reports `interrupted`. */
  signal?: AbortSignal;
}

export interface RunResult {
  batches: number;
  /** Rows whose batch went through the graph and every callback. */
  rows: number;
  interrupted: boolean;
}

type Ort = Awaited<ReturnType<typeof loadOrt>>;

/**
 * Prepare a plan for execution: build the program, open one ORT session per model file (on the main
 * thread or in workers), check that the models have the ONNX inputs and outputs the plan names.
 * Takes the result of `loadPlan`, so nothing runs from a plan that was not validated.
 * Throws {@link PlanError} for plan/model mismatches and {@link RuntimeError} when a model cannot load.
 */
export async function createExecutor(loaded: LoadedPlan, opts: ExecutorOptions = {}): Promise<Executor> {
  const { plan, modelPaths } = loaded;
  const program = buildProgram(plan, { outputs: opts.outputs, comparisons: opts.comparisons });
  const ops = await resolveOps(program, opts.ops);
  const decision = chooseEngine(opts.engine ?? 'auto', program, opts.batchSize);
  const settings: SessionSettings = { intraOpThreads: opts.intraOpThreads ?? 1, allowSpinning: true, niceness: opts.workerNiceness };
  const { sessions, keyOfModel } = planSessions(program, modelPaths);
  // Several multi-threaded pools spinning between kernels slow each other down, back to back on one
  // thread (PERFORMANCE.md fact 2) or side by side in workers (more spinning threads than cores).
  if (sessions.length > 1 && settings.intraOpThreads > 1) settings.allowSpinning = false;
  const prefix = rejectingPrefix(program, ops);
  if (prefix !== null && !Array.isArray(prefix)) throw new PlanError(prefix.problem);
  const ex = new Executor(plan, program, decision.engine, decision.reason, ops, keyOfModel, opts.trace, prefix, opts.onBadRow ?? 'skip');
  try {
    await ex.open(sessions, settings, opts.maxWorkers);
  } catch (err) {
    await ex.close();
    throw err;
  }
  return ex;
}

async function resolveOps(program: Program, lookup: OpLookup | undefined): Promise<(OpSpec | undefined)[]> {
  const opSteps = program.steps.filter((s): s is OpStep => s.kind === 'op');
  const found: (OpSpec | undefined)[] = new Array(program.steps.length);
  if (opSteps.length === 0) return found;
  const find = lookup ?? (await import('../stdlib/ops/index.ts')).getOp;
  for (const s of opSteps) {
    const spec = find(s.op);
    if (!spec)
      throw new PlanError(formatRuntimeMessage(s.node.id, s.node.span, null, `unknown op \`${s.op}\` (the plan was written by another m4 version?)`));
    found[s.index] = spec;
  }
  return found;
}

export class Executor {
  private ort: Ort | undefined;
  private readonly mainSessions = new Map<number, OpenSession>();
  /** Session key → the worker that owns it (engine `workers`). */
  private readonly hostOfKey = new Map<number, ModelHost>();
  private readonly hosts: ModelHost[] = [];
  /** Per model step: feed names whose tensors the worker may take (model outputs read once). */
  private readonly ownedFeeds: ReadonlySet<string>[];
  private batchCounter = 0;
  /** Tail of the queue of main-thread model calls. */
  private mainLane: Promise<void> = Promise.resolve();
  private closed = false;

  /** @internal use {@link createExecutor} */
  constructor(
    readonly plan: Plan,
    readonly program: Program,
    /** The engine in use, after resolving `auto`. */
    readonly engine: Engine,
    /** Why that engine was chosen. */
    readonly engineReason: string,
    private readonly ops: (OpSpec | undefined)[],
    private readonly keyOfModel: Map<string, number>,
    private readonly trace?: (event: TraceEvent) => void,
    /** Steps to run before the rest (ops that may reject rows, and what they read); null when none. */
    private readonly prefix: boolean[] | null = null,
    private readonly onBadRow: 'skip' | 'fail' = 'skip',
  ) {
    this.ownedFeeds = program.steps.map((s) => {
      const owned = new Set<string>();
      if (s.kind === 'model') {
        for (const f of s.feeds) {
          if (program.readers[f.slot] === 1 && program.steps[program.producer[f.slot]].kind === 'model') owned.add(f.name);
        }
      }
      return owned;
    });
  }

  /** Number of worker threads in use (0 with the `main` engine). */
  get workerCount(): number {
    return this.hosts.length;
  }

  /** @internal */
  async open(sessions: SessionSpec[], settings: SessionSettings, maxWorkers: number | undefined): Promise<void> {
    if (sessions.length === 0) return;
    const modelOf = (key: number): string => sessions[key].models[0];
    if (this.engine === 'main') {
      this.ort = await loadOrt();
      for (const s of sessions) {
        try {
          this.mainSessions.set(s.key, await openSession(s.path, settings));
        } catch (err) {
          throw this.loadError(modelOf(s.key), s.path, messageOf(err));
        }
      }
    } else {
      const placement = placeSessions(sessions, maxWorkers);
      const started = await Promise.allSettled(placement.map((owned, i) => ModelHost.start(owned, settings, i)));
      for (const r of started) if (r.status === 'fulfilled') this.hosts.push(r.value);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        const err = failed.reason as unknown;
        if (err instanceof InitError) throw this.loadError(modelOf(err.key), sessions[err.key].path, err.message);
        throw new RuntimeError(null, null, null, `cannot start a model worker: ${messageOf(err)}`, { cause: err });
      }
      placement.forEach((owned, i) => {
        for (const s of owned) this.hostOfKey.set(s.key, this.hosts[i]);
      });
    }
    this.checkSignatures(sessions);
  }

  private loadError(model: string, path: string, detail: string): RuntimeError {
    const decl = this.plan.models.find((m) => m.name === model)!;
    return new RuntimeError(model, decl.span, null, `cannot load ${path}: ${detail}`, { subject: 'model' });
  }

  /** The ONNX names a plan uses must exist in the file: a clear message instead of ORT's. */
  private checkSignatures(sessions: SessionSpec[]): void {
    for (const step of this.program.steps) {
      if (step.kind !== 'model') continue;
      const key = this.keyOfModel.get(step.model)!;
      const names = this.mainSessions.get(key) ?? this.hostOfKey.get(key)!.names.get(key)!;
      const where = (what: string): PlanError =>
        new PlanError(formatRuntimeMessage(step.node.id, step.node.span, null, `${what} in ${sessions[key].path}; recompile the plan`));
      for (const f of step.feeds) {
        if (!names.inputNames.includes(f.name))
          throw where(`model \`${step.model}\` has no ONNX input \`${f.name}\` (it has ${names.inputNames.map((n) => `\`${n}\``).join(', ')})`);
      }
      for (const o of step.fetches) {
        if (!names.outputNames.includes(o))
          throw where(`model \`${step.model}\` has no ONNX output \`${o}\` (it has ${names.outputNames.map((n) => `\`${n}\``).join(', ')})`);
      }
    }
  }

  /**
   * Run the graph on one batch. Steps whose inputs are ready run (ops) or are dispatched (models)
   * immediately, before this returns its promise: the caller can start reading the next batch.
   * Rejects with a {@link RuntimeError} naming the first failing node and the batch's lines.
   */
  runBatch(batch: Batch, index: number = this.batchCounter++): Promise<BatchResult> {
    if (this.closed) return Promise.reject(new RuntimeError(null, null, null, 'the executor is closed'));
    const values = new Array<Tensor | undefined>(this.program.slotCount);
    if (this.prefix !== null) return this.runWithRejections(batch, index, this.prefix, values);
    return this.dispatch(batch, index, values, null, []);
  }

  /**
   * Run the steps that may reject rows (and what they read) first, one after another; drop the
   * rejected rows from the batch and from every value computed so far; then the rest of the graph.
   */
  private async runWithRejections(batch: Batch, index: number, prefix: boolean[], values: (Tensor | undefined)[]): Promise<BatchResult> {
    const rejectedAt = new Map<number, RejectedRow>();
    for (const step of this.program.steps) {
      if (!prefix[step.index]) continue;
      const ctx: KernelContext = {
        rejectRow: (row, reason, detail) => {
          if (rejectedAt.has(row) || row < 0 || row >= batch.rows) return;
          rejectedAt.set(row, { line: batch.lines[row], rowId: batch.rowIds[row], reason, detail, node: step.node.id });
        },
      };
      const p = this.exec(step, values, batch, index, ctx);
      if (p !== undefined) await p;
    }
    if (rejectedAt.size === 0) return this.dispatch(batch, index, values, prefix, []);
    const rejected = [...rejectedAt.values()].sort((a, b) => a.rowId - b.rowId);
    if (this.onBadRow === 'fail') {
      const r = rejected[0];
      const step = this.program.steps.find((s) => s.node.id === r.node)!;
      throw new RuntimeError(r.node, step.node.span, { first: r.line, last: r.line }, `${r.reason}: ${r.detail} (--on-bad-row fail)`);
    }
    const keep = keptRows(batch.rows, rejectedAt);
    const kept = keepBatchRows(batch, keep);
    for (let s = 0; s < values.length; s++) {
      const t = values[s];
      if (t !== undefined) values[s] = keepTensorRows(t, keep);
    }
    if (kept.rows === 0) {
      return { outputs: { rows: 0, rowIds: kept.rowIds, lines: kept.lines, values: {} }, comparisons: new Map(), rejected };
    }
    return this.dispatch(kept, index, values, prefix, rejected);
  }

  /** The dataflow over the steps not in `skip` (whose values are already in `values`). */
  private dispatch(
    batch: Batch,
    index: number,
    values: (Tensor | undefined)[],
    skip: boolean[] | null,
    rejected: RejectedRow[],
  ): Promise<BatchResult> {
    const { steps } = this.program;
    const done = new Array<Promise<void> | undefined>(steps.length);
    const inFlight: Promise<void>[] = [];
    try {
      for (let i = 0; i < steps.length; i++) {
        if (skip !== null && skip[i]) continue;
        const step = steps[i];
        let wait: Promise<void> | Promise<void>[] | undefined;
        for (const d of step.deps) {
          const p = done[d];
          if (p === undefined) continue;
          if (wait === undefined) wait = p;
          else if (Array.isArray(wait)) wait.push(p);
          else wait = [wait, p];
        }
        const p =
          wait === undefined
            ? this.exec(step, values, batch, index)
            : (Array.isArray(wait) ? Promise.all(wait) : wait).then(() => this.exec(step, values, batch, index));
        if (p !== undefined) {
          done[i] = p;
          inFlight.push(p);
        }
      }
    } catch (err) {
      // A step failed synchronously: dispatched model calls may still fail later; swallow those.
      for (const p of inFlight) p.catch(() => {});
      return Promise.reject(err);
    }
    if (inFlight.length === 0) return Promise.resolve(this.collect(values, batch, rejected));
    return Promise.all(inFlight).then(() => this.collect(values, batch, rejected));
  }

  /** Run one step; returns a promise only for asynchronous work (model calls, image decoding). */
  private exec(
    step: Step,
    values: (Tensor | undefined)[],
    batch: Batch,
    index: number,
    ctx: KernelContext = NO_REJECTIONS,
  ): Promise<void> | undefined {
    switch (step.kind) {
      case 'input': {
        const t = batch.tensors[step.input];
        if (t === undefined && !step.optional) throw this.error(step, batch, `the batch has no values for input \`${step.input}\``);
        values[step.out] = t;
        return undefined;
      }
      case 'op':
        return this.execOp(step, values, batch, index, ctx);
      case 'model':
        return this.execModel(step, values, batch, index);
    }
  }

  private execOp(step: OpStep, values: (Tensor | undefined)[], batch: Batch, index: number, ctx: KernelContext): Promise<void> | undefined {
    const args = new Array<Tensor>(step.args.length);
    for (let i = 0; i < args.length; i++) args[i] = this.need(values, step.args[i], step, batch);
    const start = this.trace ? performance.now() : 0;
    const spec = this.ops[step.index]!;
    if (spec.kernelAsync) {
      return spec.kernelAsync(args, step.params, ctx).then(
        (out) => {
          values[step.out] = out;
          if (this.trace) this.trace({ node: step.node.id, batch: index, start, end: performance.now(), thread: 'main' });
        },
        (err: unknown) => {
          throw this.error(step, batch, messageOf(err), err);
        },
      );
    }
    let out: Tensor;
    try {
      out = spec.kernel(args, step.params, ctx);
    } catch (err) {
      throw this.error(step, batch, messageOf(err), err);
    }
    values[step.out] = out;
    if (this.trace) this.trace({ node: step.node.id, batch: index, start, end: performance.now(), thread: 'main' });
    return undefined;
  }

  private execModel(step: ModelStep, values: (Tensor | undefined)[], batch: Batch, index: number): Promise<void> {
    const feeds: Record<string, Tensor> = {};
    for (const f of step.feeds) feeds[f.name] = this.need(values, f.slot, step, batch);
    const key = this.keyOfModel.get(step.model)!;
    const host = this.hostOfKey.get(key);
    if (host === undefined) {
      const session = this.mainSessions.get(key)!.session;
      let start = 0;
      // ORT runs the call synchronously on this thread (after a setImmediate): queue main-thread
      // calls one after another so each call's trace interval is its real run time.
      const call = this.mainLane.then(() => {
        if (this.trace) start = performance.now();
        return session.run(feedsToOrt(this.ort!, feeds), step.fetches);
      });
      this.mainLane = call.then(noop, noop);
      return call.then(
        (result) => {
          for (let i = 0; i < step.fetches.length; i++) {
            const t = fromOrt(result[step.fetches[i]]);
            values[step.outs[i]] = this.checkOutput(step, i, t, batch);
          }
          if (this.trace) this.trace({ node: step.node.id, batch: index, start, end: performance.now(), thread: 'main' });
        },
        (err: unknown) => {
          throw this.error(step, batch, messageOf(err), err);
        },
      );
    }
    return host.run(key, feeds, this.ownedFeeds[step.index], step.fetches).then(
      (r) => {
        for (let i = 0; i < step.fetches.length; i++) values[step.outs[i]] = this.checkOutput(step, i, r.outputs[step.fetches[i]], batch);
        if (this.trace) {
          const origin = performance.timeOrigin;
          this.trace({ node: step.node.id, batch: index, start: r.start - origin, end: r.end - origin, thread: `worker-${host.index}` });
        }
      },
      (err: unknown) => {
        if (err instanceof RuntimeError) throw err;
        throw this.error(step, batch, messageOf(err), err instanceof WorkerRunError ? undefined : err);
      },
    );
  }

  /** An ORT output must have the dtype the plan was compiled against. */
  private checkOutput(step: ModelStep, i: number, t: Tensor | { unsupported: string }, batch: Batch): Tensor {
    const declared = step.outTypes[i];
    if ('unsupported' in t)
      throw this.error(step, batch, `ONNX output \`${step.fetches[i]}\` has element type ${t.unsupported}, which m4 has no dtype for`);
    if (t.dtype !== declared.dtype) {
      throw this.error(
        step,
        batch,
        `ONNX output \`${step.fetches[i]}\` is ${t.dtype}[${t.dims.join(', ')}] but the plan expects ${formatType(declared)}; recompile the plan`,
      );
    }
    return t;
  }

  private need(values: (Tensor | undefined)[], slot: number, reader: Step, batch: Batch): Tensor {
    const t = values[slot];
    if (t !== undefined) return t;
    const producer = this.program.steps[this.program.producer[slot]];
    const name = producer.kind === 'input' ? producer.input : producer.node.id;
    throw this.error(reader, batch, `optional input \`${name}\` is absent from the data, but this node needs it`);
  }

  private error(step: Step, batch: Batch, detail: string, cause?: unknown): RuntimeError {
    return new RuntimeError(step.node.id, step.node.span, batchLines(batch.lines, batch.rows), detail, { cause });
  }

  private collect(values: (Tensor | undefined)[], batch: Batch, rejected: RejectedRow[]): BatchResult {
    const outputs: Record<string, Tensor> = {};
    for (const o of this.program.outputs) {
      const t = values[o.slot];
      if (t === undefined) {
        const decl = this.plan.outputs.find((p) => p.name === o.name)!;
        throw new RuntimeError(
          o.name,
          decl.span,
          batchLines(batch.lines, batch.rows),
          'its value comes from an optional input that is absent from the data',
          { subject: 'output' },
        );
      }
      outputs[o.name] = t;
    }
    const comparisons = new Map<string, ComparisonBatch>();
    for (const c of this.program.comparisons) {
      const control = values[c.control];
      const treatment = values[c.treatment];
      if (control === undefined || treatment === undefined) {
        const decl = this.plan.comparisons.find((p) => p.name === c.name)!;
        throw new RuntimeError(
          c.name,
          decl.span,
          batchLines(batch.lines, batch.rows),
          'control or treatment comes from an optional input that is absent from the data',
          { subject: 'comparison' },
        );
      }
      const cb: ComparisonBatch = { control, treatment, rowIds: batch.rowIds, lines: batch.lines };
      const label = c.label === null ? undefined : values[c.label];
      const slice = c.slice === null ? undefined : values[c.slice];
      if (label !== undefined) cb.label = label;
      if (slice !== undefined) cb.slice = slice;
      comparisons.set(c.name, cb);
    }
    return { outputs: { rows: batch.rows, rowIds: batch.rowIds, lines: batch.lines, values: outputs }, comparisons, rejected };
  }

  /**
   * Stream a source through the graph. Batch k+1 is requested from the source right after batch k
   * is dispatched, so parsing overlaps model work; at most two batches are alive at once. Callbacks
   * see batches in order. Stops cleanly between batches when `signal` aborts: a batch already read
   * (the read-ahead) is still processed, so every row the source counted was processed. The source's
   * iterator is closed (`return()`) whenever the run ends early.
   *
   * A batch's comparisons are fed (`onComparisonBatch`) one step late: after the next batch has gone
   * to the models, while they compute it — time this thread otherwise spends waiting for them —
   * and the last batch's when the rows are done (not when the run fails). The order is the batches'.
   * Every array of a batch is its own (sources and ops allocate them per batch), so holding one
   * batch longer is safe.
   */
  async run(source: AsyncIterable<Batch>, handlers: RunHandlers = {}): Promise<RunResult> {
    const it = source[Symbol.asyncIterator]();
    const result: RunResult = { batches: 0, rows: 0, interrupted: false };
    const aborted = (): boolean => handlers.signal?.aborted === true;
    let exhausted = false;
    let next: Promise<IteratorResult<Batch>> | null = aborted() ? null : quiet(it.next());
    // The previous batch's comparisons, not fed yet.
    let pending: Map<string, ComparisonBatch> | null = null;
    const feed = async (): Promise<void> => {
      const p = pending;
      pending = null;
      if (p !== null && handlers.onComparisonBatch) for (const [name, cb] of p) await handlers.onComparisonBatch(name, cb);
    };
    try {
      for (;;) {
        if (next === null) {
          result.interrupted = true;
          break;
        }
        const r: IteratorResult<Batch> = await next;
        // A source that sees the abort ends early: the run was interrupted, not complete.
        if (r.done) {
          exhausted = true;
          result.interrupted = aborted();
          break;
        }
        const batch = r.value;
        const index = this.batchCounter++;
        const computing = quiet(this.runBatch(batch, index));
        // Read ahead only if the caller has not asked to stop.
        next = aborted() ? null : quiet(it.next());
        await feed();
        const out = await computing;
        if (out.rejected.length > 0) handlers.onRejectedRows?.(out.rejected);
        if (out.outputs.rows > 0) {
          if (handlers.onOutputs && this.program.outputs.length > 0) await handlers.onOutputs(out.outputs);
          if (handlers.onComparisonBatch && out.comparisons.size > 0) pending = out.comparisons;
        }
        result.batches++;
        result.rows += out.outputs.rows;
        handlers.onBatch?.(batch, index);
      }
      await feed();
    } finally {
      if (!exhausted) await it.return?.().catch(() => {});
    }
    return result;
  }

  /** Release sessions and stop workers. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.mainSessions.values()) await s.session.release().catch(() => {});
    this.mainSessions.clear();
    await Promise.all(this.hosts.map((h) => h.close()));
  }
}

/**
 * Mark a promise as handled now (it is awaited later): a read-ahead that fails while the current
 * batch is still running must not crash the process as an unhandled rejection.
 */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

function noop(): void {}

/** The context of ops outside the rejecting prefix: by construction none of them rejects rows. */
const NO_REJECTIONS: KernelContext = {
  rejectRow(): void {
    throw new Error('this op may not reject rows here');
  },
};
