/**
 * Entry point of the ranking worker thread (rank-thread.ts): warms its kernels and announces that
 * it is ready, then runs each model job it is given — unless the main thread has taken the job back
 * first — posting its answer and raising the job's state word (3) the blocked main thread waits on.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { runModelJob, warmKernels, type ModelAnswer, type ModelJob } from './rank-thread.ts';

const { port, ready } = workerData as { port: MessagePort; ready: SharedArrayBuffer };
port.on('message', (job: ModelJob) => {
  // 0 → 1: this thread runs it; anything else: the main thread took it back.
  if (Atomics.compareExchange(job.state, 0, 0, 1) !== 0) return;
  let answer: ModelAnswer;
  try {
    const { ranking, positives, point } = runModelJob(job, { a: job.rec, b: null });
    // The flags' labels are identified by the main thread's buffer object: it sets them again.
    delete ranking.flagged;
    answer = { id: job.id, ok: true, ranking, positives, point };
  } catch (err) {
    answer = { id: job.id, ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(answer);
  Atomics.store(job.state, 0, 3);
  Atomics.notify(job.state, 0);
});
// Its kernels compiled from a small made-up column before the first real job (rank-thread.ts).
warmKernels();
Atomics.store(new Int32Array(ready), 0, 1);
