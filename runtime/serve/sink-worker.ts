/**
 * The thread that writes a serving run's records (sink-thread.ts starts it): each closed window's records and the
 * cumulative record, in the order they were sent, to its own connections to the run's sinks.
 *
 * SQLite's writes block their thread — for as long as another connection holds the file locked (a backup, a
 * dashboard's write), up to the lock wait — and PostgreSQL's wait on the server: here, they hold up no answer.
 * Writes run one at a time, in order, so the records land in the order the windows were cut.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerPriority } from '../thread-priority.ts';
import { openRunSinks, SinkError, type RunSinks } from '../sinks/run-sinks.ts';
import type { FromSink, SinkInit, ToSink } from './sink-protocol.ts';

const init = workerData as SinkInit;
const port = parentPort!;
const lockWaitUntil = new Float64Array(init.shared, 0, 1);
const halted = new Int32Array(init.shared, 8, 1);

if (init.niceness !== null) lowerPriority(init.niceness);

const post = (m: FromSink): void => port.postMessage(m);
const failure = (err: unknown): { path: string; detail: string } =>
  err instanceof SinkError ? { path: err.path, detail: err.detail } : { path: 'the sinks', detail: (err as Error).message };

let sinks: RunSinks | null = null;
/** Every message's work, chained: one write at a time, in the order sent. */
let chain: Promise<void> = openRunSinks(init.subject, init.opts).then(
  (s) => {
    sinks = s;
    post({ kind: 'opened', error: null });
  },
  (err: unknown) => post({ kind: 'opened', error: failure(err) }),
);

async function write(id: number, records: Parameters<RunSinks['write']>[0]): Promise<void> {
  // Halted (a second signal) while this waited: written records must not go on after the process was told to stop.
  if (sinks === null || Atomics.load(halted, 0) === 1) return post({ kind: 'written', id, error: null, halted: true });
  // The main thread's deadline, as this thread's performance.now() time (each thread has its own time origin).
  let until = lockWaitUntil[0]! - performance.timeOrigin;
  if (!Number.isFinite(until) && init.lockWaitMs !== null) until = performance.now() + init.lockWaitMs;
  try {
    await sinks.write(records, { lockWaitUntil: until, onWriting: (s) => post({ kind: 'writing', path: s?.path ?? null }) });
    post({ kind: 'written', id, error: null, halted: false });
  } catch (err) {
    post({ kind: 'written', id, error: failure(err), halted: false });
  }
}

port.on('message', (m: ToSink) => {
  if (m.kind === 'write') chain = chain.then(() => write(m.id, m.records));
  else
    chain = chain.then(async () => {
      await sinks?.close();
      post({ kind: 'closed' });
      port.close();
    });
});
