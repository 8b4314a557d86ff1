/**
 * The thread that writes a serving run's records (sink-thread.ts starts it): each closed window's records and the
 * cumulative record, in the order they were sent, to its own connections to the run's sinks.
 *
 * SQLite's writes block their thread — for as long as another connection holds the file locked (a backup, a
 * dashboard's write), up to the lock wait — and PostgreSQL's wait on the server: here, they hold up no answer.
 * Writes run one at a time, in order, so the records land in the order the windows were cut.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerPriority, nameThread } from '../thread-priority.ts';
import { openRunSinks, SinkError, type RunSinks } from '../sinks/run-sinks.ts';
import { SQLITE_LOCK_WAIT_MS } from '../sinks/sqlite-schema.ts';
import type { FromSink, SinkInit, ToSink } from './sink-protocol.ts';

const init = workerData as SinkInit;
const port = parentPort!;
const lockWaitUntil = new Float64Array(init.shared, 0, 1);
const halted = new Int32Array(init.shared, 8, 1);

nameThread('m4-sinks');
if (init.niceness !== null) lowerPriority(init.niceness);

/** The longest this thread stays inside one SQLite call waiting for a lock. */
const LOCK_SLICE_MS = 50;

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
  // Until the drain sets a deadline, a write waits for a lock as long as a sink's own wait (SQLite's 10 s); then until
  // the main thread's deadline, as this thread's performance.now() time (each thread has its own time origin) — read
  // again at every slice, so a drain that starts while this write waits bounds it at once.
  const own = performance.now() + (init.lockWaitMs ?? SQLITE_LOCK_WAIT_MS);
  const until = (): number => {
    const deadline = lockWaitUntil[0]! - performance.timeOrigin;
    return Number.isFinite(deadline) ? deadline : own;
  };
  try {
    await sinks.write(records, {
      lockWaitUntil: until,
      // Never long inside SQLite: the process may end this thread (exit 3 after the drain's bound, a second
      // signal), and a thread ended while SQLite waits for a lock aborts the whole process when the wait fails.
      lockSliceMs: LOCK_SLICE_MS,
      stop: () => Atomics.load(halted, 0) === 1,
      onWriting: (s) => post({ kind: 'writing', path: s?.path ?? null }),
    });
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
