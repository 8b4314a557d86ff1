/**
 * Entry point of a resample worker thread: computes resamples [r0, r1) of the input it was given,
 * posts them on its port, then raises the shared flag the (blocked) main thread waits on.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { resampleRange, type ResampleInput } from './resample-engine.ts';

const job = workerData as { input: ResampleInput; r0: number; r1: number; flag: SharedArrayBuffer; port: MessagePort };
const flag = new Int32Array(job.flag);
try {
  job.port.postMessage({ ok: true, values: resampleRange(job.input, job.r0, job.r1) });
} catch (err) {
  job.port.postMessage({ ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
Atomics.store(flag, 0, 1);
Atomics.notify(flag, 0);
