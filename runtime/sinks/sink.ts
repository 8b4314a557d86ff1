/**
 * Where run records go. A sink receives one {@link RunRecord} per comparison at the end of a run and
 * stores it whole or not at all.
 */
import type { RunRecord } from '../../plan/record-types.ts';
import { EXIT, M4Error } from '../../plan/errors.ts';

/** Stores run records. Implementations: SqliteSink, PostgresSink, JsonlSink. */
export interface Sink {
  /** `sqlite results/ab.db`: for messages. */
  readonly description: string;
  /** The file written, or the database URL without its password. */
  readonly path: string;
  /** Store one record atomically: after a crash, either all of it is there or none. */
  write(record: RunRecord): void | Promise<void>;
  /**
   * Store the record unless the sink holds one with the same run key (`meta.run_id`) and comparison
   * already; true when written. For a retried write (a distributed merge). Sinks without it (SQL
   * stores) refuse the duplicate in {@link write} instead: their run key is unique.
   */
  writeOnce?(record: RunRecord): boolean | Promise<boolean>;
  /**
   * From now on, let a write wait at most `ms` for another connection's lock (SQLite's busy timeout). For a sink
   * whose writes block the thread, so that a deadline set on them can be met: a timer cannot fire meanwhile.
   */
  setLockWait?(ms: number): void;
  /** Release the file or connection. Idempotent. */
  close(): void | Promise<void>;
}

/** A sink that cannot be opened or written: one line naming the path (the CLI exits 3). */
export class SinkError extends M4Error {
  constructor(
    readonly path: string,
    readonly detail: string,
    /** The write failed only because another connection held the store locked past the lock wait: nothing was written, it may be tried again. */
    readonly busy = false,
  ) {
    super(`cannot write results to ${path}: ${detail}`, EXIT.runtime);
  }
}
