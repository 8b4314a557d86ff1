/**
 * Entry point of a model worker thread: owns one ORT session per model file it was given and runs
 * requests one at a time. Each worker gets its own core's worth of work (sessions default to one
 * intra-op thread), which is how control and treatment run truly in parallel: the ORT call is
 * synchronous native code, so two sessions on one thread never overlap (PERFORMANCE.md fact 1).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Tensor } from '../stdlib/types.ts';
import { feedsToOrt, fromOrt, loadOrt, openSession, type OpenSession } from './onnx-session.ts';
import { transferables, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.ts';
import { messageOf } from './runtime-error.ts';

const port = parentPort;
if (!port) throw new Error('model-worker.ts must run in a worker thread');

const init = workerData as WorkerInit;
const sessions = new Map<number, OpenSession>();
const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Lower this thread's priority: on Linux, setpriority() on a thread id affects that thread only, and
 * /proc/thread-self names it. Elsewhere (or without /proc) nothing changes: the priority is an optimisation.
 */
function lowerPriority(niceness: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, niceness);
  } catch {
    // not Linux, or not permitted: run at normal priority
  }
}

async function start(): Promise<void> {
  if (init.settings.niceness !== undefined) lowerPriority(init.settings.niceness);
  for (const { key, path } of init.sessions) {
    try {
      sessions.set(key, await openSession(path, init.settings));
    } catch (err) {
      send({ type: 'init-failed', key, message: messageOf(err) });
      return;
    }
  }
  send({
    type: 'ready',
    sessions: [...sessions].map(([key, s]) => ({ key, inputNames: [...s.inputNames], outputNames: [...s.outputNames] })),
  });
}

const ort = await loadOrt();
port.on('message', (msg: ToWorker) => {
  if (msg.type === 'close') {
    for (const s of sessions.values()) void s.session.release();
    send({ type: 'closed' });
    port.close();
    return;
  }
  void run(msg.id, msg.key, msg.feeds, msg.fetches);
});

async function run(id: number, key: number, feeds: Record<string, Tensor>, fetches: string[]): Promise<void> {
  const start = now();
  try {
    const result = await sessions.get(key)!.session.run(feedsToOrt(ort, feeds), fetches);
    const end = now();
    const outputs: Record<string, Tensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of fetches) {
      const t = fromOrt(result[name]);
      if ('unsupported' in t) {
        send({ type: 'failed', id, message: `ONNX output \`${name}\` has element type ${t.unsupported}, which m4 has no dtype for`, start, end });
        return;
      }
      outputs[name] = t;
      transferables(t, transfer);
    }
    send({ type: 'done', id, outputs, start, end }, transfer);
  } catch (err) {
    send({ type: 'failed', id, message: messageOf(err), start, end: now() });
  }
}

await start();
