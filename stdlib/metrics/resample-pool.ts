/**
 * Spreading the bootstrap's resamples over worker threads, synchronously.
 *
 * `result()` is synchronous, so the main thread computes its own share of the resamples and then
 * blocks on a shared flag (`Atomics.wait`) until each worker has posted its share, which it reads
 * with `receiveMessageOnPort`. Resamples are split into contiguous ranges; every resample's values
 * are a function of its index alone (resample-engine.ts), so the thread count never changes a
 * result bit.
 *
 * Workers cost ~0.3 s to start (they load the TypeScript sources through tsx), so a comparison
 * {@link warmResampleWorkers warms} them while the replay is still running, as soon as its rows
 * are worth more threads; at result time they take their job at once. The rows they read are
 * copied once into shared memory, which every worker reads in place (no copy per worker).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Derived } from './metric-family.ts';
import { resampleRange, type ResampleInput } from './resample-engine.ts';
import type { Ranking } from './ranking.ts';
import { sharedArray } from './row-store.ts';
import { tsWorkerCode } from '../ts-worker.ts';

/** Below this many row × resample steps a thread costs more than it saves. */
export const MIN_WORK_PER_THREAD = 50_000_000;
const MAX_THREADS = 8;
const WORKER_URL = new URL('./resample-worker.ts', import.meta.url);

/**
 * Threads for `work` row × resample steps: one per core up to the work's worth, capped at 8.
 * `M4_BOOTSTRAP_THREADS` overrides it (tests force workers on small inputs; 1 disables them).
 */
export function resampleThreads(work: number): number {
  const env = Number(process.env.M4_BOOTSTRAP_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, MAX_THREADS);
  return Math.max(1, Math.min(availableParallelism(), MAX_THREADS, Math.floor(work / MIN_WORK_PER_THREAD)));
}

type MessagePort = InstanceType<typeof MessageChannel>['port1'];

/** A started worker waiting for its job on `port`. */
interface Idle {
  worker: Worker;
  port: MessagePort;
  /** Raised (1) by the worker when its answer is posted, or when it failed to start. */
  flag: Int32Array;
}

/** Warm workers not yet given a job (shared by every comparison of the process). */
const idle: Idle[] = [];

function spawn(): Idle {
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(workerCode(), { eval: true, workerData: { flag, port: port2 }, transferList: [port2], name: 'm4-bootstrap' });
  // A warm worker never keeps the process alive, and one that is never used is ended at exit.
  worker.unref();
  port1.unref();
  return { worker, port: port1, flag: new Int32Array(flag) };
}

/**
 * Start workers ahead of the result, up to `threads − 1` waiting in total (the main thread is the
 * other one). Cheap to call per batch: it does nothing once enough are waiting.
 */
export function warmResampleWorkers(threads: number): void {
  while (idle.length < Math.min(threads, MAX_THREADS) - 1) idle.push(spawn());
}

/** A typed array's contents in shared memory (the array itself when it already is: the store's and the rankings' are). */
function shared<T extends Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = sharedArray(a.constructor as unknown as Parameters<typeof sharedArray<T>>[0], a.length);
  out.set(a as never);
  return out;
}

function sharedRanking(r: Ranking | null): Ranking | null {
  if (r === null) return null;
  return { n: r.n, order: shared(r.order), groupEnd: shared(r.groupEnd), groupValue: shared(r.groupValue), groups: r.groups };
}

/** The input with its per-row arrays in shared memory: posted to any number of workers, copied once. */
function sharedInput(input: ResampleInput): ResampleInput {
  const s = input.store;
  return {
    ...input,
    store:
      s === null
        ? null
        : {
            ...s,
            rowIds: shared(s.rowIds),
            control: shared(s.control),
            treatment: shared(s.treatment),
            label: s.label === null ? null : shared(s.label as Uint8Array),
          },
    rc: sharedRanking(input.rc),
    rt: sharedRanking(input.rt),
  };
}

interface Pending extends Idle {
  r0: number;
  r1: number;
}

/** Resamples 1..B of `input` (index r − 1 holds resample r), on up to `threads` threads. */
export function runResamples(input: ResampleInput, threads: number): Derived[] {
  const B = input.spec.bootstrap;
  const T = Math.max(1, Math.min(threads, B));
  if (T === 1) return resampleRange(input, 1, B + 1);
  // Contiguous ranges; the main thread takes the first.
  const bounds = Array.from({ length: T + 1 }, (_, t) => 1 + Math.round((t * B) / T));
  const job = sharedInput(input);
  const pending: Pending[] = [];
  for (let t = 1; t < T; t++) {
    const w = idle.pop() ?? spawn();
    w.port.postMessage({ input: job, r0: bounds[t]!, r1: bounds[t + 1]! });
    pending.push({ ...w, r0: bounds[t]!, r1: bounds[t + 1]! });
  }
  try {
    const out = resampleRange(job, bounds[0]!, bounds[1]!);
    for (const p of pending) {
      while (Atomics.load(p.flag, 0) === 0) Atomics.wait(p.flag, 0, 0, 1000);
      const m = receiveMessageOnPort(p.port)?.message as { ok: true; values: Derived[] } | { ok: false; message: string } | undefined;
      if (m === undefined || !m.ok)
        throw new Error(`bootstrap worker for resamples ${p.r0}..${p.r1 - 1} failed: ${m === undefined ? 'no answer' : m.message}`);
      for (const d of m.values) out.push(d);
    }
    return out;
  } finally {
    for (const p of pending) {
      p.port.close();
      void p.worker.terminate();
    }
  }
}

/**
 * The worker's source: load the entry through tsx; if loading fails, post the error and raise the
 * flag so that the main thread never waits for a worker that cannot start.
 */
function workerCode(): string {
  return tsWorkerCode(
    WORKER_URL,
    `
    const { workerData } = require('node:worker_threads');
    workerData.port.postMessage({ ok: false, message: String(e && e.stack || e) });
    const f = new Int32Array(workerData.flag); Atomics.store(f, 0, 1); Atomics.notify(f, 0);`,
  );
}
