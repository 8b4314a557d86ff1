/**
 * The sinks of a run: those each comparison declares (`sink sqlite("...")`, `sink jsonl("...")`, paths
 * absolute in the plan), or, with `--db PATH`, one SQLite database at PATH for every comparison.
 *
 * Sinks are opened before the run starts, so a path that cannot be written fails in the first second
 * rather than after an hour of replay, and records are written only at the end (one per comparison,
 * each in one transaction).
 */
import { resolve } from 'node:path';
import type { PlanSink } from '../../plan/plan-types.ts';
import type { RunRecord, RunSubject } from '../../plan/record-types.ts';
import { JsonlSink } from './jsonl-sink.ts';
import { SqliteSink } from './sqlite-sink.ts';
import { SinkError, type Sink } from './sink.ts';

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
   * thrown as a SinkError (the others are mentioned in its message).
   */
  write(records: readonly RunRecord[]): Promise<void>;
  close(): void;
}

/** How to choose the sinks. */
export interface OpenSinksOptions {
  /** Replace every declared sink with one SQLite database at this path. */
  db?: string;
}

/** Open one sink; throws SinkError naming the path. */
export function openSink(kind: PlanSink['kind'], path: string): Sink {
  return kind === 'sqlite' ? SqliteSink.open(path) : JsonlSink.open(path);
}

/** Open the sinks of every comparison of a run (deduplicated by kind and path). */
export function openRunSinks(subject: Pick<RunSubject, 'comparisons'>, opts: OpenSinksOptions = {}): RunSinks {
  const byKey = new Map<string, Sink>();
  const byComparison = new Map<string, Sink[]>();
  try {
    for (const c of subject.comparisons) {
      const wanted: { kind: PlanSink['kind']; path: string }[] = opts.db !== undefined ? [{ kind: 'sqlite', path: opts.db }] : c.sinks;
      const list: Sink[] = [];
      for (const w of wanted) {
        const path = resolve(w.path);
        const key = `${w.kind}:${path}`;
        let sink = byKey.get(key);
        if (sink === undefined) {
          sink = openSink(w.kind, w.kind === 'sqlite' && opts.db !== undefined ? opts.db : path);
          byKey.set(key, sink);
        }
        if (!list.includes(sink)) list.push(sink);
      }
      byComparison.set(c.name, list);
    }
  } catch (err) {
    for (const s of byKey.values()) s.close();
    throw err;
  }
  const all = [...byKey.values()];
  return {
    all,
    of: (name) => byComparison.get(name) ?? [],
    async write(records) {
      const errors: SinkError[] = [];
      for (const r of records) {
        for (const sink of byComparison.get(r.comparison.name) ?? []) {
          try {
            await sink.write(r);
          } catch (err) {
            errors.push(err instanceof SinkError ? err : new SinkError(sink.path, (err as Error).message));
          }
        }
      }
      if (errors.length === 1) throw errors[0]!;
      if (errors.length > 1) throw new SinkError(errors[0]!.path, `${errors[0]!.detail} (and ${errors.length - 1} more sink failure${errors.length > 2 ? 's' : ''})`);
    },
    close() {
      for (const s of all) s.close();
    },
  };
}
