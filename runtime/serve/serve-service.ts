/**
 * The serving logic behind the routes: predict (answer from one arm; the other arm's shadow work goes to its own
 * thread, shadow-thread.ts), feedback (read here, joined there), windows (cut and judged there, their records built
 * here and written on the sink writer's thread, sink-thread.ts) and drain.
 * Knows the plan and the runtime only; the HTTP layer is http-server.ts, the wiring server.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Plan, PlanInput } from '../../plan/plan-types.ts';
import type { RunMeta, RunSubject } from '../../plan/record-types.ts';
import { createExecutor, type Executor } from '../executor.ts';
import { buildProgram } from '../plan-graph.ts';
import type { LoadedPlan } from '../plan-load.ts';
import { runRecords } from '../run-record.ts';
import type { RunRecord } from '../../plan/record-types.ts';
import { runMeta, subjectOf } from '../run-meta.ts';
import type { RunOutcome } from '../comparison-run.ts';
import { formatRuntimeMessage, RuntimeError } from '../runtime-error.ts';
import { armPlan, type Arm, type ArmPlan } from './arm-plans.ts';
import { ArmRunner, RejectedRowError, type RowAnswer } from './arm-runner.ts';
import { ArmChooser } from './canary.ts';
import { feedbackItems, feedbackKey, readLabels } from './feedback-input.ts';
import { exportJudgement, isPending } from './gate-report.ts';
import type { HttpReply } from './http-server.ts';
import type { ServeOptions } from './serve-options.ts';
import { RequestRowReader, RowProblem, type BadInput } from './request-rows.ts';
import type { ServeMetrics } from './serve-metrics.ts';
import type { FeedbackItem } from './shadow-protocol.ts';
import { ShadowThread, type ClosedMessage } from './shadow-thread.ts';
import { rowValue } from '../outputs-writer.ts';
import { beforeDeadline } from './deadline.ts';
import { SinkError } from '../sinks/sink.ts';
import { SinkThread } from './sink-thread.ts';

export type { ServeOptions } from './serve-options.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A runtime error's message for the request it failed: the failing batch's rows named as the request and its rows'
 * indices (`request "r1", rows 0–3`), not as lines of a file (a batch's "lines" are its ordinals + 1, and may
 * span other requests batched with this one).
 */
function servedMessage(err: unknown, requestId: string, first: number, rows: number, single: boolean): string {
  if (!(err instanceof RuntimeError) || err.lines === null) return (err as Error).message;
  let where = `request ${JSON.stringify(requestId)}`;
  if (!single) {
    // The batch's ordinals are lines - 1; the request's rows among them, as indices within the request.
    const lo = Math.max(0, err.lines.first - 1 - first);
    const hi = Math.min(rows - 1, err.lines.last - 1 - first);
    if (lo <= hi) where += lo === hi ? `, row ${lo}` : `, rows ${lo}–${hi}`;
  }
  return formatRuntimeMessage(err.node, err.span, where, err.detail, err.subject);
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
  /** The shadow arm, the pairing, the label store and the comparisons, on their own thread; when a treatment runs. */
  private shadow: ShadowThread | null = null;
  private readonly arms = new Map<Arm, ArmPlan>();
  /** The arms that answer requests, on this thread. */
  private readonly runners = new Map<Arm, ArmRunner>();
  private reader: RequestRowReader | null = null;
  private readonly chooser: ArmChooser;
  private readonly labels: LabelReader[] = [];
  /** The label inputs, by name (each read by at least one comparison). */
  private readonly labelInputs = new Map<string, PlanInput>();
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
   * escaping. Feedback reads the ordinal back (feedbackKey): the label store keys these rows by number and keeps
   * no string per row alive (see PairKey).
   */
  private readonly idPrefix = `${randomBytes(6).toString('hex')}-`;
  private windowCounts: Counts = { rowsRead: 0, skipped: {}, startedAt: new Date() };
  private readonly totalCounts: Counts = { rowsRead: 0, skipped: {}, startedAt: new Date() };
  private windowTimer: NodeJS.Timeout | null = null;
  private treatmentOff = false;
  /** Window closes not written yet (their judgement runs on the comparisons' thread). */
  private readonly closing = new Set<Promise<RunOutcome | null>>();
  private readonly gateStates = new Map<string, boolean>();
  /** Set by {@link halt}: nothing more is written. */
  private halted = false;
  /**
   * The records this serving run owes its sinks and has not written (a window whose write failed or is in
   * progress; from the drain on, the last window and the cumulative record): named when a sink fails or hangs.
   */
  private readonly owed = new Map<object, string>();
  /** The records' writer, on its own thread (when a treatment runs and there are sinks). */
  private sinks: SinkThread | null = null;
  /** Window records a sink refused while serving, in the order they were due: sent again before the next write. */
  private readonly refused: { records: RunRecord[]; token: object; label: string }[] = [];
  /** The retries of {@link refused}, one after the other. */
  private retrying: Promise<SinkError | null> = Promise.resolve(null);
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
      if (input === undefined) continue;
      this.labels.push({ comparison: c.name, input });
      this.labelInputs.set(input.name, input);
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
  }

  get plan(): Plan {
    return this.loaded.plan;
  }

  get comparing(): boolean {
    return this.arms.has('treatment');
  }

  /** Open every model session (both arms, the shadow's on its thread); the server is ready after this. */
  async start(): Promise<void> {
    const canary = this.opts.mode === 'canary' && this.comparing;
    // The arms that answer: the control, and in a canary the treatment too. Their models may run on this thread:
    // no shadow work runs here any more (shadow-thread.ts).
    const answering: Arm[] = canary ? ['control', 'treatment'] : ['control'];
    if (this.comparing) {
      this.shadow = new ShadowThread({
        init: {
          plan: this.plan,
          modelPaths: [...this.loaded.modelPaths],
          // The arm that did not answer a row runs it in shadow: in a canary, either.
          shadowArms: canary ? ['control', 'treatment'] : ['treatment'],
          labelled: this.labels.map((l) => l.comparison),
          labelOf: Object.fromEntries(this.labels.map((l) => [l.comparison, l.input.name])),
          maxBatch: this.opts.maxBatch,
          shadowTimeoutMs: this.opts.shadowTimeoutMs,
          labelTtlMs: this.opts.labelTtlMs,
          labelCapacity: this.opts.labelCapacity,
          windowRows: 'rows' in this.opts.window ? this.opts.window.rows : null,
          intraOpThreads: this.opts.intraOpThreads,
          // In shadow mode the treatment only feeds the comparison: it runs only on a CPU the answers do not want
          // (SCHED_IDLE). In a canary both arms answer, so their thread keeps its priority.
          idle: this.opts.mode === 'shadow',
          hold: this.opts.comparisonsHold ?? null,
        },
        arms: this.arms,
        metrics: this.metrics,
        shadowQueueRows: this.opts.shadowQueueRows,
        shedLoad: this.opts.shadowShedLoad,
        log: this.opts.log,
        onClosed: (m) => this.track(this.windowClosed(m)).catch((err) => this.windowFailed(err)),
        // An answered row the shadow did not run (shed, dropped, timed out, ...) is in no pair: the records count it
        // as skipped by that reason, so every row a record saw is counted or skipped.
        onShadowRows: (result, n) => {
          if (result !== 'ok') this.countSkipped(`shadow-${result}`, n);
        },
      });
    }
    const opened = answering.map(async (arm) => {
      const executor = await createExecutor(
        { plan: this.arms.get(arm)!.plan, modelPaths: this.loaded.modelPaths },
        { engine: this.opts.engine, batchSize: this.opts.maxBatch, intraOpThreads: this.opts.intraOpThreads, outputs: true, comparisons: false },
      );
      this.runners.set(arm, this.runner(arm, executor));
    });
    if (this.comparing && this.opts.sinks !== null) {
      // Nice 10, as the comparisons' thread: writing a record is work no answer waits for.
      this.sinks = new SinkThread(this.opts.sinks, { niceness: 10, lockWaitMs: this.opts.sinkLockWaitMs ?? null });
    }
    await Promise.all([...opened, this.shadow?.start(), this.sinks?.opened]);
    // Every input an arm reads is read (and checked) from a request, the shadow arm's too.
    const needed = new Set<string>();
    for (const ap of this.arms.values())
      for (const s of buildProgram(ap.plan, { outputs: true, comparisons: false }).steps) if (s.kind === 'input') needed.add(s.input);
    this.reader = new RequestRowReader(this.plan.inputs.filter((i) => needed.has(i.name)));
    this.windowCounts.startedAt = new Date();
    this.totalCounts.startedAt = this.windowCounts.startedAt;
    if ('ms' in this.opts.window)
      this.windowTimer = setInterval(() => this.closeWindow().catch((err) => this.windowFailed(err)), this.opts.window.ms);
    this.windowTimer?.unref();
    this.ready = true;
    this.metrics.ready.set(1);
  }

  private runner(arm: Arm, executor: Executor): ArmRunner {
    const m = this.metrics;
    const primaryRows = m.batchRows.child(`${arm} primary`, { arm, role: 'primary' });
    const primarySeconds = m.armSeconds.child(`${arm} primary`, { arm, role: 'primary' });
    const shadow = this.shadow;
    return new ArmRunner(arm, executor, {
      maxBatch: this.opts.maxBatch,
      maxDelayMs: this.opts.maxDelayMs,
      // On the main thread a model call runs synchronously (onnxruntime-node runs it in a setImmediate): a second
      // batch in flight would not run alongside the first, only split the rows into smaller batches (one more
      // model call each). With workers, the next batch is assembled while one runs.
      maxInFlight: executor.engine === 'main' ? 1 : 2,
      // Nothing else runs on this thread's cores but the answers and a cheap copy per batch for the shadow.
      nextTurnAfterBatch: true,
      shadowQueueRows: 0,
      shadowTimeoutMs: this.opts.shadowTimeoutMs,
      // A batch answered, its responses written (onPrimary runs after them and before more requests are read):
      // what the shadow needs goes to its thread, which stores the rows for feedback before it reads any later
      // feedback (messages arrive in order).
      onPrimary: shadow === null ? undefined : (batch, rows, values) => shadow.give(arm, batch, rows, values),
      onBatch: (_role, n, s) => {
        primaryRows.observe(n);
        primarySeconds.observe(s);
      },
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
        return this.failed(err, [answer], [requestId], requestId, firstRowId, true);
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
      return this.failed(err, answers, ids, requestId, firstRowId, false);
    }
    let byControl = 0;
    for (const a of results) if (a.arm === 'control') byControl++;
    this.metrics.answered('control', byControl);
    this.metrics.answered('treatment', results.length - byControl);
    const answered = results.map((a, i) => this.answerJson(JSON.stringify(ids[i]!), a));
    return { status: 200, body: `{"request_id":${JSON.stringify(requestId)},"rows":[${answered.join(',')}]}`, contentType: JSON_TYPE };
  }

  /**
   * The answer of a request whose rows did not all get one: a refused row (400) or a runtime error (500). `first`:
   * the ordinal of the request's first row; `single`: an `inputs` request (one row, no index).
   */
  private async failed(
    err: unknown,
    answers: Promise<RowAnswer>[],
    ids: string[],
    requestId: string,
    first: number,
    single: boolean,
  ): Promise<HttpReply> {
    // Every row of the request without an answer is counted: refused by an op, by its reason; failed, as
    // `runtime-error` (its batch gave no outputs, so nothing pairs it). The other rows were answered, and paired.
    const settled = await Promise.allSettled(answers);
    for (const s of settled)
      if (s.status === 'rejected') this.countSkipped(s.reason instanceof RejectedRowError ? s.reason.rejected.reason : 'runtime-error');
    if (err instanceof RejectedRowError) {
      // The answer names the first refused row.
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
    return { status: 500, body: { error: 'runtime-error', request_id: requestId, detail: servedMessage(err, requestId, first, ids.length, single) } };
  }

  /** One row's answer: `{"request_id":...,"arm":...,"outputs":{...}}`, written by hand (no object per answer); `idJson` is the id as a JSON string. */
  private answerJson(idJson: string, a: RowAnswer): string {
    const keys = this.outputKeys.get(a.arm)!;
    if (keys.length === 0) return `{"request_id":${idJson},"arm":"${a.arm}","outputs":{}}`;
    let out = `{"request_id":${idJson}`;
    for (let k = 0; k < keys.length; k++) out += keys[k]!.before + rowValue(a.values[keys[k]!.name]!, a.index);
    return `${out}}}`;
  }

  /**
   * A `/v1/predict` body that is not JSON (the HTTP layer refused it before the route ran): one row read and skipped,
   * `invalid-json`, as a replay line that is not JSON — the records account for every request refused with a 400.
   */
  badJson(): void {
    if (this.ready) this.countBad('invalid-json');
  }

  private countBad(reason: string): void {
    // A refused request counts as one row read and skipped, as a bad replay row does.
    this.windowCounts.rowsRead++;
    this.totalCounts.rowsRead++;
    this.countSkipped(reason);
  }

  /** `n` rows already counted as read that an op refused (a corrupt image), or the shadow did not run: skipped by the reason. */
  private countSkipped(reason: string, n = 1): void {
    this.windowCounts.skipped[reason] = (this.windowCounts.skipped[reason] ?? 0) + n;
    this.totalCounts.skipped[reason] = (this.totalCounts.skipped[reason] ?? 0) + n;
  }

  // ---------------------------------------------------------------- feedback

  /**
   * `POST /v1/feedback`: `{request_id, label}`, `{request_id, labels: {input: value, ...}}`, or a list of them as
   * `{labels: [...]}`. Read and checked here,
   * joined on the shadow arm's thread (after every batch answered before it is stored there).
   */
  async feedback(body: unknown): Promise<HttpReply> {
    if (!this.ready) return { status: 503, body: { error: 'not-ready', detail: 'the model sessions are still opening' } };
    const items = feedbackItems(body);
    if (!Array.isArray(items)) return { status: 400, body: items };
    if (this.labels.length === 0 || this.shadow === null) {
      return {
        status: 409,
        body: {
          error: 'no-labels',
          detail:
            this.labels.length === 0
              ? 'no comparison of this graph takes its label from a graph input, so feedback has nothing to label'
              : '--mode control runs no treatment: there is no pair for feedback to label',
        },
      };
    }
    const parsed: FeedbackItem[] = [];
    for (let i = 0; i < items.length; i++) {
      const labels = readLabels(this.labelInputs, items[i]!, i);
      if (labels instanceof RowProblem) {
        this.metrics.feedback.inc({ result: 'invalid' });
        return { status: 400, body: labels.input };
      }
      const id = items[i]!.id;
      parsed.push({ id, key: feedbackKey(id, this.idPrefix, this.nextRowId), labels });
    }
    try {
      return { status: 200, body: { results: await this.shadow.feedback(parsed) } };
    } catch (err) {
      return { status: 500, body: { error: 'runtime-error', detail: `feedback: ${(err as Error).message}` } };
    }
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
   * the treatment's traffic. The cut and the judging run off this thread (the shadow's, then the comparisons'):
   * requests are answered meanwhile, and their pairs go to the next window.
   */
  closeWindow(): Promise<RunOutcome | null> {
    if (this.halted) return Promise.resolve(null);
    if (this.shadow === null) {
      this.windowCounts = { rowsRead: 0, skipped: {}, startedAt: new Date() };
      return Promise.resolve(null);
    }
    return this.track(this.shadow.closeWindow().then((m) => this.windowClosed(m)));
  }

  /** Mark a record as owed until {@link paid}; returns its token. */
  private owe(label: string): object {
    const token = {};
    this.owed.set(token, label);
    return token;
  }

  private paid(token: object): void {
    this.owed.delete(token);
  }

  /**
   * What this serving run has not written to its sinks, for an error message: `window 3 and the cumulative record of
   * serve run <uuid>`; null when nothing is owed.
   */
  unwritten(): string | null {
    // In the order they were due: the windows by number, then the last window (not cut yet), then the cumulative record.
    const rank = (l: string): number => (l.startsWith('window ') ? Number(l.slice(7)) : l === 'the last window' ? 1e15 : 2e15);
    const labels = [...new Set(this.owed.values())].sort((a, b) => rank(a) - rank(b));
    if (labels.length === 0) return null;
    const list = labels.length === 1 ? labels[0]! : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)!}`;
    return `${list} of serve run ${this.runId}`;
  }

  /**
   * Write one outcome's records (one per comparison) to their sinks, on the sink writer's thread after every write
   * asked for before (in the order the windows were cut); owed until written. Throws SinkError.
   */
  private async write(outcome: RunOutcome, label: string): Promise<void> {
    if (this.sinks === null) return;
    const token = this.owe(label);
    const records = runRecords(outcome);
    // Records a sink refused before (a database restarting, a file locked past the lock wait) go first, in order.
    await this.retryRefused();
    try {
      // Halted before the write started: the writer dropped it, and it stays owed.
      if (await this.sinks.write(records)) this.paid(token);
    } catch (err) {
      if (err instanceof SinkError && !this.halted) this.refused.push({ records, token, label });
      throw err;
    }
  }

  /**
   * Send again, in the order they were due, the records a sink refused: each is one transaction per sink, so a refused
   * one left nothing there. Stops at the first refused again (the sink is still away) and returns its error; null when
   * every one is written now.
   */
  private retryRefused(): Promise<SinkError | null> {
    this.retrying = this.retrying.then(async () => {
      while (this.refused.length > 0 && this.sinks !== null && !this.halted) {
        const r = this.refused[0]!;
        try {
          if (!(await this.sinks.write(r.records))) return null;
        } catch (err) {
          return err instanceof SinkError ? err : new SinkError('the sinks', (err as Error).message);
        }
        this.refused.shift();
        this.paid(r.token);
        this.opts.log(`${r.label}: written (refused before)`);
      }
      return null;
    });
    return this.retrying;
  }

  /** The path or URL of the sink a record is being written to, or null (to name a sink that does not answer). */
  get writing(): string | null {
    return this.sinks?.writing ?? null;
  }

  /** Tracked until written, so idle() covers it (a window a row count closed is part of the rows' work). */
  private track(closing: Promise<RunOutcome | null>): Promise<RunOutcome | null> {
    this.closing.add(closing);
    const forget = (): void => {
      this.closing.delete(closing);
    };
    closing.then(forget, forget);
    return closing;
  }

  /** A window's record not written while serving: logged (it stays owed); once halted, the stop's own message names it. */
  private windowFailed(err: unknown): void {
    if (!this.halted) this.opts.log(`window: ${(err as Error).message}`);
  }

  /** A window the shadow's thread cut (asked for, or at `--window N` pairs): its record, in the order they were cut. */
  private async windowClosed(m: ClosedMessage): Promise<RunOutcome | null> {
    const now = new Date(m.at);
    const counts = this.windowCounts;
    if (m.index === null || m.window === null || m.cumulative === null) {
      // A cut with no pair writes no record: the rows it read (refused ones, or rows whose pairs were cut into the next
      // window) join the next window's record, which then starts where they were read — every row read is in a window.
      if (counts.rowsRead === 0) this.windowCounts = { rowsRead: 0, skipped: {}, startedAt: now };
      return null;
    }
    this.windowCounts = { rowsRead: 0, skipped: {}, startedAt: now };
    // A second signal while the worker judged: write nothing more.
    if (this.halted) return null;
    // The worker judged with a placeholder meta: the record's is this thread's (its counts of rows read).
    const outcome: RunOutcome = { ...m.window, meta: this.meta(counts, m.index, now) };
    const cumulative: RunOutcome = { ...m.cumulative, meta: this.meta(this.totalCounts, null, now) };
    for (const c of outcome.comparisons) this.metrics.windows.inc({ comparison: c.name });
    this.judged(cumulative);
    // A failing gate stops the treatment at once, whether or not (or however late) its window's record is written.
    const failing = cumulative.comparisons.some((c) => c.verdicts.some((v) => !v.passed && !isPending(c, v.metric)));
    if (failing && this.opts.stopShadowOnFail && !this.treatmentOff) this.stopTreatment(cumulative);
    await this.write(outcome, `window ${m.index}`);
    return outcome;
  }

  /**
   * The cumulative outcome (closed windows). Only when a treatment runs. Its gauges and gate log lines were set when
   * the last window closed (the state changes only then); judged again here, a state no window has fed yet would
   * export its gates as failing ("no rows") to a rollout controller, on a mere GET /v1/comparisons.
   */
  async cumulative(now = new Date()): Promise<RunOutcome> {
    if (this.shadow === null) throw new Error('no treatment runs: nothing is compared');
    return { ...(await this.shadow.outcome()), meta: this.meta(this.totalCounts, null, now) };
  }

  /** A cumulative outcome's gauges and gate log lines. */
  private judged(outcome: RunOutcome): void {
    exportJudgement(outcome, this.metrics, this.gateStates, this.opts.log);
  }

  private stopTreatment(outcome: RunOutcome): void {
    this.treatmentOff = true;
    this.metrics.treatmentStopped.set(1);
    this.shadow?.stop();
    const failing = outcome.comparisons.flatMap((c) =>
      c.verdicts.filter((v) => !v.passed && !isPending(c, v.metric)).map((v) => `${c.name}: ${v.gate}`),
    );
    this.opts.log(`--stop-shadow-on-fail: the treatment gets no more traffic (failing: ${failing.join('; ')})`);
  }

  /**
   * Resolves when no row waits and no batch runs in either arm (the shadow's thread included), and no window close
   * is unwritten.
   */
  async idle(): Promise<void> {
    // An answered batch queues shadow work, and a shadow batch can cut a window: wait until all is idle at once.
    const runners = [...this.runners.values()];
    for (;;) {
      if (!runners.every((r) => r.idle)) await Promise.all(runners.map((r) => r.whenIdle()));
      else if (this.closing.size > 0) await Promise.allSettled([...this.closing]);
      else {
        await this.shadow?.idle();
        if (runners.every((r) => r.idle) && this.closing.size === 0) return;
      }
    }
  }

  /** The shadow arm's thread's heap in use (bytes), where the label store lives; null without a treatment. */
  async shadowHeapUsed(): Promise<number | null> {
    return this.shadow === null ? null : this.shadow.heapUsed();
  }

  /**
   * After the HTTP server stopped taking requests: let both arms finish (shadow work included, until `deadline`,
   * a performance.now() time: what is still queued then is given up, counted `shutdown`, and the batch running
   * finishes), close the last window and write it, then write the cumulative record of the serving run.
   * `writeDeadline`: a sink write that blocks the sink writer's thread (SQLite) waits for a lock until then at most;
   * the caller bounds the rest (server.ts). Throws SinkError naming what was not written.
   */
  async drain(deadline = Number.POSITIVE_INFINITY, writeDeadline = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.windowTimer !== null) clearInterval(this.windowTimer);
    this.sinks?.lockWaitUntilTime(writeDeadline);
    const writes = this.opts.sinks !== null && this.comparing;
    const last = writes ? this.owe('the last window') : null;
    const all = writes ? this.owe('the cumulative record') : null;
    try {
      await beforeDeadline(this.idle(), deadline, () => {
        this.opts.log('drain: --drain-timeout reached: the shadow work still queued is given up (counted as `shutdown`)');
        this.shadow?.stop('shutdown');
      });
      if (this.shadow === null) await this.closeWindow();
      else
        await this.track(
          this.shadow.closeWindow().then((m) => {
            // Cut: from here on the window is owed by its number (a window with no row writes nothing).
            if (last !== null) this.paid(last);
            return this.windowClosed(m);
          }),
        );
      if (writes && !this.halted) {
        const cumulative = await this.cumulative();
        if (!this.halted) await this.write(cumulative, 'the cumulative record');
        this.paid(all!);
        // A window a sink refused while serving, and refused again now: the stop says so (exit 3, named).
        const again = await this.retryRefused();
        if (again !== null) throw again;
      }
    } catch (err) {
      if (!(err instanceof SinkError)) throw err;
      throw new SinkError(err.path, `${err.detail}; not written: ${this.unwritten() ?? 'nothing'}`);
    }
  }

  /** Start no more model calls and drop queued work; resolves when none runs (a second signal: exit now). */
  async halt(): Promise<void> {
    this.halted = true;
    if (this.windowTimer !== null) clearInterval(this.windowTimer);
    await Promise.all([...[...this.runners.values()].map((r) => r.halt()), this.shadow?.halt(), this.sinks?.halt()]);
  }

  async close(): Promise<void> {
    if (this.windowTimer !== null) clearInterval(this.windowTimer);
    await Promise.all([...[...this.runners.values()].map((r) => r.executor.close()), this.shadow?.close(), this.sinks?.close()]);
  }
}
