/**
 * The Prometheus metrics of `m4c serve` (prom-client), in one place: every name has the `m4_` prefix and
 * its unit, counters end in `_total`, and label values come from bounded sets only — the graph, the
 * plan's comparisons, gates, metrics and nodes, the two arms, and fixed result words. Never a request id,
 * a field value or an error message.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ThreadTimes } from '../thread-priority.ts';

/** Latency buckets (seconds): 0.5 ms to 5 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/**
 * Counts kept as plain numbers on the hot path and added to their prom-client counter when it is read (its
 * `collect` hook, run at every scrape): prom-client validates and hashes the labels of every `inc`, which
 * per request costs more than the rest of the bookkeeping.
 */
class PendingCounts {
  private readonly entries = new Map<string, { labels: Record<string, string>; n: number }>();

  add(key: string, labels: () => Record<string, string>, n: number): void {
    this.slot(key, labels).n += n;
  }

  /** The pending count of one label set, to add to directly (look it up once, count often). */
  slot(key: string, labels: () => Record<string, string>): { n: number } {
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { labels: labels(), n: 0 };
      this.entries.set(key, e);
    }
    return e;
  }

  /** Move the pending counts into `counter`. */
  flushInto(counter: Counter<string>): void {
    for (const e of this.entries.values()) {
      if (e.n === 0) continue;
      counter.inc(e.labels, e.n);
      e.n = 0;
    }
  }
}

/** One exported sample, in the shape prom-client's registry prints. */
interface Sample {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
}

/** One label set's buckets of a {@link CountingHistogram}. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    let b = 0;
    while (b < this.bounds.length && v > this.bounds[b]!) b++;
    this.counts[b]!++;
    this.sum += v;
    this.count++;
  }
}

/**
 * A Prometheus histogram whose observations are three additions (prom-client's validate the labels, hash them
 * and make a closure per observation: a request's share of the server's CPU). It is read through the metric
 * contract of prom-client's registry (`name`, `help`, `type`, `get()`), so it is exported, default labels
 * included, like every other metric; the exposition is prom-client's own histogram format.
 */
export class CountingHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { labels: Record<L, string>; s: HistogramSeries }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Histogram);
  }

  /** The series of one label set (look it up once, observe it often). */
  child(key: string, labels: Record<L, string>): HistogramSeries {
    let e = this.series.get(key);
    if (e === undefined) {
      e = { labels, s: new HistogramSeries(this.bounds) };
      this.series.set(key, e);
    }
    return e.s;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    // As prom-client's histogram: `le` as the labels, the series' own labels as shared labels (printed last).
    const values: Sample[] = [];
    for (const { labels, s } of this.series.values()) {
      if (s.count === 0) continue; // a series appears once observed, as prom-client's do
      let acc = 0;
      for (let b = 0; b <= this.bounds.length; b++) {
        acc += s.counts[b]!;
        values.push({
          labels: { le: b < this.bounds.length ? this.bounds[b]! : '+Inf' },
          sharedLabels: labels,
          value: acc,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: {}, sharedLabels: labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** Every metric the server exports, on its own registry (several servers can live in one process). */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'result'>;
  readonly requestSeconds: CountingHistogram<'route'>;
  readonly rows: Counter<'arm'>;
  readonly batchRows: CountingHistogram<'arm' | 'role'>;
  readonly armSeconds: CountingHistogram<'arm' | 'role'>;
  readonly shadow: Counter<'arm' | 'result'>;
  readonly shadowQueueRows: Gauge<'arm'>;
  readonly shadowThreadSeconds: Counter<'state'>;
  readonly shadowSchedIdle: Gauge;
  /** The shadow arm's thread's run and wait times so far (set once it runs; null: unknown), read at scrape. */
  shadowThreadTimes: () => ThreadTimes | null = () => null;
  readonly nodeErrors: Counter<'arm' | 'node'>;
  readonly feedback: Counter<'result'>;
  readonly labelStoreEntries: Gauge;
  readonly labelStoreEvicted: Counter<'reason'>;
  readonly pairs: Counter<'comparison' | 'kind'>;
  readonly windows: Counter<'comparison'>;
  readonly metricValue: Gauge<'comparison' | 'metric' | 'field'>;
  readonly gatePassing: Gauge<'comparison' | 'gate'>;
  readonly treatmentStopped: Gauge;
  readonly ready: Gauge;

  private readonly pendingRequests = new PendingCounts();
  private readonly pendingRows = new PendingCounts();
  private readonly pendingShadow = new PendingCounts();
  private readonly pendingPairs = new PendingCounts();
  private readonly pendingEvicted = new PendingCounts();
  /** Rows in each arm's shadow queue, set into the gauge at scrape. */
  private readonly queuedRows = new Map<string, number>();

  constructor(graph: string) {
    const registers = [this.registry];
    const pendingRequests = this.pendingRequests;
    const pendingRows = this.pendingRows;
    const pendingShadow = this.pendingShadow;
    const pendingPairs = this.pendingPairs;
    const pendingEvicted = this.pendingEvicted;
    this.registry.setDefaultLabels({ graph });
    // prom-client's names start with `process_` and `nodejs_`: `m4_process_resident_memory_bytes`, `m4_nodejs_eventloop_lag_seconds`.
    collectDefaultMetrics({ register: this.registry, prefix: 'm4_' });
    this.requests = new Counter({
      name: 'm4_requests_total',
      help: 'HTTP requests by route and result (ok, bad_input, too_large, not_found, unsupported, unavailable, error, ...)',
      labelNames: ['route', 'result'],
      registers,
      collect() {
        pendingRequests.flushInto(this);
      },
    });
    this.requestSeconds = new CountingHistogram('m4_request_duration_seconds', 'HTTP request latency by route', LATENCY_BUCKETS, this.registry);
    this.rows = new Counter({
      name: 'm4_answered_rows_total',
      help: 'Rows answered, by the arm that answered',
      labelNames: ['arm'],
      registers,
      collect() {
        pendingRows.flushInto(this);
      },
    });
    this.batchRows = new CountingHistogram(
      'm4_batch_rows',
      'Rows per executor batch, by arm and role (primary answers, shadow compares)',
      BATCH_BUCKETS,
      this.registry,
    );
    this.armSeconds = new CountingHistogram(
      'm4_arm_batch_duration_seconds',
      'Executor time per batch, by arm and role',
      LATENCY_BUCKETS,
      this.registry,
    );
    this.shadow = new Counter({
      name: 'm4_shadow_rows_total',
      help: 'Rows sent to the shadow arm, by result (ok, shed, starved, dropped, timeout, error, stopped)',
      labelNames: ['arm', 'result'],
      registers,
      collect() {
        pendingShadow.flushInto(this);
      },
    });
    const queued = this.queuedRows;
    this.shadowQueueRows = new Gauge({
      name: 'm4_shadow_queue_rows',
      help: 'Rows waiting or running in the shadow queue',
      labelNames: ['arm'],
      registers,
      collect() {
        for (const [arm, n] of queued) this.set({ arm }, n);
      },
    });
    const times = (): ThreadTimes | null => this.shadowThreadTimes();
    let counted: ThreadTimes = { running: 0, waiting: 0 };
    this.shadowThreadSeconds = new Counter({
      name: 'm4_shadow_thread_seconds_total',
      help: "The shadow arm's thread's time on a CPU (state=running) and runnable but waiting for one (state=waiting)",
      labelNames: ['state'],
      registers,
      collect() {
        const t = times();
        if (t === null) return;
        // Kernel totals: add what they grew since the last scrape (never negative).
        this.inc({ state: 'running' }, Math.max(0, t.running - counted.running));
        this.inc({ state: 'waiting' }, Math.max(0, t.waiting - counted.waiting));
        counted = { running: Math.max(t.running, counted.running), waiting: Math.max(t.waiting, counted.waiting) };
      },
    });
    this.shadowSchedIdle = new Gauge({
      name: 'm4_shadow_thread_sched_idle',
      help: "1 when the shadow arm's thread runs in SCHED_IDLE (only on a CPU nothing else wants), 0 otherwise",
      registers,
    });
    this.nodeErrors = new Counter({
      name: 'm4_node_errors_total',
      help: 'Executor errors by arm and the node that failed',
      labelNames: ['arm', 'node'],
      registers,
    });
    this.feedback = new Counter({
      name: 'm4_feedback_labels_total',
      help: 'Feedback labels by result (joined, unknown, expired, evicted, duplicate, unpaired, invalid)',
      labelNames: ['result'],
      registers,
    });
    this.labelStoreEntries = new Gauge({ name: 'm4_label_store_entries', help: 'Predictions awaiting a label', registers });
    this.labelStoreEvicted = new Counter({
      name: 'm4_label_store_evicted_total',
      help: 'Predictions dropped from the label store unlabelled, by reason (expired, evicted, replaced)',
      labelNames: ['reason'],
      registers,
      collect() {
        pendingEvicted.flushInto(this);
      },
    });
    this.pairs = new Counter({
      name: 'm4_comparison_rows_total',
      help: 'Rows fed to a comparison: kind=paired (both arms answered), kind=labelled (joined to feedback)',
      labelNames: ['comparison', 'kind'],
      registers,
      collect() {
        pendingPairs.flushInto(this);
      },
    });
    this.windows = new Counter({
      name: 'm4_comparison_windows_total',
      help: 'Comparison windows closed and written',
      labelNames: ['comparison'],
      registers,
    });
    this.metricValue = new Gauge({
      name: 'm4_comparison_metric',
      help: 'Cumulative comparison metric values (as of the last closed window)',
      labelNames: ['comparison', 'metric', 'field'],
      registers,
    });
    this.gatePassing = new Gauge({
      name: 'm4_gate_passing',
      help: '1 when the gate passes on the cumulative state, else 0',
      labelNames: ['comparison', 'gate'],
      registers,
    });
    this.treatmentStopped = new Gauge({
      name: 'm4_treatment_stopped',
      help: '1 once --stop-shadow-on-fail stopped traffic to the treatment',
      registers,
    });
    this.ready = new Gauge({ name: 'm4_ready', help: '1 once every model session is open', registers });
  }

  /** The pending count of `m4_requests_total{route, result}`: add to its `n` (look it up once per pair). */
  requestCount(route: string, result: string): { n: number } {
    return this.pendingRequests.slot(`${route} ${result}`, () => ({ route, result }));
  }

  /** `m4_answered_rows_total{arm}` += n. */
  answered(arm: string, n: number): void {
    if (n > 0) this.pendingRows.add(arm, () => ({ arm }), n);
  }

  /** `m4_shadow_rows_total{arm, result}` += n. */
  shadowRows(arm: string, result: string, n: number): void {
    this.pendingShadow.add(`${arm}\u0000${result}`, () => ({ arm, result }), n);
  }

  /** `m4_label_store_evicted_total{reason}` += n. */
  evicted(reason: 'expired' | 'evicted' | 'replaced', n = 1): void {
    if (n > 0) this.pendingEvicted.add(reason, () => ({ reason }), n);
  }

  /** `m4_shadow_queue_rows{arm}` = n. */
  shadowQueue(arm: string, n: number): void {
    this.queuedRows.set(arm, n);
  }

  /** `m4_comparison_rows_total{comparison, kind}` += n. */
  comparedRows(comparison: string, kind: 'paired' | 'labelled', n: number): void {
    this.pendingPairs.add(`${comparison}\u0000${kind}`, () => ({ comparison, kind }), n);
  }
}
