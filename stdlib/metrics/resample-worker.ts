/**
 * Entry point of a resample worker thread: waits for its one job on its port (it may be started
 * ahead of the result, while the replay runs), computes resamples [r0, r1) of the input it was
 * given, posts them, then raises the shared flag the (blocked) main thread waits on.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { resampleRange, type ResampleInput } from './resample-engine.ts';

const { port, flag: flagBuffer } = workerData as { port: MessagePort; flag: SharedArrayBuffer };
const flag = new Int32Array(flagBuffer);
port.once('message', (job: { input: ResampleInput; r0: number; r1: number }) => {
  try {
    port.postMessage({ ok: true, values: resampleRange(job.input, job.r0, job.r1) });
  } catch (err) {
    port.postMessage({ ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  port.close();
});
