/**
 * The serving logic behind the routes: predict (answer from one arm, shadow the other), pair the arms'
 * values into the online comparisons, join feedback labels, close windows into the sinks, and drain.
 * Knows the plan and the runtime only; the HTTP layer is http-server.ts, the wiring server.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Plan, PlanInput } from '../../plan/plan-types.ts';
import { formatType } from '../../plan/tensor-type.ts';
import type { RunMeta, RunSubject } from '../../plan/record-types.ts';
import { allocData, type Tensor } from '../../stdlib/types.ts';
import { BadRow } from '../sources/bad-row.ts';
import { fixSlot, planSlots } from '../sources/input-layout.ts';
import { discoverFieldDims, writeFieldValue } from '../sources/json-value-writer.ts';
import type { Batch } from '../batch.ts';
import { createExecutor, type Executor } from '../executor.ts';
import type { LoadedPlan } from '../plan-load.ts';
import type { EngineChoice } from '../scheduler.ts';
import { runRecords } from '../run-record.ts';
import { runMeta, subjectOf } from '../run-meta.ts';
import type { ComparisonOutcome, RunOutcome } from '../comparison-run.ts';
import type { RunSinks } from '../sinks/run-sinks.ts';
import { RuntimeError } from '../runtime-error.ts';
import { armPlan, otherArm, type Arm, type ArmPlan } from './arm-plans.ts';
import { ArmRunner, RejectedRowError, type PendingRow, type RowAnswer, type ShadowResult } from './arm-runner.ts';
import { ArmChooser, type ServeMode } from './canary.ts';
import type { HttpReply } from './http-server.ts';
import { ComparisonsThread } from './comparisons-thread.ts';
import { PairStore, stackRows, type LabelledRow, type PairKey, type RowRef, type StoredBatch } from './pair-store.ts';
import { RequestRowReader, RowProblem, type BadInput } from './request-rows.ts';
import type { ServeMetrics } from './serve-metrics.ts';
import { rowValue } from '../outputs-writer.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Shadow work waits up to this long for more to join it (fewer, fuller shadow batches: fewer worker round trips
 * and pairings competing with the answers; see ArmRunnerOptions.shadowGatherMs). Pairs reach the comparisons
 * that much later, which nothing waits for.
 */
const SHADOW_GATHER_MS = 5;

/** What `m4c serve` was asked for (see docs/serve.md). */
export interface ServeOptions {
  mode: ServeMode;
  /** Canary: percent of rows the treatment answers. */
  percent: number;
  stickyBy?: string;
  maxBatch: number;
  maxDelayMs: number;
  shadowQueueRows: number;
  shadowTimeoutMs: number;
  /** A window closes after this many ms, or after this many paired rows. */
  window: { ms: number } | { rows: number };
  labelTtlMs: number;
  labelCapacity: number;
  stopShadowOnFail: boolean;
  engine: EngineChoice;
  intraOpThreads: number;
  /** Where window records go; null: nowhere. */
  sinks: RunSinks | null;
  /** Tests only: a shared Int32 flag; while it is 0 the comparisons' worker holds every judgement. */
  comparisonsHold?: SharedArrayBuffer;
  log(line: string): void;
}

/** Rows and bad rows seen in a scope, for a record's meta. */
interface Counts {
  rowsRead: number;
  skipped: Record<string, number>;
  startedAt: Date;
}

/** A labelled comparison's label input, and how to read a feedback value as it. */
interface LabelReader {
  comparison: string;
  input: PlanInput;
}

export class ServeService {
  readonly runId = randomUUID();
  readonly subject: RunSubject;
  /** The online comparisons, on their own thread; created by {@link start} when a treatment runs. */
  private online: ComparisonsThread | null = null;
  private readonly arms = new Map<Arm, ArmPlan>();
  private readonly runners = new Map<Arm, ArmRunner>();
  private reader: RequestRowReader | null = null;
  private readonly chooser: ArmChooser;
  private readonly store: PairStore;
  private readonly labels: LabelReader[] = [];
  /**
   * Per arm, the answer's output names and the text before each value, written once: `,"arm":"control",
   * "outputs":{"score":` before the first, `,"other":` before the next ones.
   */
  private readonly outputKeys = new Map<Arm, { name: string; before: string }[]>();
  private nextRowId = 0;
  /**
   * Generated request ids: this process's 48 random bits, then the row's ordinal in base 36 (`5f0c2a9e41b7-1k3`);
   * a batched request's id is its first row's ordinal and its row count (`5f0c2a9e41b7-1k3+4`), its rows
   * `ID:i`. Unique within the serving run and, by the random part, across runs; shorter to send and cheaper to
   * make than a UUID per request. Hex and base-36 digits, `-`, `+` and `:` only, so the answer quotes it without
   * escaping. Feedback reads the ordinal back ({@link keyOf}): the label store keys these rows by number and keeps
   * no string per row alive (see PairKey).
   */
  private readonly idPrefix = `${randomBytes(6).toString('hex')}-`;
  private windowIndex = 0;
  private windowPairs = 0;
  private windowCounts: Counts = { rowsRead: 0, skipped: {}, startedAt: new Date() };
  private readonly totalCounts: Counts = { rowsRead: 0, skipped: {}, startedAt: new Date() };
  private windowTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private treatmentOff = false;
  /** Window closes not written yet (their judgement runs on the comparisons' thread). */
  private readonly closing = new Set<Promise<RunOutcome | null>>();
  private readonly gateStates = new Map<string, boolean>();
  /** Set by {@link halt}: nothing more is written. */
  private halted = false;
  ready = false;

  constructor(
    private readonly loaded: LoadedPlan,
    private readonly opts: ServeOptions,
    private readonly metrics: ServeMetrics,
  ) {
    const plan = loaded.plan;
    this.subject = subjectOf(plan);
    for (const c of plan.comparisons) {
      const input =
        c.label === null
          ? undefined
          : plan.inputs.find((i) => i.name === c.label!.node && plan.nodes.some((n) => n.id === c.label!.node && n.kind === 'input'));
      if (input !== undefined) this.labels.push({ comparison: c.name, input });
    }
    this.arms.set('control', armPlan(plan, 'control'));
    if (opts.mode !== 'control' && plan.comparisons.length > 0) this.arms.set('treatment', armPlan(plan, 'treatment'));
    for (const [arm, ap] of this.arms)
      this.outputKeys.set(
        arm,
        ap.answerOutputs.map((name, k) => ({ name, before: `${k === 0 ? `,"arm":"${arm}","outputs":{` : ','}${JSON.stringify(name)}:` })),
      );
    this.chooser = new ArmChooser(opts.mode, opts.percent, opts.stickyBy);
    // Without a compare block there is no treatment: a canary sends everything to the control.
    this.treatmentOff = !this.arms.has('treatment');
    this.store = new PairStore({
      ttlMs: opts.labelTtlMs,
      capacity: opts.labelCapacity,
      onEvict: (reason) => this.metrics.evicted(reason),
    });
  }

  get plan(): Plan {
    return this.loaded.plan;
  }

  get comparing(): boolean {
    return this.arms.has('treatment');
  }

  /** Open every model session (both arms); the server is ready after this. */
  async start(): Promise<void> {
    if (this.comparing)
      this.online = new ComparisonsThread(
        this.subject,
        new Set(this.labels.map((l) => l.comparison)),
        (message) => this.opts.log(`comparisons: ${message}`),
        // The comparisons never answer a request: when cores are scarce they yield to the answers (less than the
        // shadow arm's 19, so the judgements still progress on a busy machine).
        { niceness: 10, hold: this.opts.comparisonsHold ?? null },
      );
    for (const [arm, ap] of this.arms) {
      // An arm that runs shadow work must keep its models off the main thread, or a slow model would stall
      // every answer; the arm that only answers may use the main thread (no worker round trip).
      const shadowing = arm === 'treatment' || this.opts.mode === 'canary';
      const executor = await createExecutor(
        { plan: ap.plan, modelPaths: this.loaded.modelPaths },
        {
          engine: shadowing ? 'workers' : this.opts.engine,
          batchSize: this.opts.maxBatch,
          intraOpThreads: this.opts.intraOpThreads,
          // In shadow mode the treatment only feeds the comparison: when cores are scarce it yields to the answer.
          workerNiceness: this.opts.mode === 'shadow' && arm === 'treatment' ? 19 : undefined,
          outputs: true,
          comparisons: false,
        },
      );
      this.runners.set(arm, this.runner(arm, executor));
    }
    const needed = new Set<string>();
    for (const r of this.runners.values()) for (const s of r.executor.program.steps) if (s.kind === 'input') needed.add(s.input);
    this.reader = new RequestRowReader(this.plan.inputs.filter((i) => needed.has(i.name)));
    this.windowCounts.startedAt = new Date();
    this.totalCounts.startedAt = this.windowCounts.startedAt;
    if ('ms' in this.opts.window)
      this.windowTimer = setInterval(
        () => this.closeWindow().catch((err) => this.opts.log(`window: ${(err as Error).message}`)),
        this.opts.window.ms,
      );
    this.sweepTimer = setInterval(() => {
      this.store.sweep();
      this.metrics.labelStoreEntries.set(this.store.size);
    }, 1000);
    this.windowTimer?.unref();
    this.sweepTimer.unref();
    this.ready = true;
    this.metrics.ready.set(1);
  }

  private runner(arm: Arm, executor: Executor): ArmRunner {
    const m = this.metrics;
    const primaryRows = m.batchRows.child(`${arm} primary`, { arm, role: 'primary' });
    const shadowRows = m.batchRows.child(`${arm} shadow`, { arm, role: 'shadow' });
    const primarySeconds = m.armSeconds.child(`${arm} primary`, { arm, role: 'primary' });
    const shadowSeconds = m.armSeconds.child(`${arm} shadow`, { arm, role: 'shadow' });
    return new ArmRunner(arm, executor, {
      maxBatch: this.opts.maxBatch,
      maxDelayMs: this.opts.maxDelayMs,
      // On the main thread a model call runs synchronously (onnxruntime-node runs it in a setImmediate): a second
      // batch in flight would not run alongside the first, only split the rows into smaller batches (one more
      // model call each). With workers, the next batch is assembled while one runs.
      maxInFlight: executor.engine === 'main' ? 1 : 2,
      // Only one arm (`--mode control`, or no comparison): nothing shadows it (see the option).
      nextTurnAfterBatch: this.arms.size === 1,
      shadowQueueRows: this.opts.shadowQueueRows,
      shadowTimeoutMs: this.opts.shadowTimeoutMs,
      shadowGatherMs: SHADOW_GATHER_MS,
      onPrimary: (batch, rows, values) => this.afterPrimary(arm, batch, rows, values),
      onBatch: (role, n, s) => {
        (role === 'primary' ? primaryRows : shadowRows).observe(n);
        (role === 'primary' ? primarySeconds : shadowSeconds).observe(s);
      },
      onShadowQueue: (n) => m.shadowQueue(arm, n),
      onError: (role, err) => {
        const node = err instanceof RuntimeError && err.node !== null ? err.node : 'none';
        m.nodeErrors.inc({ arm, node });
        this.opts.log(`${arm} arm (${role}): ${(err as Error).message}`);
      },
    });
  }

  // ---------------------------------------------------------------- predict

  /** `POST /v1/predict`. */
  async predict(body: unknown, headerId: string | undefined): Promise<HttpReply> {
    if (!this.ready || this.reader === null) return { status: 503, body: { error: 'not-ready', detail: 'the model sessions are still opening' } };
    const rows = this.reader.readBody(body);
    if (!Array.isArray(rows)) {
      this.countBad(rows.reason);
      return { status: 400, body: rows };
    }
    const fromHeader = headerId !== undefined && headerId.length > 0 && headerId.length <= 200;
    const b = body as { inputs?: object; rows?: object[] };
    const single = b.rows === undefined;
    const firstRowId = this.nextRowId;
    const requestId = fromHeader
      ? headerId
      : single
        ? this.idPrefix + firstRowId.toString(36)
        : `${this.idPrefix}${firstRowId.toString(36)}+${rows.length}`;
    this.windowCounts.rowsRead += rows.length;
    this.totalCounts.rowsRead += rows.length;
    if (single) {
      // One row, one promise: the common case on the hot path, without the lists of a batched request.
      const arm = this.chooser.choose(b.inputs!, requestId, this.treatmentOff);
      const runner = this.runners.get(arm)!;
      const answer = new Promise<RowAnswer>((resolve, reject) =>
        runner.enqueue({ row: rows[0]!, rowId: this.nextRowId++, id: requestId, fresh: !fromHeader, resolve, reject }),
      );
      runner.schedule();
      let a: RowAnswer;
      try {
        a = await answer;
      } catch (err) {
        return this.failed(err, [answer], [requestId], requestId);
      }
      this.metrics.answered(a.arm, 1);
      // A UUID (hex digits and dashes) needs no escaping: only a client's id goes through JSON.stringify.
      return { status: 200, body: this.answerJson(fromHeader ? JSON.stringify(requestId) : `"${requestId}"`, a), contentType: JSON_TYPE };
    }
    const objects = b.rows!;
    const answers: Promise<RowAnswer>[] = [];
    const ids: string[] = [];
    const used = new Set<ArmRunner>();
    for (let i = 0; i < rows.length; i++) {
      const id = `${requestId}:${i}`;
      const runner = this.runners.get(this.chooser.choose(objects[i]!, id, this.treatmentOff))!;
      used.add(runner);
      ids.push(id);
      answers.push(
        new Promise<RowAnswer>((resolve, reject) =>
          runner.enqueue({ row: rows[i]!, rowId: this.nextRowId++, id, fresh: !fromHeader, resolve, reject }),
        ),
      );
    }
    for (const runner of used) runner.schedule();
    let results: RowAnswer[];
    try {
      results = await Promise.all(answers);
    } catch (err) {
      return this.failed(err, answers, ids, requestId);
    }
    let byControl = 0;
    for (const a of results) if (a.arm === 'control') byControl++;
    this.metrics.answered('control', byControl);
    this.metrics.answered('treatment', results.length - byControl);
    const answered = results.map((a, i) => this.answerJson(JSON.stringify(ids[i]!), a));
    return { status: 200, body: `{"request_id":${JSON.stringify(requestId)},"rows":[${answered.join(',')}]}`, contentType: JSON_TYPE };
  }

  /** The answer of a request whose rows did not all get one: a refused row (400) or a runtime error (500). */
  private async failed(err: unknown, answers: Promise<RowAnswer>[], ids: string[], requestId: string): Promise<HttpReply> {
    if (err instanceof RejectedRowError) {
      // Every refused row of the request is counted by its reason; the answer names the first.
      const settled = await Promise.allSettled(answers);
      for (const s of settled) if (s.status === 'rejected' && s.reason instanceof RejectedRowError) this.countSkipped(s.reason.rejected.reason);
      const bad: BadInput = {
        error: 'bad-input',
        reason: err.rejected.reason,
        row: Math.max(0, ids.indexOf(err.pending.id)),
        input: null,
        field: null,
        expected: null,
        detail: `node \`${err.rejected.node}\`: ${err.rejected.detail}`,
      };
      return { status: 400, body: { ...bad, request_id: requestId } };
    }
    return { status: 500, body: { error: 'runtime-error', request_id: requestId, detail: (err as Error).message } };
  }

  /** One row's answer: `{"request_id":...,"arm":...,"outputs":{...}}`, written by hand (no object per answer); `idJson` is the id as a JSON string. */
  private answerJson(idJson: string, a: RowAnswer): string {
    const keys = this.outputKeys.get(a.arm)!;
    if (keys.length === 0) return `{"request_id":${idJson},"arm":"${a.arm}","outputs":{}}`;
    let out = `{"request_id":${idJson}`;
    for (let k = 0; k < keys.length; k++) out += keys[k]!.before + rowValue(a.values[keys[k]!.name]!, a.index);
    return `${out}}}`;
  }

  private countBad(reason: string): void {
    // A refused request counts as one row read and skipped, as a bad replay row does.
    this.windowCounts.rowsRead++;
    this.totalCounts.rowsRead++;
    this.countSkipped(reason);
  }

  /** A row already counted as read that an op refused (a corrupt image): skipped by its reason. */
  private countSkipped(reason: string): void {
    this.windowCounts.skipped[reason] = (this.windowCounts.skipped[reason] ?? 0) + 1;
    this.totalCounts.skipped[reason] = (this.totalCounts.skipped[reason] ?? 0) + 1;
  }

  /**
   * A primary batch answered, its responses written (ArmRunner's onPrimary runs after them and before more
   * requests are read, so feedback always finds the rows): remember its rows for feedback and queue the batch
   * for the other arm, whose model call starts at the next turn of the event loop.
   */
  private afterPrimary(arm: Arm, batch: Batch, rows: readonly PendingRow[], values: Record<string, Tensor>): void {
    if (!this.comparing) return;
    // One entry for the batch, shared by its rows (the store keeps no object per row).
    const stored: StoredBatch = { control: null, treatment: null, unpaired: null, early: null };
    stored[arm] = values;
    this.store.put(stored, rows);
    this.metrics.labelStoreEntries.set(this.store.size);
    const runner = this.runners.get(otherArm(arm))!;
    runner.shadow(batch, (res) => this.afterShadow(arm, batch, values, stored, res));
  }

  private afterShadow(primary: Arm, batch: Batch, primaryValues: Record<string, Tensor>, stored: StoredBatch, res: ShadowResult): void {
    const shadowArm = otherArm(primary);
    this.metrics.shadowRows(shadowArm, res.ok ? 'ok' : res.reason, batch.rows);
    const early = stored.early;
    stored.early = null;
    if (!res.ok) {
      stored.unpaired = res.reason;
      // Rows labelled while they waited for the pair: their labels can join nothing now.
      if (early !== null)
        for (const l of early) {
          this.metrics.feedback.inc({ result: 'unpaired' });
          this.store.delete(l.id);
        }
      return;
    }
    const values = { [primary]: primaryValues, [shadowArm]: res.values } as Record<Arm, Record<string, Tensor>>;
    const control = this.arms.get('control')!;
    const treatment = this.arms.get('treatment')!;
    control.comparisons.forEach((c, k) => {
      const slice = c.slice === null ? undefined : values.control[c.slice];
      this.online!.addPairs(c.comparison, {
        control: values.control[c.side]!,
        treatment: values.treatment[treatment.comparisons[k]!.side]!,
        slice,
        rowIds: batch.rowIds,
      });
      this.metrics.comparedRows(c.comparison, 'paired', batch.rows);
    });
    stored[shadowArm] = res.values;
    if (early !== null) this.addLabelled(early);
    this.windowPairs += batch.rows;
    if ('rows' in this.opts.window && this.windowPairs >= this.opts.window.rows) {
      this.closeWindow().catch((err) => this.opts.log(`window: ${(err as Error).message}`));
    }
  }

  // ---------------------------------------------------------------- feedback

  /** `POST /v1/feedback`: `{request_id, label}` or `{labels: [{request_id, label}, ...]}`. */
  feedback(body: unknown): HttpReply {
    if (!this.ready) return { status: 503, body: { error: 'not-ready', detail: 'the model sessions are still opening' } };
    const items = feedbackItems(body);
    if (!Array.isArray(items)) return { status: 400, body: items };
    if (this.labels.length === 0) {
      return {
        status: 409,
        body: { error: 'no-labels', detail: 'no comparison of this graph takes its label from a graph input, so feedback has nothing to label' },
      };
    }
    const parsed: { id: string; label: RowRef }[] = [];
    for (let i = 0; i < items.length; i++) {
      const label = this.readLabel(items[i]!.label, i);
      if (label instanceof RowProblem) {
        this.metrics.feedback.inc({ result: 'invalid' });
        return { status: 400, body: label.input };
      }
      parsed.push({ id: items[i]!.id, label });
    }
    this.store.sweep();
    const results: Record<string, number> = {};
    const joined: LabelledRow[] = [];
    for (const item of parsed) {
      const { label } = item;
      let id: PairKey = this.keyOf(item.id);
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
      if (result !== 'pending' && result !== 'joined') this.metrics.feedback.inc({ result });
    }
    if (joined.length > 0) this.addLabelled(joined);
    this.metrics.labelStoreEntries.set(this.store.size);
    return { status: 200, body: { results } };
  }

  /** The label store's key of a feedback id: the row ordinal of an id this server generated, else the id itself. */
  private keyOf(id: string): PairKey {
    if (!id.startsWith(this.idPrefix)) return id;
    const m = GENERATED_ID.exec(id.slice(this.idPrefix.length));
    if (m === null) return id;
    const first = parseInt(m[1]!, 36);
    let rowId = first;
    if (m[2] !== undefined) {
      const n = Number(m[2]);
      const i = Number(m[3]);
      if (i >= n) return id;
      rowId = first + i;
    }
    // Only the exact text the server wrote (no leading zeros, an ordinal it gave) names that row.
    const canonical = m[2] === undefined ? first.toString(36) : `${first.toString(36)}+${Number(m[2])}:${Number(m[3])}`;
    if (canonical !== id.slice(this.idPrefix.length) || rowId >= this.nextRowId) return id;
    return rowId;
  }

  private readLabel(v: unknown, index: number): RowRef | RowProblem {
    // Every labelled comparison reads the value as its label input's dtype (usually one input).
    const input = this.labels[0]!.input;
    const slots = planSlots([input]);
    const bad = (detail: string, reason = 'wrong-type'): RowProblem =>
      new RowProblem({
        error: 'bad-input',
        reason,
        row: index,
        input: input.name,
        field: 'label',
        expected: formatType(input.type),
        detail,
      });
    if (!Array.isArray(slots)) return bad(slots.problem);
    const dims = discoverFieldDims(slots[0]!, v);
    if (dims instanceof BadRow) return bad(dims.detail, dims.reason);
    const slot = fixSlot(slots[0]!, dims);
    const data = allocData(slot.dtype, slot.rowSize);
    const problem = writeFieldValue(slot, v, data, 0);
    if (problem !== null) return bad(problem.detail.replace(`field "${slot.label}"`, 'label'), problem.reason);
    return { tensor: { dtype: slot.dtype, data, dims: [1, ...dims] } as Tensor, row: 0 };
  }

  /** Complete pairs with labels → the labelled accumulators; their entries leave the store. */
  private addLabelled(pairs: LabelledRow[]): void {
    const rowIds = Float64Array.from(pairs, (p) => p.rowId);
    const label = stackRows(pairs.map((p) => p.label));
    const controlPlan = this.arms.get('control')!;
    const treatmentPlan = this.arms.get('treatment')!;
    for (const l of this.labels) {
      const k = controlPlan.comparisons.findIndex((c) => c.comparison === l.comparison);
      const c = controlPlan.comparisons[k]!;
      const t = treatmentPlan.comparisons[k]!;
      const control = stackRows(pairs.map((p) => ({ tensor: p.batch.control![c.side]!, row: p.row })));
      const treatment = stackRows(pairs.map((p) => ({ tensor: p.batch.treatment![t.side]!, row: p.row })));
      const slice = c.slice === null ? undefined : stackRows(pairs.map((p) => ({ tensor: p.batch.control![c.slice!]!, row: p.row })));
      this.online!.addLabelled(l.comparison, { control, treatment, label, slice, rowIds });
      this.metrics.comparedRows(l.comparison, 'labelled', pairs.length);
    }
    this.metrics.feedback.inc({ result: 'joined' }, pairs.length);
    for (const p of pairs) this.store.delete(p.id);
  }

  // ---------------------------------------------------------------- windows

  private meta(counts: Counts, window: number | null, endedAt: Date): RunMeta {
    const suffix = window === null ? 'all' : `w${window}`;
    return {
      // No data file: rows came over HTTP, so there is no file identity to record (`read` is unused).
      ...runMeta(this.subject, {
        dataPath: null,
        stats: { rowsRead: counts.rowsRead, rowsTotal: counts.rowsRead, skipped: counts.skipped, read: { bytes: 0, sha256: '', complete: true } },
        startedAt: counts.startedAt,
        endedAt,
        interrupted: false,
        runId: `${this.runId}/${suffix}`,
      }),
      serve: { run: this.runId, window },
    };
  }

  /**
   * Close the current window: write its record (when it saw rows), fold it into the cumulative state,
   * judge the gates there and update the gate metrics; with --stop-shadow-on-fail, a failing gate stops
   * the treatment's traffic. The judging runs on the comparisons' thread: requests are answered meanwhile,
   * and their pairs go to the next window.
   */
  closeWindow(): Promise<RunOutcome | null> {
    const closing = this.closeWindowNow();
    // Tracked until written, so idle() covers it (a window a row count closed is part of the rows' work).
    this.closing.add(closing);
    const forget = (): void => {
      this.closing.delete(closing);
    };
    closing.then(forget, forget);
    return closing;
  }

  private async closeWindowNow(): Promise<RunOutcome | null> {
    if (this.halted) return null;
    const now = new Date();
    const meta = this.meta(this.windowCounts, this.windowIndex, now);
    this.windowCounts = { rowsRead: 0, skipped: {}, startedAt: now };
    this.windowPairs = 0;
    if (this.online === null) return null;
    const { empty, closed } = this.online.closeWindow(meta, this.meta(this.totalCounts, null, now));
    if (empty) {
      // Nothing waits for an empty window's judgement: should the thread be closed before it answers (a shutdown
      // without sinks closes it right after the last window), its rejection is expected, not unhandled.
      closed.catch(() => {});
      return null;
    }
    // Numbered now, so a close posted while this one is judged gets the next number. (Should the worker have refused
    // every batch of the window, it judges nothing and the number is simply not used.)
    this.windowIndex++;
    const { window: outcome, cumulative } = await closed;
    // A second signal while the worker judged: write nothing more.
    if (outcome === null || cumulative === null || this.halted) return null;
    for (const c of outcome.comparisons) this.metrics.windows.inc({ comparison: c.name });
    this.judged(cumulative);
    if (this.opts.sinks !== null) await this.opts.sinks.write(runRecords(outcome));
    const failing = cumulative.comparisons.some((c) => c.verdicts.some((v) => !v.passed && !isPending(c, v.metric)));
    if (failing && this.opts.stopShadowOnFail && !this.treatmentOff) this.stopTreatment(cumulative);
    return outcome;
  }

  /** The cumulative outcome (closed windows), with its gauges updated. Only when a treatment runs. */
  async cumulative(now = new Date()): Promise<RunOutcome> {
    if (this.online === null) throw new Error('no treatment runs: nothing is compared');
    const outcome = await this.online.outcome(this.meta(this.totalCounts, null, now));
    this.judged(outcome);
    return outcome;
  }

  /** A cumulative outcome's gauges and gate log lines. */
  private judged(outcome: RunOutcome): void {
    for (const c of outcome.comparisons) {
      // A gate on a metric no label has fed yet is undecided, not failing: no sample until it can be judged.
      for (const v of c.verdicts) if (!isPending(c, v.metric)) this.metrics.gatePassing.set({ comparison: c.name, gate: v.gate }, v.passed ? 1 : 0);
      for (const m of c.result.metrics) {
        if (m.shape === 'matrix') continue;
        if (m.kind === 'pair') {
          if (m.value !== null) this.metrics.metricValue.set({ comparison: c.name, metric: m.name, field: 'value' }, m.value);
          continue;
        }
        for (const f of ['control', 'treatment', 'delta'] as const)
          if (m[f] !== null) this.metrics.metricValue.set({ comparison: c.name, metric: m.name, field: f }, m[f]!);
      }
      for (const v of c.verdicts) {
        if (isPending(c, v.metric)) continue;
        const key = `${c.name}\u0000${v.gate}`;
        // Logged when a gate changes state, not at every window.
        if (this.gateStates.get(key) !== v.passed) this.opts.log(`gate ${v.passed ? 'passing' : 'FAILING'}: ${c.name}: ${v.gate}: ${v.reason}`);
        this.gateStates.set(key, v.passed);
      }
    }
  }

  private stopTreatment(outcome: RunOutcome): void {
    this.treatmentOff = true;
    this.metrics.treatmentStopped.set(1);
    this.runners.get('treatment')?.stopShadow();
    const failing = outcome.comparisons.flatMap((c) =>
      c.verdicts.filter((v) => !v.passed && !isPending(c, v.metric)).map((v) => `${c.name}: ${v.gate}`),
    );
    this.opts.log(`--stop-shadow-on-fail: the treatment gets no more traffic (failing: ${failing.join('; ')})`);
  }

  /** Resolves when no row waits and no batch runs in either arm (shadow work included), and no window close is unwritten. */
  async idle(): Promise<void> {
    // One arm's batch can queue work on the other after that one was idle: wait until both are idle at once.
    const runners = [...this.runners.values()];
    for (;;) {
      if (!runners.every((r) => r.idle)) await Promise.all(runners.map((r) => r.whenIdle()));
      else if (this.closing.size > 0) await Promise.allSettled([...this.closing]);
      else return;
    }
  }

  /**
   * After the HTTP server stopped taking requests: let both arms finish (shadow work included), close the
   * last window and write it, then write the cumulative record of the serving run.
   */
  async drain(): Promise<void> {
    if (this.windowTimer !== null) clearInterval(this.windowTimer);
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    await this.idle();
    await this.closeWindow();
    if (this.opts.sinks !== null && this.comparing && !this.halted) {
      const cumulative = await this.cumulative();
      if (!this.halted) await this.opts.sinks.write(runRecords(cumulative));
    }
  }

  /** Start no more model calls and drop queued work; resolves when none runs (a second signal: exit now). */
  async halt(): Promise<void> {
    this.halted = true;
    if (this.windowTimer !== null) clearInterval(this.windowTimer);
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    await Promise.all([...this.runners.values()].map((r) => r.halt()));
  }

  async close(): Promise<void> {
    if (this.windowTimer !== null) clearInterval(this.windowTimer);
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    await Promise.all([...this.runners.values()].map((r) => r.executor.close()));
    await this.online?.close();
  }
}

/** The part of a generated id after the process's prefix: `ordinal` or `first+rows:i` (see ServeService.idPrefix). */
const GENERATED_ID = /^([0-9a-z]{1,10})(?:\+([0-9]{1,9}):([0-9]{1,9}))?$/;

/** A gate's metric is in the plan but not computed yet (it needs labels no feedback has given). */
function isPending(c: ComparisonOutcome, metric: string): boolean {
  return c.comparison.metrics.includes(metric) && !c.spec.metrics.includes(metric);
}

/** The items of a feedback body, or why it is refused. */
function feedbackItems(body: unknown): { id: string; label: unknown }[] | BadInput {
  const bad = (detail: string, row = 0): BadInput => ({
    error: 'bad-input',
    reason: 'bad-body',
    row,
    input: null,
    field: null,
    expected: null,
    detail,
  });
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return bad('the body must be a JSON object: {"request_id": ..., "label": ...} or {"labels": [...]}');
  const b = body as Record<string, unknown>;
  const list = b.labels !== undefined ? b.labels : [b];
  if (!Array.isArray(list) || list.length === 0) return bad('`labels` must be a non-empty list of {"request_id": ..., "label": ...}');
  const out: { id: string; label: unknown }[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as Record<string, unknown> | null;
    if (item === null || typeof item !== 'object' || typeof item.request_id !== 'string') return bad('each label needs a string `request_id`', i);
    if (!Object.hasOwn(item, 'label')) return bad('each label needs a `label` value', i);
    out.push({ id: item.request_id, label: item.label });
  }
  return out;
}
