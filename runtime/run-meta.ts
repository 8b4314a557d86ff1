/**
 * Who, what, where and when of one run: the facts a run record carries besides its metrics.
 *
 * `RunSubject` is the part that comes from the plan (hash, models, comparison declarations). State
 * files carry it so `m4c merge` can judge gates and write sinks without the `.m4` file. `RunMeta`
 * adds what only the run knows: the data source, row counts, times, shard, interruption.
 */
import { randomUUID, createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import pkg from '../package.json' with { type: 'json' };
import type { Plan, PlanComparison, PlanRef } from '../plan/plan-types.ts';
import { graphIdentity } from './graph-identity.ts';

/** The m4 that runs this code (the plan records the m4 that compiled it). */
export const RUNTIME_M4_VERSION: string = pkg.version;

/** Which side of a comparison a model feeds. `both`: a model upstream of control and treatment. */
export type ModelRole = 'control' | 'treatment' | 'both' | 'label' | 'slice';

/** A model of the plan, as a record names it. */
export interface RunModel {
  name: string;
  /** Absolute path at compile time. */
  path: string;
  sha256: string;
}

/** A plan comparison plus the roles of the models upstream of it. */
export interface SubjectComparison extends PlanComparison {
  /** Model name → role, for the models this comparison reads (directly or through nodes). */
  model_roles: Record<string, ModelRole>;
  /** dtype of the control (= treatment) signal per the plan; decides the precision of the binary threshold. */
  score_dtype?: string;
}

/** The plan-derived part of a run: enough to judge gates and write records without the plan. */
export interface RunSubject {
  plan_hash: string;
  /** The `.m4` file the plan was compiled from (or a description such as `m4c compare`). */
  source_file: string;
  /** Stable identity of that file (graph-identity.ts); absent in state files written before it existed. */
  graph_key?: string;
  /** The m4 version that compiled the plan. */
  plan_m4_version: string;
  models: RunModel[];
  comparisons: SubjectComparison[];
}

/**
 * Identity of a data file that does not need reading it all: absolute path, size, and the sha256 of
 * its first 64 KiB. Shards of one replay must agree on it; a different file of the same name and
 * size almost always differs in its first bytes.
 */
export interface DataSourceInfo {
  path: string;
  bytes: number;
  head_sha256: string;
}

/** Everything a record says about its run besides the metrics. Plain JSON. */
export interface RunMeta {
  /** UUID of this invocation; every record it writes carries it. */
  run_id: string;
  plan_hash: string;
  source_file: string;
  /**
   * Stable identity of the graph file (graph-identity.ts): with the comparison name, the key of a
   * comparison's series. Absent in records written before it existed (readers fall back to `source_file`).
   */
  graph_key?: string;
  /** The m4 version that ran (RUNTIME_M4_VERSION). */
  m4_version: string;
  plan_m4_version: string;
  models: RunModel[];
  data_source: DataSourceInfo | null;
  /** Data rows examined by the source (good and bad; this shard's only when sharded). */
  rows_seen: number;
  /** Rows the source rejected, by reason (`invalid-json`, `missing-field`, ...). */
  rows_skipped: Record<string, number>;
  /** ISO 8601, UTC. */
  started_at: string;
  ended_at: string;
  /** 0-based shard index and shard count (`--shard 2/3` is index 1, count 3); null when unsharded. */
  shard: { index: number; count: number } | null;
  /** For `m4c merge`: how many shard states were combined; null otherwise. */
  merged_shards: number | null;
  /** True when the run stopped before the end of its data (Ctrl-C): its record never passes. */
  interrupted: boolean;
}

const HEAD_BYTES = 64 * 1024;

/** Describe a data file for a run record (see {@link DataSourceInfo}). Throws on an unreadable file. */
export function describeDataSource(path: string): DataSourceInfo {
  const abs = resolve(path);
  const size = statSync(abs).size;
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return { path: abs, bytes: size, head_sha256: createHash('sha256').update(buf.subarray(0, got)).digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** The models upstream of each parent of a comparison, walking op arguments and model feeds. */
export function modelRoles(plan: Pick<Plan, 'nodes'>, c: PlanComparison): Record<string, ModelRole> {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const upstream = (ref: PlanRef | null): Set<string> => {
    const found = new Set<string>();
    if (ref === null) return found;
    const seen = new Set<string>();
    const stack = [ref.node];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const n = byId.get(id);
      if (n === undefined) continue;
      if (n.kind === 'model') {
        found.add(n.model);
        for (const f of Object.values(n.feeds)) stack.push(f.node);
      } else if (n.kind === 'op') {
        for (const a of n.args) stack.push(a.node);
      }
    }
    return found;
  };
  const control = upstream(c.control);
  const treatment = upstream(c.treatment);
  const roles: Record<string, ModelRole> = {};
  for (const m of upstream(c.slice_by)) roles[m] = 'slice';
  for (const m of upstream(c.label)) roles[m] = 'label';
  for (const m of control) roles[m] = treatment.has(m) ? 'both' : 'control';
  for (const m of treatment) if (!control.has(m)) roles[m] = 'treatment';
  return roles;
}

/** The plan-derived part of a run. */
export function subjectOf(plan: Plan): RunSubject {
  return {
    plan_hash: plan.plan_hash,
    source_file: plan.source.file,
    graph_key: graphIdentity(plan.source.file),
    plan_m4_version: plan.m4_version,
    models: plan.models.map((m) => ({ name: m.name, path: m.path, sha256: m.sha256 })),
    comparisons: plan.comparisons.map((c) => ({ ...structuredClone(c), model_roles: modelRoles(plan, c), score_dtype: scoreDtype(plan, c) })),
  };
}

/** What the caller of a run knows at its end; {@link runMeta} adds the plan's facts. */
export interface RunFacts {
  /** The data file replayed, or null (rows from elsewhere). */
  dataPath: string | null;
  /** The source's statistics at the end (`DataSource.stats`); null when there was no source. */
  stats: { rowsRead: number; skipped: Partial<Record<string, number>> } | null;
  startedAt: Date;
  endedAt: Date;
  shard?: { index: number; count: number } | null;
  interrupted: boolean;
  /** Defaults to a fresh UUID. */
  runId?: string;
}

/** Assemble a run's meta from its subject and what the run observed. */
export function runMeta(subject: RunSubject, f: RunFacts): RunMeta {
  const skipped: Record<string, number> = {};
  for (const [k, v] of Object.entries(f.stats?.skipped ?? {})) if (v !== undefined && v > 0) skipped[k] = v;
  return {
    run_id: f.runId ?? randomUUID(),
    plan_hash: subject.plan_hash,
    source_file: subject.source_file,
    graph_key: subject.graph_key ?? graphIdentity(subject.source_file),
    m4_version: RUNTIME_M4_VERSION,
    plan_m4_version: subject.plan_m4_version,
    models: subject.models.map((m) => ({ ...m })),
    data_source: f.dataPath === null ? null : describeDataSource(f.dataPath),
    rows_seen: f.stats?.rowsRead ?? 0,
    rows_skipped: skipped,
    started_at: f.startedAt.toISOString(),
    ended_at: f.endedAt.toISOString(),
    shard: f.shard ?? null,
    merged_shards: null,
    interrupted: f.interrupted,
  };
}

/** `2/3` for shard index 1 of 3 (users count shards from 1). */
export function shardText(shard: { index: number; count: number }): string {
  return `${shard.index + 1}/${shard.count}`;
}

/** The dtype of a comparison's control signal, from the node that produces it. */
function scoreDtype(plan: Plan, c: PlanComparison): string | undefined {
  const node = plan.nodes.find((n) => n.id === c.control.node);
  return node?.outputs.find((o) => o.name === c.control.output)?.type.dtype;
}
