/** Messages between the main thread and the serving run's sink writer (sink-worker.ts). */
import type { RunRecord, RunSubject } from '../../plan/record-types.ts';
import type { OpenSinksOptions } from '../sinks/run-sinks.ts';

/** The worker's `workerData`: what to open (the same sinks the main thread opened, as openRunSinks was asked). */
export interface SinkInit {
  subject: Pick<RunSubject, 'comparisons'>;
  opts: OpenSinksOptions;
  /**
   * Shared with the main thread, read before each sink write: a Float64 at byte 0, the time (ms since the epoch;
   * Infinity: none) until which a write blocking the worker may wait for another connection's lock; an Int32 at
   * byte 8, 1 once the serving run is halted (a second signal): nothing more is written.
   */
  shared: SharedArrayBuffer;
  /** Before the drain, a write's lock wait (ms); null: the sink's own (tests only). */
  lockWaitMs: number | null;
  /** The worker thread's nice value (Linux), or null: unchanged. */
  niceness: number | null;
}

export type ToSink =
  /** Write these records (one per comparison of one outcome), after every record sent before. */
  | { kind: 'write'; id: number; records: RunRecord[] }
  /** Close the sinks once every write sent before is done, then end. */
  | { kind: 'close' };

export type FromSink =
  /** The sinks opened (or `error`: the SinkError's path and detail). */
  | { kind: 'opened'; error: { path: string; detail: string } | null }
  /** A write to the sink at `path` starts (null: none is in progress any more). */
  | { kind: 'writing'; path: string | null }
  /** Write `id` is done: every sink took its records, or `error` (the first failure; the others named in it). */
  | { kind: 'written'; id: number; error: { path: string; detail: string } | null; halted: boolean }
  | { kind: 'closed' };
