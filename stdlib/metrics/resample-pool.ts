/**
 * Spreading the bootstrap's resamples over worker threads, synchronously.
 *
 * `result()` is synchronous, so the main thread computes resamples too and then blocks on a shared
 * flag (`Atomics.wait`) until each worker has posted its share, which it reads with
 * `receiveMessageOnPort`. The resamples are cut into chunks that every thread takes off one
 * shared counter until none is left (a worker that loads late or runs slowly takes fewer); every
 * resample's values are a function of its index alone (resample-engine.ts), so neither the thread
 * count nor who took which chunk changes a result bit.
 *
 * Workers cost ~0.3 s to start (they load the TypeScript sources through tsx), so a comparison
 * {@link warmResampleWorkers warms} them while the replay is still running, as soon as its rows
 * are worth more threads; at result time they take their job at once. The rows they read are
 * copied once into shared memory (the store's and the rankings' already are), and the SIMD sweeps'
 * keys and walk flags are prepared once there, before the threads start. The SIMD sweeps go a
 * segment of rows at a time (resample-segments.ts): all threads take the chunks of one segment,
 * each gathering that segment's per-row channels once for itself, then those of the next, a chunk
 * continuing from the state its previous segment saved — so the bootstrap's memory does not grow
 * with the rows, and each thread's gathers run beside the others' sweeps.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Derived } from './metric-family.ts';
import { prepareResamples, resampleRange, resampleSegment, segmentStateBytes, simdSegments, type ResampleInput } from './resample-engine.ts';
import { releaseSegments } from './resample-segments.ts';
import type { Ranking } from './ranking.ts';
import { sharedArray } from './row-store.ts';
import { VISIT } from './resample-simd.ts';
import { tsWorkerCode } from '../ts-worker.ts';
import { phaseMark } from '../phase-log.ts';

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
  /**
   * 0 until the worker takes its job, then 2 while it works; 1 once its answer is posted (or it
   * failed to start); 3 when the main thread found every chunk taken before the worker started.
   */
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
 * What a thread started elsewhere needs to also serve as a resample worker: its `workerData` gets
 * `flag` and `port` (resample-worker.ts reads them), with `port` in its transfer list; once started,
 * {@link adoptResampleWorker} puts it among the warm workers. (A replay's comparison feed thread is idle
 * when the bootstrap starts: it takes resamples instead of a new worker's ~13 MB isolate.)
 */
export function resampleWorkerWiring(): { data: { flag: SharedArrayBuffer; port: MessagePort }; adopt(worker: Worker): boolean } {
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  port1.unref();
  return {
    data: { flag, port: port2 },
    // Not beyond the workers a bootstrap could use (a process running replay after replay would pile them up).
    adopt: (worker) =>
      idle.length < Math.min(availableParallelism(), MAX_THREADS) - 1 && idle.push({ worker, port: port1, flag: new Int32Array(flag) }) > 0,
  };
}

/** Take a worker {@link resampleWorkerWiring} adopted out of the warm ones, if it is there (it is being stopped). */
export function releaseResampleWorker(worker: Worker): void {
  const at = idle.findIndex((w) => w.worker === worker);
  if (at >= 0) idle.splice(at, 1);
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
  const out: Ranking = { n: r.n, order: shared(r.order), groupEnd: shared(r.groupEnd), groupValue: shared(r.groupValue), groups: r.groups };
  // The positive flags the sort carried: the SIMD rows' gather reads them instead of gathering the labels again.
  if (r.flagged !== undefined) out.flagged = { ...r.flagged, flags: shared(r.flagged.flags) };
  return out;
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
            rowIds: s.rowIds instanceof Float64Array ? shared(s.rowIds) : s.rowIds,
            control: shared(s.control),
            treatment: shared(s.treatment),
            label: s.label === null ? null : shared(s.label as Uint8Array),
          },
    rc: sharedRanking(input.rc),
    rt: sharedRanking(input.rt),
  };
}

/** A worker's answer: its chunks of resamples, each from its first resample number r0. */
export type WorkerAnswer = { ok: true; parts: { r0: number; values: Derived[] }[] } | { ok: false; message: string };

/**
 * A job: take chunks of `chunk` resamples off the shared counter until resample `B` is taken. With
 * `segments` > 0 (the SIMD sweeps) a chunk is swept a segment of rows at a time: the threads take
 * the chunks of segment 0, then those of segment 1, …, each chunk continuing from the state the
 * previous segment's sweep saved in `state` (whichever thread that was).
 */
export interface ResampleJob {
  input: ResampleInput;
  /** Int32 per segment (one without segments): the next chunk's index, shared by every thread of the job. */
  next: SharedArrayBuffer;
  chunk: number;
  B: number;
  /** Segments of the SIMD sweeps (0: whole ranges, no segments). */
  segments: number;
  /** Int32 per chunk: its segments done. */
  progress: SharedArrayBuffer | null;
  /** Each chunk's saved state, `stateBytes` each. */
  state: SharedArrayBuffer | null;
  stateBytes: number;
  /** Int32 at 0: 1 once a thread failed, so that none waits for a chunk that will not come. */
  abort: SharedArrayBuffer;
}

/** A worker thread stopped (ended from outside, out of memory) before its share was done. */
class WorkerStopped extends Error {
  constructor() {
    super('a bootstrap worker thread stopped before it answered');
  }
}

/** For tests: the worker threads the last start gave a job to (a test ends one, as if it had died under it). */
export const resamplePoolTesting: { lastWorkers: Worker[] } = { lastWorkers: [] };

/**
 * Compute chunks of resamples until none is left (`workersAlive`: false once a worker thread is gone,
 * so that no thread waits for a chunk it held). Threads take chunks off one shared counter, so a
 * thread that starts late (a worker still loading its code) or runs slowly (a loaded machine)
 * takes fewer, instead of the others waiting for a fixed share.
 */
export function takeChunks(job: ResampleJob, workersAlive: () => boolean = () => true): { r0: number; values: Derived[] }[] {
  const next = new Int32Array(job.next);
  const parts: { r0: number; values: Derived[] }[] = [];
  if (job.segments === 0)
    for (;;) {
      const r0 = 1 + Atomics.add(next, 0, 1) * job.chunk;
      if (r0 > job.B) return parts;
      parts.push({ r0, values: resampleRange(job.input, r0, Math.min(job.B + 1, r0 + job.chunk)) });
    }
  const chunks = Math.ceil(job.B / job.chunk),
    progress = new Int32Array(job.progress!),
    abort = new Int32Array(job.abort);
  try {
    // A thread moves to segment s + 1 once every chunk of segment s is taken; a chunk's previous
    // segment may still be running on another thread, so it waits for it (briefly: chunks are taken
    // in the same order in every segment).
    for (let s = 0; s < job.segments; s++)
      for (;;) {
        if (Atomics.load(abort, 0) !== 0) throw new Error('the bootstrap was cancelled or another thread failed');
        const c = Atomics.add(next, s, 1);
        if (c >= chunks) break;
        for (let done = Atomics.load(progress, c); done < s; done = Atomics.load(progress, c)) {
          if (Atomics.load(abort, 0) !== 0) throw new Error('the bootstrap was cancelled or another thread failed');
          // The chunk's previous segment is a worker's: one that stopped will never finish it.
          if (!workersAlive()) throw new WorkerStopped();
          Atomics.wait(progress, c, done, 100);
        }
        const r0 = 1 + c * job.chunk;
        const state = new Uint8Array(job.state!, c * job.stateBytes, job.stateBytes);
        const values = resampleSegment(job.input, r0, Math.min(job.B + 1, r0 + job.chunk), s, state);
        if (values !== null) parts.push({ r0, values });
        Atomics.store(progress, c, s + 1);
        Atomics.notify(progress, c);
      }
    return parts;
  } catch (err) {
    Atomics.store(abort, 0, 1);
    throw err;
  }
}

/**
 * Resamples per chunk: about eight chunks per thread (late or slow threads then cost at most a
 * chunk's time), a multiple of the resamples the SIMD kernel serves per visit of a row.
 */
export function chunkSize(B: number, threads: number): number {
  const lanes = 4 * VISIT;
  return lanes * Math.max(1, Math.ceil(B / (threads * 8) / lanes));
}

/** Resamples 1..B of `input` (index r − 1 holds resample r), on up to `threads` threads. */
export function runResamples(input: ResampleInput, threads: number): Derived[] {
  return startResamples(input, threads).finish();
}

/** Resamples started on worker threads ({@link startResamples}). */
export interface StartedResamples {
  /** This thread takes chunks too, then waits for the workers: the resamples, as {@link runResamples} gives them. */
  finish(): Derived[];
  /** Give up (the caller failed in between): no chunk is taken any more, and the workers are ended. */
  cancel(): void;
}

/**
 * Start resamples 1..B of `input` on up to `threads` threads. Until {@link StartedResamples.finish}
 * this thread is free for work the resamples do not read (the result's point estimate) while the
 * workers already take chunks; on one thread nothing starts before the finish. Either the finish
 * or the cancel must be called (they end the workers); `input`'s arrays must not change until then.
 */
export function startResamples(input: ResampleInput, threads: number): StartedResamples {
  const B = input.spec.bootstrap;
  const T = Math.max(1, Math.min(threads, B));
  if (T === 1)
    return {
      finish: () => {
        try {
          return resampleRange(input, 1, B + 1);
        } finally {
          releaseSegments();
        }
      },
      cancel: () => {},
    };
  // The keys and walk flags every chunk reads are prepared once, in shared memory, before any
  // thread starts; each thread gathers the per-row channels of the segments it sweeps.
  const prepared = prepareResamples(sharedInput(input));
  // Small chunks where a range's fixed cost is small: the SIMD sweeps, segment by segment. The scalar
  // sweeps gather and derive each tile's rows per range: one range per thread.
  const segments = simdSegments(prepared);
  const chunk = segments > 0 ? chunkSize(B, T) : Math.ceil(B / T);
  const chunks = Math.ceil(B / chunk);
  const stateBytes = segments > 0 ? 8 * Math.ceil(segmentStateBytes(prepared, chunk) / 8) : 0;
  const job: ResampleJob = {
    input: prepared,
    next: new SharedArrayBuffer(4 * Math.max(1, segments)),
    chunk,
    B,
    segments,
    progress: segments > 0 ? new SharedArrayBuffer(4 * chunks) : null,
    state: segments > 0 ? new SharedArrayBuffer(stateBytes * chunks) : null,
    stateBytes,
    abort: new SharedArrayBuffer(4),
  };
  const pending: Idle[] = [];
  for (let t = 1; t < T; t++) {
    const w = idle.pop() ?? spawn();
    w.port.postMessage(job);
    pending.push(w);
  }
  resamplePoolTesting.lastWorkers = pending.map((p) => p.worker);
  // A worker's threadId is -1 as soon as it no longer runs (before its 'exit' event, which this thread,
  // blocked in Atomics.wait, would not see).
  const alive = (): boolean => pending.every((p) => p.worker.threadId !== -1 || Atomics.load(p.flag, 0) === 1);
  const end = (): void => {
    releaseSegments();
    for (const p of pending) {
      p.port.close();
      void p.worker.terminate();
    }
  };
  const finish = (): Derived[] => {
    try {
      return gather();
    } catch (err) {
      if (!(err instanceof WorkerStopped)) throw err;
      // A worker died under its share: the others are told to stop, and this thread computes every
      // resample itself — the same bits (the resamples do not depend on the threads that computed them).
      Atomics.store(new Int32Array(job.abort), 0, 1);
      return resampleRange(input, 1, B + 1);
    } finally {
      end();
    }
  };
  const gather = (): Derived[] => {
    phaseMark('bootstrap main: chunks start');
    const parts = takeChunks(job, alive);
    phaseMark(`bootstrap main: ${parts.length} chunks`);
    for (const p of pending) {
      // A worker that has not started yet (still loading its code) would find no chunk left: mark it
      // (0 → 3) and do not wait for it. One that started (2) is waited for until it answers (1), or
      // until it is found stopped.
      if (Atomics.compareExchange(p.flag, 0, 0, 3) === 0) continue;
      while (Atomics.load(p.flag, 0) === 2) {
        if (p.worker.threadId === -1) throw new WorkerStopped();
        Atomics.wait(p.flag, 0, 2, 1000);
      }
      const m = receiveMessageOnPort(p.port)?.message as WorkerAnswer | undefined;
      if (m === undefined || !m.ok) throw new Error(`bootstrap worker failed: ${m === undefined ? 'no answer' : m.message}`);
      parts.push(...m.parts);
    }
    const out: Derived[] = new Array<Derived>(B);
    for (const part of parts) part.values.forEach((d, i) => (out[part.r0 - 1 + i] = d));
    return out;
  };
  const cancel = (): void => {
    // The workers stop at their next chunk (or wait), then are ended.
    Atomics.store(new Int32Array(job.abort), 0, 1);
    end();
  };
  return { finish, cancel };
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
