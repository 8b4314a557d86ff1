/**
 * The worker thread that runs a serving run's shadow arm (shadow-thread.ts starts it): the shadow arm's models
 * (on this thread), its bounded batching (ArmRunner), the label store, the pairing and the feedback join
 * (shadow-pairing.ts), and the online comparisons' own thread (comparisons-thread.ts, started from here so that
 * pairs and window closes reach it in the order they happen here). The main thread only posts what each answered
 * batch gives the shadow, and forwards feedback and window closes; it gets back counts for its metrics.
 */
import { collectGarbage } from '../collect-garbage.ts';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf, RuntimeError } from '../runtime-error.ts';
import { M4Error, EXIT } from '../../plan/errors.ts';
import { createExecutor } from '../executor.ts';
import { runMeta, subjectOf } from '../run-meta.ts';
import type { RunMeta } from '../../plan/record-types.ts';
import { idlePriority, nameThread, threadId, type IdleClass } from '../thread-priority.ts';
import { armPlan, otherArm, type Arm, type ArmPlan } from './arm-plans.ts';
import { ArmRunner } from './arm-runner.ts';
import { ComparisonsThread } from './comparisons-thread.ts';
import type { FromShadow, ShadowInit, ShadowStats, ToShadow } from './shadow-protocol.ts';
import { ShadowPairing } from './shadow-pairing.ts';

const init = workerData as ShadowInit;
nameThread('m4-shadow');
const port = parentPort!;
const send = (m: FromShadow): void => port.postMessage(m);

/** Stats are sent at most this often (and before every reply), so the main thread's metrics lag by no more. */
const STATS_MS = 50;

function freshStats(): ShadowStats {
  return {
    received: {},
    queued: {},
    shadowRows: {},
    batches: [],
    nodeErrors: {},
    feedback: {},
    compared: {},
    evicted: { expired: 0, evicted: 0, replaced: 0 },
    storeSize: 0,
    logs: [],
  };
}
let stats = freshStats();
/** Per shadow arm: rows received with their tensors (since the start), and rows queued or running now. */
const received: Partial<Record<Arm, number>> = {};
const queued: Partial<Record<Arm, number>> = {};
let statsDirty = false;
let statsTimer: NodeJS.Timeout | null = null;
const bump = (o: Record<string, number>, key: string, n: number): void => {
  o[key] = (o[key] ?? 0) + n;
  dirty();
};
function dirty(): void {
  statsDirty = true;
  statsTimer ??= setTimeout(flushStats, STATS_MS);
}
function flushStats(): void {
  if (statsTimer !== null) clearTimeout(statsTimer);
  statsTimer = null;
  if (!statsDirty) return;
  stats.storeSize = pairing?.store.size ?? 0;
  stats.received = { ...received };
  stats.queued = { ...queued };
  send({ kind: 'stats', stats });
  stats = freshStats();
  statsDirty = false;
}
const reply = (id: number, value?: unknown, error?: string): void => {
  flushStats();
  send({ kind: 'reply', id, value, error });
};

let priority: IdleClass = 'normal';

const plan = init.plan;
const subject = subjectOf(plan);
const arms = new Map<Arm, ArmPlan>([
  ['control', armPlan(plan, 'control')],
  ['treatment', armPlan(plan, 'treatment')],
]);
const runners = new Map<Arm, ArmRunner>();
let pairing: ShadowPairing | null = null;
let online: ComparisonsThread | null = null;
let windowIndex = 0;
let windowPairs = 0;
/** Window closes being judged. */
const closing = new Set<Promise<void>>();

/** A placeholder meta for the comparisons' judgement: the main thread writes the real one (its counts). */
function placeholder(window: number | null): RunMeta {
  const at = new Date();
  return {
    ...runMeta(subject, {
      dataPath: null,
      stats: { rowsRead: 0, rowsTotal: 0, skipped: {}, read: { bytes: 0, sha256: '', complete: true } },
      startedAt: at,
      endedAt: at,
      interrupted: false,
      runId: `shadow/${window ?? 'all'}`,
    }),
    serve: { run: 'shadow', window },
  };
}

/** Cut the window here (pairs given after this go to the next one) and send its judgement. */
function cut(id: number | null): void {
  windowPairs = 0;
  const at = Date.now();
  const { empty, closed } = online!.closeWindow(placeholder(windowIndex), placeholder(null));
  if (empty) {
    closed.catch(() => {});
    // Told after the closes before it, so the main thread sees every window in the order it was cut.
    if (id !== null) void Promise.allSettled([...closing]).then(() => send({ kind: 'closed', id, index: null, at, window: null, cumulative: null }));
    return;
  }
  const index = windowIndex++;
  const done = closed.then(
    (c) => {
      flushStats();
      send({ kind: 'closed', id, index, at, window: c.window, cumulative: c.cumulative });
    },
    (err: unknown) => {
      if (id !== null) reply(id, undefined, messageOf(err));
      else {
        stats.logs.push(`window: ${messageOf(err)}`);
        dirty();
      }
    },
  );
  closing.add(done);
  void done.finally(() => closing.delete(done));
}

async function start(): Promise<void> {
  online = new ComparisonsThread(
    subject,
    new Set(init.labelled),
    (message) => {
      stats.logs.push(`comparisons: ${message}`);
      dirty();
    },
    // The comparisons never answer a request: when cores are scarce they yield to the answers. In shadow mode
    // SCHED_IDLE, as this thread: everything they get comes from this thread (pairs, window closes), so at nice 10
    // they made nothing progress that this thread's class does not already hold back, while still taking ~10% of a
    // CPU the answers' thread wants (SCHED_IDLE: ~0.3%). In a canary this thread runs at normal priority, and the
    // comparisons at nice 10: their queue has no bound, and the judgements must progress on a busy machine.
    { niceness: init.idle ? 'idle' : 10, hold: init.hold },
  );
  // In shadow mode the treatment only feeds the comparison: it runs on a CPU nothing else wants (SCHED_IDLE). Set
  // after the comparisons' thread started, which would inherit the class (and could not raise its nice value
  // back without privileges).
  if (init.idle) priority = idlePriority();
  const modelPaths = new Map(init.modelPaths);
  for (const arm of init.shadowArms) {
    const ap = arms.get(arm)!;
    // The models run on this thread: it is the shadow's own (the main thread never waits for it).
    const executor = await createExecutor(
      { plan: ap.plan, modelPaths },
      { engine: 'main', batchSize: init.maxBatch, intraOpThreads: init.intraOpThreads, outputs: true, comparisons: false },
    );
    runners.set(
      arm,
      new ArmRunner(arm, executor, {
        maxBatch: init.maxBatch,
        maxDelayMs: 0,
        // The main thread bounds the shadow work (it knows what it posted); nothing more is dropped here.
        shadowQueueRows: Number.POSITIVE_INFINITY,
        shadowTimeoutMs: init.shadowTimeoutMs,
        onBatch: (role, rows, seconds) => {
          stats.batches.push([arm, rows, seconds]);
          dirty();
        },
        onShadowQueue: (rows) => {
          queued[arm] = rows;
          dirty();
        },
        onError: (role, err) => {
          const node = err instanceof RuntimeError && err.node !== null ? err.node : 'none';
          bump(stats.nodeErrors, `${arm}\u0000${node}`, 1);
          stats.logs.push(`${arm} arm (${role}): ${messageOf(err)}`);
        },
      }),
    );
  }
  pairing = new ShadowPairing(
    arms,
    runners,
    online,
    {
      shadowRows: (arm, result, n) => bump(stats.shadowRows, `${arm}\u0000${result}`, n),
      feedback: (result, n) => bump(stats.feedback, result, n),
      compared: (comparison, kind, n) => bump(stats.compared, `${comparison}\u0000${kind}`, n),
      evicted: (reason) => {
        stats.evicted[reason]++;
        dirty();
      },
    },
    {
      labelTtlMs: init.labelTtlMs,
      labelCapacity: init.labelCapacity,
      labelled: new Set(init.labelled),
      labelOf: new Map(Object.entries(init.labelOf)),
      windowRoom: () => (init.windowRows === null ? Number.POSITIVE_INFINITY : init.windowRows - windowPairs),
      onPairs: (rows) => {
        windowPairs += rows;
        // Cut at once, as the pairs that filled it arrive: the window holds exactly the pairs before this point.
        if (init.windowRows !== null && windowPairs >= init.windowRows) cut(null);
      },
    },
  );
  setInterval(() => {
    pairing!.store.sweep();
    dirty();
  }, 1000).unref();
}

function isIdle(): boolean {
  return [...runners.values()].every((r) => r.idle) && closing.size === 0;
}
async function whenIdle(id: number): Promise<void> {
  for (;;) {
    if (![...runners.values()].every((r) => r.idle)) await Promise.all([...runners.values()].map((r) => r.whenIdle()));
    else if (closing.size > 0) await Promise.allSettled([...closing]);
    else break;
  }
  reply(id);
}

port.on('message', (m: ToShadow) => {
  try {
    switch (m.kind) {
      case 'batches':
        for (const item of m.items) {
          const shadowArm = otherArm(item.arm);
          if (item.unpaired === null) received[shadowArm] = (received[shadowArm] ?? 0) + item.rowIds.length;
          pairing!.answered(item);
        }
        dirty();
        return;
      case 'feedback':
        reply(m.id, pairing!.feedback(m.items));
        return;
      case 'close':
        cut(m.id);
        return;
      case 'outcome':
        online!.outcome(placeholder(null)).then(
          (o) => reply(m.id, o),
          (err: unknown) => reply(m.id, undefined, messageOf(err)),
        );
        return;
      case 'stop':
        for (const r of runners.values()) r.stopShadow(m.reason);
        return;
      case 'idle':
        if (isIdle()) reply(m.id);
        else void whenIdle(m.id);
        return;
      case 'heap':
        collectGarbage();
        reply(m.id, getHeapStatistics().used_heap_size);
        return;
      case 'halt':
        void Promise.all([...runners.values()].map((r) => r.halt())).then(() => reply(m.id));
        return;
      case 'shutdown':
        void (async () => {
          await Promise.all([...runners.values()].map((r) => r.executor.close()));
          await online?.close();
          reply(m.id);
        })();
        return;
    }
  } catch (err) {
    // Pairing or joining failed: count it, never let it reach the answers.
    stats.logs.push(`shadow: ${messageOf(err)}`);
    dirty();
    if ('id' in m) reply(m.id, undefined, messageOf(err));
  }
});

start().then(
  () => send({ kind: 'ready', tid: threadId(), priority }),
  (err: unknown) => send({ kind: 'failed', message: messageOf(err), exitCode: err instanceof M4Error ? err.exitCode : EXIT.runtime }),
);
