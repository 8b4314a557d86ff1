/**
 * Entry point of a resample worker thread: waits for its one job on its port (it may be started
 * ahead of the result, while the replay runs), takes chunks of resamples off the job's shared counter
 * until none is left, posts them, then raises the shared flag (1) the (blocked) main thread waits on.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { takeChunks, type ResampleJob, type WorkerAnswer } from './resample-pool.ts';
import { phaseMark } from '../phase-log.ts';

const { port, flag: flagBuffer } = workerData as { port: MessagePort; flag: SharedArrayBuffer };
const flag = new Int32Array(flagBuffer);
port.once('message', (job: ResampleJob) => {
  // 0 → 2: started. The main thread marks a worker that had not started when every chunk was taken
  // (0 → 3) and does not wait for it: then there is nothing to do.
  if (Atomics.compareExchange(flag, 0, 0, 2) !== 0) {
    port.close();
    return;
  }
  let answer: WorkerAnswer;
  phaseMark('bootstrap worker: job taken');
  try {
    answer = { ok: true, parts: takeChunks(job) };
    phaseMark(`bootstrap worker: ${answer.parts.length} chunks`);
  } catch (err) {
    answer = { ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  port.close();
});
