/**
 * Writes fixture runs into a results database through the real SQLite sink (runtime/sinks), so the
 * dashboard is tested against the schema `m4c run` actually writes.
 */
import { randomUUID } from 'node:crypto';
import type { RunRecord } from '../../../plan/record-types.ts';
import { PostgresSink } from '../../../runtime/sinks/postgres-sink.ts';
import { SqliteSink } from '../../../runtime/sinks/sqlite-sink.ts';
import type { FixtureRun } from './fixture-runs.ts';

/** The record the runtime would build for this fixture run. */
export function recordOf(r: FixtureRun, runKey: string = randomUUID()): RunRecord {
  const status = r.interrupted === true ? 'interrupted' : 'complete';
  const spec = r.result;
  return {
    record_version: 2,
    status,
    passed: status === 'complete' && r.verdicts.every((v) => v.passed),
    meta: {
      run_id: runKey,
      plan_hash: r.planHash,
      source_file: r.sourceFile,
      graph_key: r.graphKey ?? r.sourceFile,
      m4_version: '0.1.0',
      plan_m4_version: '0.1.0',
      models: r.models.map((m) => ({ name: m.name, path: m.path, sha256: m.sha256 })),
      data_source: { path: r.dataSource, bytes: 1000 + spec.rows_seen * 200, sha256: 'd'.repeat(64), complete: true, rows_total: spec.rows_seen },
      rows_seen: spec.rows_seen,
      rows_skipped: {},
      started_at: r.startedAt.toISOString(),
      ended_at: r.finishedAt.toISOString(),
      shard: null,
      merged_shards: null,
      interrupted: status === 'interrupted',
      ...(r.serve === undefined ? {} : { serve: r.serve }),
    },
    comparison: {
      name: r.comparison,
      // The task as declared: a fixture may give its result an f32-rounded threshold, as runs on f32 scores do.
      task: r.declaredTask ?? spec.task,
      metrics: spec.metrics.map((m) => m.name),
      gates: r.gates.map(({ span: _span, ...g }) => g),
      options: { bootstrap: spec.bootstrap.resamples, seed: spec.bootstrap.seed, confidence: spec.bootstrap.level, max_slices: 8 },
      has_label: true,
      has_slices: spec.slices !== null,
      model_roles: Object.fromEntries(r.models.map((m) => [m.name, m.role])),
      notes: [],
    },
    result: spec,
    verdicts: r.verdicts,
  };
}

/** Create (or extend) the database at `path` with `runs`, one sink write each. Returns the new run ids. */
export function writeFixtureDb(path: string, runs: readonly FixtureRun[]): string[] {
  const sink = SqliteSink.open(path);
  try {
    return runs.map((r) => String(sink.insertRecord(recordOf(r))));
  } finally {
    sink.close();
  }
}

/** {@link writeFixtureDb} for a PostgreSQL results database (the real PostgreSQL sink). */
export async function writeFixturePostgres(url: string, runs: readonly FixtureRun[]): Promise<string[]> {
  const sink = await PostgresSink.open(url);
  try {
    const ids: string[] = [];
    for (const r of runs) ids.push(String(await sink.insertRecord(recordOf(r))));
    return ids;
  } finally {
    await sink.close();
  }
}
