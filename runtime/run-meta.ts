/**
 * Building the who, what, where and when of one run (the types are the contract's:
 * plan/record-types.ts): the subject from the plan, the meta from what the run observed.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Plan, PlanComparison, PlanRef } from '../plan/plan-types.ts';
import type { DataSourceInfo, ModelRole, RunMeta, RunSubject } from '../plan/record-types.ts';
import { M4_VERSION } from '../plan/version.ts';

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
    plan_m4_version: plan.m4_version,
    models: plan.models.map((m) => ({ name: m.name, path: m.path, sha256: m.sha256 })),
    comparisons: plan.comparisons.map((c) => ({ ...structuredClone(c), model_roles: modelRoles(plan, c), score_dtype: scoreDtype(plan, c) })),
  };
}

/** What the caller of a run knows at its end; {@link runMeta} adds the plan's facts. */
export interface RunFacts {
  /** The data file replayed (`-`: standard input), or null (rows from elsewhere). */
  dataPath: string | null;
  /** The source's statistics at the end (`DataSource.stats`); null when there was no source. */
  stats: {
    rowsRead: number;
    rowsTotal: number;
    skipped: Partial<Record<string, number>>;
    read: { bytes: number; sha256: string; complete: boolean };
  } | null;
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
    m4_version: M4_VERSION,
    plan_m4_version: subject.plan_m4_version,
    models: subject.models.map((m) => ({ ...m })),
    data_source: f.dataPath === null || f.stats === null ? null : dataSourceInfo(f.dataPath, f.stats),
    rows_seen: f.stats?.rowsRead ?? 0,
    rows_skipped: skipped,
    started_at: f.startedAt.toISOString(),
    ended_at: f.endedAt.toISOString(),
    shard: f.shard ?? null,
    merged_shards: null,
    interrupted: f.interrupted,
  };
}

/** The identity of what a source read (see {@link DataSourceInfo}); no second read of the data. */
export function dataSourceInfo(path: string, stats: NonNullable<RunFacts['stats']>): DataSourceInfo {
  return {
    path: path === '-' ? '-' : resolve(path),
    bytes: stats.read.bytes,
    sha256: stats.read.sha256,
    complete: stats.read.complete,
    rows_total: stats.rowsTotal,
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
