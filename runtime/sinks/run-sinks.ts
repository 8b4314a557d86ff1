/**
 * The sinks of a run: those each comparison declares (`sink sqlite("...")`, `sink jsonl("...")`,
 * `sink postgres("postgres://…")` or `postgres(env: "NAME")`, paths absolute in the plan), or, with
 * `--db PATH|URL`, one results database for every comparison.
 *
 * Sinks are opened before the run starts, so a path that cannot be written or a database that cannot be
 * reached fails in the first second rather than after an hour of replay, and records are written only
 * at the end (one per comparison, each in one transaction).
 */
import { resolve } from 'node:path';
import type { PlanSink } from '../../plan/plan-types.ts';
import type { RunRecord, RunSubject } from '../../plan/record-types.ts';
import { JsonlSink } from './jsonl-sink.ts';
import { SqliteSink } from './sqlite-sink.ts';
import { SinkError, type Sink } from './sink.ts';
import { parseStoreLocation, urlFromEnv, type StoreLocation } from './store-location.ts';

export { SinkError, type Sink } from './sink.ts';
export { SqliteSink } from './sqlite-sink.ts';
export { JsonlSink } from './jsonl-sink.ts';

/** The opened sinks of a run, by comparison. */
export interface RunSinks {
  /** Every distinct sink, in opening order. */
  readonly all: readonly Sink[];
  /** The sinks one comparison writes to. */
  of(comparison: string): readonly Sink[];
  /**
   * Write each record to its comparison's sinks. Every sink is attempted; the first failure is then
   * thrown as a SinkError (the others are mentioned in its message). See {@link SinkWriteOptions}.
   */
  write(records: readonly RunRecord[], opts?: SinkWriteOptions): Promise<void>;
  /** The sink a write is in progress on (to name it when it does not answer), or null. */
  readonly writing: Sink | null;
  /** What these sinks were opened from: another thread opens the same sinks with it (`m4c serve`'s sink writer). */
  readonly source: { subject: Pick<RunSubject, 'comparisons'>; opts: OpenSinksOptions };
  close(): Promise<void>;
}

/** How {@link RunSinks.write} waits for a store another connection holds locked. */
export interface SinkWriteOptions {
  /**
   * A sink whose writes block the thread (SQLite) waits for another connection's lock until then at most (a
   * performance.now() time; a function is asked again at every slice, so a deadline set meanwhile applies at once).
   */
  lockWaitUntil?: number | (() => number);
  /**
   * Wait for the lock in slices of this many ms, trying the write again after each, instead of one wait as long as
   * the whole lock wait: the thread is then never inside SQLite for longer than a slice — a worker thread must not
   * be, when the process may end it (a thread ended while SQLite waits aborts the process when the wait fails).
   */
  lockSliceMs?: number;
  /** Asked between slices: true gives up the wait (the write fails, busy, nothing written). */
  stop?: () => boolean;
  /** Told each sink as its write starts, and null after the last. */
  onWriting?: (sink: Sink | null) => void;
}

/** How to choose the sinks. */
export interface OpenSinksOptions {
  /** Replace every declared sink with one results database: an SQLite path or a postgres:// URL. */
  db?: string;
}

/** A PostgreSQL sink; `pg` (~50 ms of start-up) loads only when a run writes to one. */
async function openPostgres(url: string): Promise<Sink> {
  return (await import('./postgres-sink.ts')).PostgresSink.open(url);
}

/** What to open: a file sink by path, or a PostgreSQL database by URL. */
type SinkTarget = { kind: 'sqlite' | 'jsonl'; path: string } | { kind: 'postgres'; url: string };

/** Open one results store (a `--db` value already parsed). Throws SinkError. */
export async function openStore(where: StoreLocation): Promise<Sink> {
  return where.kind === 'sqlite' ? SqliteSink.open(where.path) : openPostgres(where.url);
}

function targetOf(s: PlanSink): SinkTarget {
  if (s.kind !== 'postgres') return { kind: s.kind, path: resolve(s.path) };
  return { kind: 'postgres', url: s.url ?? urlFromEnv(s.env ?? '') };
}

/** Open the sinks of every comparison of a run (deduplicated by kind and path or URL). Throws SinkError. */
export async function openRunSinks(subject: Pick<RunSubject, 'comparisons'>, opts: OpenSinksOptions = {}): Promise<RunSinks> {
  const byKey = new Map<string, Sink>();
  const byComparison = new Map<string, Sink[]>();
  const override: SinkTarget | undefined =
    opts.db === undefined
      ? undefined
      : (() => {
          const where = parseStoreLocation(opts.db);
          return where.kind === 'sqlite' ? { kind: 'sqlite' as const, path: where.path } : where;
        })();
  try {
    for (const c of subject.comparisons) {
      const wanted = override !== undefined ? [override] : c.sinks.map(targetOf);
      const list: Sink[] = [];
      for (const w of wanted) {
        const key = w.kind === 'postgres' ? `postgres:${w.url}` : `${w.kind}:${resolve(w.path)}`;
        let sink = byKey.get(key);
        if (sink === undefined) {
          sink = w.kind === 'postgres' ? await openPostgres(w.url) : w.kind === 'sqlite' ? SqliteSink.open(w.path) : JsonlSink.open(w.path);
          byKey.set(key, sink);
        }
        if (!list.includes(sink)) list.push(sink);
      }
      byComparison.set(c.name, list);
    }
  } catch (err) {
    for (const s of byKey.values()) await s.close();
    throw err;
  }
  const all = [...byKey.values()];
  let writing: Sink | null = null;
  return {
    all,
    source: { subject: { comparisons: subject.comparisons }, opts: { ...opts } },
    of: (name) => byComparison.get(name) ?? [],
    get writing() {
      return writing;
    },
    async write(records, opts = {}) {
      const errors: SinkError[] = [];
      const until = (): number =>
        typeof opts.lockWaitUntil === 'function' ? opts.lockWaitUntil() : (opts.lockWaitUntil ?? Number.POSITIVE_INFINITY);
      for (const r of records) {
        for (const sink of byComparison.get(r.comparison.name) ?? []) {
          writing = sink;
          opts.onWriting?.(sink);
          try {
            await writeWaiting(sink, r, until, opts);
          } catch (err) {
            errors.push(err instanceof SinkError ? err : new SinkError(sink.path, (err as Error).message));
          } finally {
            writing = null;
          }
        }
      }
      opts.onWriting?.(null);
      if (errors.length === 1) throw errors[0]!;
      if (errors.length > 1)
        throw new SinkError(errors[0]!.path, `${errors[0]!.detail} (and ${errors.length - 1} more sink failure${errors.length > 2 ? 's' : ''})`);
    },
    async close() {
      for (const s of all) await s.close();
    },
  };
}

/**
 * One record to one sink, its lock wait bounded by `until()`: in one wait, or (`lockSliceMs`) in slices, the write
 * tried again after each while the store stays locked, time is left and `stop` says go on. A busy write writes nothing
 * (one transaction), so trying it again writes the record once.
 */
async function writeWaiting(sink: Sink, record: RunRecord, until: () => number, opts: SinkWriteOptions): Promise<void> {
  const slice = sink.setLockWait === undefined ? undefined : opts.lockSliceMs;
  for (;;) {
    const left = until() - performance.now();
    if (slice !== undefined) sink.setLockWait!(Math.max(0, Math.min(slice, left)));
    else if (Number.isFinite(left)) sink.setLockWait?.(left);
    try {
      await sink.write(record);
      return;
    } catch (err) {
      const again = slice !== undefined && err instanceof SinkError && err.busy && until() - performance.now() > 0 && opts.stop?.() !== true;
      if (!again) throw err;
    }
  }
}
