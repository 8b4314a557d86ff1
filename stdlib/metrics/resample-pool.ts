/**
 * Spreading the bootstrap's resamples over worker threads, synchronously.
 *
 * `result()` is synchronous, so the main thread computes its own share of the resamples and then
 * blocks on a shared flag (`Atomics.wait`) until each worker has posted its share, which it reads
 * with `receiveMessageOnPort`. Resamples are split into contiguous ranges; every resample's values
 * are a function of its index alone (resample-engine.ts), so the thread count never changes a
 * result bit.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Derived } from './metric-family.ts';
import { resampleRange, type ResampleInput } from './resample-engine.ts';
import { tsWorkerCode } from '../ts-worker.ts';

/** Below this many row × resample steps a worker's start-up (~0.3 s) costs more than it saves. */
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

interface Pending {
  worker: Worker;
  flag: Int32Array;
  port: MessagePort;
  r0: number;
  r1: number;
}

type MessagePort = InstanceType<typeof MessageChannel>['port1'];

/** Resamples 1..B of `input` (index r − 1 holds resample r), on up to `threads` threads. */
export function runResamples(input: ResampleInput, threads: number): Derived[] {
  const B = input.spec.bootstrap;
  const T = Math.max(1, Math.min(threads, B));
  if (T === 1) return resampleRange(input, 1, B + 1);
  // Contiguous ranges; the main thread takes the first.
  const bounds = Array.from({ length: T + 1 }, (_, t) => 1 + Math.round((t * B) / T));
  const pending: Pending[] = [];
  for (let t = 1; t < T; t++) {
    const flag = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const job = { input, r0: bounds[t]!, r1: bounds[t + 1]!, flag, port: port2 };
    const worker = new Worker(workerCode(), { eval: true, workerData: job, transferList: [port2], name: `m4-bootstrap-${t}` });
    worker.unref();
    pending.push({ worker, flag: new Int32Array(flag), port: port1, r0: job.r0, r1: job.r1 });
  }
  const out = resampleRange(input, bounds[0]!, bounds[1]!);
  for (const p of pending) {
    while (Atomics.load(p.flag, 0) === 0) Atomics.wait(p.flag, 0, 0, 1000);
    const m = receiveMessageOnPort(p.port)?.message as { ok: true; values: Derived[] } | { ok: false; message: string } | undefined;
    p.port.close();
    void p.worker.terminate();
    if (m === undefined || !m.ok)
      throw new Error(`bootstrap worker for resamples ${p.r0}..${p.r1 - 1} failed: ${m === undefined ? 'no answer' : m.message}`);
    for (const d of m.values) out.push(d);
  }
  return out;
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
