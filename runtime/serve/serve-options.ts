/** The options of a serving run, as `m4c serve`'s flags give them (cli/commands/serve.ts). */
import type { EngineChoice } from '../scheduler.ts';
import type { RunSinks } from '../sinks/run-sinks.ts';
import type { ServeMode } from './canary.ts';

/** What `m4c serve` was asked for (see docs/serve.md). */
export interface ServeOptions {
  mode: ServeMode;
  /** Canary: percent of rows the treatment answers. */
  percent: number;
  stickyBy?: string;
  maxBatch: number;
  maxDelayMs: number;
  shadowQueueRows: number;
  shadowTimeoutMs: number;
  /** `--shadow-shed-load`: the answers' thread's load (0–1: running or waiting for a CPU) at which shadow work is shed; 1 never. */
  shadowShedLoad: number;
  /** A window closes after this many ms, or after this many paired rows. */
  window: { ms: number } | { rows: number };
  labelTtlMs: number;
  labelCapacity: number;
  stopShadowOnFail: boolean;
  engine: EngineChoice;
  intraOpThreads: number;
  /**
   * `--drain-timeout`: after the stop signal, how long the drain waits for the requests taken and the shadow's
   * queue; then the connections still open are closed and the shadow work left is given up (`shutdown`).
   */
  drainTimeoutMs: number;
  /**
   * `--write-timeout`: after the drain's bound, how long closing the last window and writing the records may take;
   * then the stop fails naming the sink and what was not written. Infinity: unbounded.
   */
  writeTimeoutMs: number;
  /** Where window records go; null: nowhere. */
  sinks: RunSinks | null;
  /** Tests only: a shared Int32 flag; while it is 0 the comparisons' worker holds every judgement. */
  comparisonsHold?: SharedArrayBuffer;
  /**
   * Tests only: how long a record written while serving (before the drain) may wait for another connection's lock;
   * unset: the sink's own lock wait (SQLite: 10 s).
   */
  sinkLockWaitMs?: number;
  log(line: string): void;
}
