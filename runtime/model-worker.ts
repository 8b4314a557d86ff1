/**
 * Entry point of a model worker thread: owns one ORT session per model file it was given and runs
 * requests one at a time. Each worker gets its own core's worth of work (sessions default to one
 * intra-op thread), which is how control and treatment run truly in parallel: the ORT call is
 * synchronous native code, so two sessions on one thread never overlap (PERFORMANCE.md fact 1).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Tensor } from '../stdlib/types.ts';
import { feedsToOrt, fromOrt, loadOrt, openSession, type OpenSession } from './onnx-session.ts';
import { returnedFeeds, transferables, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.ts';
import { messageOf } from './runtime-error.ts';
import { lowerPriority } from './thread-priority.ts';

const port = parentPort;
if (!port) throw new Error('model-worker.ts must run in a worker thread');

const init = workerData as WorkerInit;
const sessions = new Map<number, OpenSession>();
const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const now = (): number => performance.timeOrigin + performance.now();

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

// Work in flight inside onnxruntime (session creation, runs). The thread must never be ended while one is
// under way: terminating a worker inside an ORT call aborts the whole process (Napi::Error). So `close`
// waits for them, releases the sessions, and only then says `closed` (the host terminates after that).
let starting: Promise<void> = Promise.resolve();
let inFlight = 0;
let closing = false;
let whenIdle: (() => void) | null = null;

async function closeWhenIdle(): Promise<void> {
  closing = true;
  await starting.catch(() => undefined);
  while (inFlight > 0) await new Promise<void>((resolve) => (whenIdle = resolve));
  await Promise.all([...sessions.values()].map((s) => s.session.release().catch(() => undefined)));
  send({ type: 'closed' });
  port!.close();
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'close') {
    if (!closing) void closeWhenIdle();
    return;
  }
  if (closing) {
    const transfer: ArrayBuffer[] = [];
    const feeds = returnedFeeds(msg.feeds, transfer);
    send({ type: 'failed', id: msg.id, message: 'the executor was closed', start: now(), end: now(), feeds }, transfer);
    return;
  }
  void run(msg.id, msg.key, msg.feeds, msg.fetches);
});

async function run(id: number, key: number, feeds: Record<string, Tensor>, fetches: string[]): Promise<void> {
  const start = now();
  inFlight++;
  try {
    const result = await sessions.get(key)!.session.run(feedsToOrt(ort, feeds), fetches);
    const end = now();
    const outputs: Record<string, Tensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of fetches) {
      const t = fromOrt(result[name]);
      if ('unsupported' in t) {
        const back: ArrayBuffer[] = [];
        const message = `ONNX output \`${name}\` has element type ${t.unsupported}, which m4 has no dtype for`;
        send({ type: 'failed', id, message, start, end, feeds: returnedFeeds(feeds, back) }, back);
        return;
      }
      outputs[name] = t;
      transferables(t, transfer);
    }
    // ORT is done with the feeds (it holds them only during run()): back to the host's pool with the outputs.
    // After the outputs' buffers are in `transfer`, so a feed an output shares its buffer with stays here.
    const back = returnedFeeds(feeds, transfer);
    send({ type: 'done', id, outputs, start, end, feeds: back }, transfer);
  } catch (err) {
    const back: ArrayBuffer[] = [];
    send({ type: 'failed', id, message: messageOf(err), start, end: now(), feeds: returnedFeeds(feeds, back) }, back);
  } finally {
    inFlight--;
    if (inFlight === 0 && whenIdle !== null) {
      const wake = whenIdle;
      whenIdle = null;
      wake();
    }
  }
}

starting = start();
await starting;
