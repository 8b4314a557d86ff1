/**
 * runtime/comparison-run.ts and state-file.ts: tensors → accumulators, gates and exit codes, absent
 * optional parents, interrupted runs, and shard state files merged back into one run.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, PlanGate } from '../../plan/plan-types.ts';
import { ComparisonInputError, createComparisonRun, type ComparisonParents, type ComparisonRun } from '../../runtime/comparison-run.ts';
import { runMeta } from '../../runtime/run-meta.ts';
import type { RunMeta } from '../../plan/record-types.ts';
import { mergeStateFiles, readStateFile, stateFileOf, StateFileError, writeStateFile, type StateFile } from '../../runtime/state-file.ts';
import type { ModelMetricResult } from '../../plan/result-types.ts';
import type { Tensor } from '../../stdlib/types.ts';
import { comparisonPlan, SPAN } from '../support/comparison-plan.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-comparison-run-'));
const span = SPAN;

function gate(text: string, metric: string, field: PlanGate['field'], op: PlanGate['op'], bound: number, confidence: number | null = null): PlanGate {
  return { text, metric, field, op, bound, confidence, span };
}

const planOf = comparisonPlan;

function meta(run: ComparisonRun, extra: Partial<Parameters<typeof runMeta>[1]> = {}): RunMeta {
  return runMeta(run.subject, { dataPath: null, stats: null, startedAt: new Date(0), endedAt: new Date(1000), interrupted: false, ...extra });
}

/** Deterministic binary rows: label, control score, treatment score (better), region. */
function rows(n: number, seed = 1): { y: Int32Array; c: Float32Array; t: Float32Array; region: string[] } {
  let s = seed;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const y = new Int32Array(n),
    c = new Float32Array(n),
    t = new Float32Array(n);
  const region: string[] = [];
  for (let i = 0; i < n; i++) {
    y[i] = r() < 0.4 ? 1 : 0;
    c[i] = Math.min(1, Math.max(0, 0.3 + 0.25 * y[i]! + 0.5 * (r() - 0.5)));
    t[i] = Math.min(1, Math.max(0, 0.3 + 0.35 * y[i]! + 0.5 * (r() - 0.5)));
    region.push(['eu', 'us', 'apac'][i % 3]!);
  }
  return { y, c, t, region };
}

const f32 = (a: Float32Array, dims: number[]): Tensor => ({ dtype: 'f32', data: a, dims });

/** Feed rows [from, to) as batches, keeping only rows whose id satisfies `keep`. */
function feed(run: ComparisonRun, d: ReturnType<typeof rows>, opts: { batch?: number; keep?: (id: number) => boolean; slices?: boolean } = {}): void {
  const ids: number[] = [];
  for (let i = 0; i < d.y.length; i++) if (opts.keep?.(i) ?? true) ids.push(i);
  const size = opts.batch ?? 97;
  for (let s = 0; s < ids.length; s += size) {
    const part = ids.slice(s, s + size);
    const n = part.length;
    const b: ComparisonParents = {
      control: f32(
        Float32Array.from(part, (i) => d.c[i]!),
        [n],
      ),
      treatment: f32(
        Float32Array.from(part, (i) => d.t[i]!),
        [n],
      ),
      label: { dtype: 'i32', data: Int32Array.from(part, (i) => d.y[i]!), dims: [n] },
      rowIds: Float64Array.from(part),
    };
    if (opts.slices) b.slice = { dtype: 'str', data: part.map((i) => d.region[i]!), dims: [n] };
    run.onBatch('ab', b);
  }
}

describe('tensors into the accumulator', () => {
  const d = rows(300);
  const base = () => ({ label: { dtype: 'i32' as const, data: d.y, dims: [300] }, rowIds: Float64Array.from({ length: 300 }, (_, i) => i) });
  const accuracyOf = (run: ComparisonRun) =>
    run.finish(meta(run)).comparisons[0]!.result.metrics.find((m) => m.name === 'accuracy') as ModelMetricResult;

  it('reads scores as f32[rows], f32[rows, 1], f64 and a [rows, 2] probability row alike', () => {
    const flat = createComparisonRun(planOf({ task: { kind: 'binary', threshold: 0.5 } }));
    flat.onBatch('ab', { control: f32(d.c, [300]), treatment: f32(d.t, [300]), ...base() });
    const column = createComparisonRun(planOf({ task: { kind: 'binary', threshold: 0.5 } }));
    column.onBatch('ab', { control: f32(d.c, [300, 1]), treatment: f32(d.t, [300, 1]), ...base() });
    const wide = createComparisonRun(planOf({ task: { kind: 'binary', threshold: 0.5 } }));
    const pairs = (a: Float32Array) => Float64Array.from({ length: 600 }, (_, k) => (k % 2 === 1 ? a[k >> 1]! : 1 - a[k >> 1]!));
    wide.onBatch('ab', {
      control: { dtype: 'f64', data: pairs(d.c), dims: [300, 2] },
      treatment: { dtype: 'f64', data: pairs(d.t), dims: [300, 2] },
      ...base(),
    });
    const a = accuracyOf(flat),
      b = accuracyOf(column),
      c = accuracyOf(wide);
    expect(a.control).toBeGreaterThan(0.5);
    expect(b.control).toBe(a.control);
    expect(c.control).toBe(a.control);
    expect(c.treatment).toBe(a.treatment);
  });

  it('accepts labels of any numeric or bool dtype', () => {
    const variants: Tensor[] = [
      { dtype: 'i64', data: BigInt64Array.from(d.y, (v) => BigInt(v)), dims: [300] },
      { dtype: 'bool', data: Uint8Array.from(d.y), dims: [300] },
      { dtype: 'f32', data: Float32Array.from(d.y), dims: [300, 1] },
    ];
    const ref = createComparisonRun(planOf({ task: { kind: 'binary', threshold: 0.5 } }));
    ref.onBatch('ab', { control: f32(d.c, [300]), treatment: f32(d.t, [300]), ...base() });
    const want = accuracyOf(ref);
    for (const label of variants) {
      const run = createComparisonRun(planOf({ task: { kind: 'binary', threshold: 0.5 } }));
      run.onBatch('ab', { control: f32(d.c, [300]), treatment: f32(d.t, [300]), label, rowIds: base().rowIds });
      expect(accuracyOf(run).treatment, label.dtype).toBe(want.treatment);
    }
  });

  it('turns numeric slice keys into strings', () => {
    const run = createComparisonRun(planOf({ task: { kind: 'binary', threshold: 0.5 }, slice_by: { node: 's', output: 'out' } }));
    run.onBatch('ab', {
      control: f32(d.c, [300]),
      treatment: f32(d.t, [300]),
      ...base(),
      slice: { dtype: 'i64', data: BigInt64Array.from({ length: 300 }, (_, i) => BigInt(i % 2)), dims: [300] },
    });
    const slices = run.finish(meta(run)).comparisons[0]!.result.slices!;
    expect(slices.items.map((s) => s.slice).sort()).toEqual(['0', '1']);
    expect(slices.items.reduce((s, i) => s + i.rows, 0)).toBe(300);
  });

  it('refuses shapes that do not fit the task, naming the comparison', () => {
    const run = createComparisonRun(planOf({ task: { kind: 'binary', threshold: 0.5 } }));
    expect(() =>
      run.onBatch('ab', { control: f32(new Float32Array(900), [300, 3]), treatment: f32(new Float32Array(900), [300, 3]), ...base() }),
    ).toThrow(/comparison `ab`: a binary comparison needs .* got f32\[300, 3\]/);
    expect(() => run.onBatch('ab', { control: f32(d.c, [300]), treatment: f32(d.t, [150, 2]), ...base() })).toThrow(ComparisonInputError);
    expect(() => run.onBatch('nope', { control: f32(d.c, [300]), treatment: f32(d.t, [300]), ...base() })).toThrow(/no such comparison/);
  });
});

describe('gates, exit codes and interruption', () => {
  const d = rows(400);

  it('passes (exit 0) and fails (exit 1) by the gates', () => {
    const pass = createComparisonRun(
      planOf({ task: { kind: 'binary', threshold: 0.5 }, gates: [gate('auroc.delta >= 0', 'auroc', 'delta', '>=', 0)] }),
    );
    feed(pass, d);
    const ok = pass.finish(meta(pass));
    expect(ok.comparisons[0]!.verdicts[0]!.passed).toBe(true);
    expect([ok.status, ok.passed, ok.exitCode]).toEqual(['complete', true, 0]);
    const fail = createComparisonRun(
      planOf({ task: { kind: 'binary', threshold: 0.5 }, gates: [gate('auroc.delta >= 0.5', 'auroc', 'delta', '>=', 0.5)] }),
    );
    feed(fail, d);
    const bad = fail.finish(meta(fail));
    expect([bad.passed, bad.exitCode]).toEqual([false, 1]);
  });

  it('an interrupted run never passes: every verdict fails with the reason, exit 130', () => {
    const run = createComparisonRun(
      planOf({ task: { kind: 'binary', threshold: 0.5 }, gates: [gate('auroc.delta >= 0', 'auroc', 'delta', '>=', 0)] }),
    );
    feed(run, d);
    const o = run.finish(meta(run, { interrupted: true }));
    expect([o.status, o.passed, o.exitCode]).toEqual(['interrupted', false, 130]);
    expect(o.comparisons[0]!.verdicts[0]!.passed).toBe(false);
    expect(o.comparisons[0]!.verdicts[0]!.reason).toMatch(/^the run was interrupted, so no gate passes \(on the rows seen: auroc.delta = /);
  });

  it('labels absent from the data drop the label metrics and fail their gates with that reason', () => {
    const run = createComparisonRun(
      planOf({
        task: { kind: 'binary', threshold: 0.5 },
        gates: [gate('accuracy.delta >= 0', 'accuracy', 'delta', '>=', 0), gate('agreement >= 0.5', 'agreement', 'value', '>=', 0.5)],
      }),
    );
    run.onBatch('ab', { control: f32(d.c, [400]), treatment: f32(d.t, [400]), rowIds: Float64Array.from({ length: 400 }, (_, i) => i) });
    const o = run.finish(meta(run)).comparisons[0]!;
    expect(o.spec.metrics).toEqual(['agreement']);
    expect(o.notes[0]).toBe('labels (`y`) are absent from the data: accuracy, auroc not computed');
    expect(o.verdicts[0]!.passed).toBe(false);
    expect(o.verdicts[0]!.reason).toContain('`accuracy` needs labels');
    expect(o.verdicts[1]!.passed).toBe(true);
  });

  it('a comparison that saw no rows reports undefined values and fails its gates', () => {
    const run = createComparisonRun(
      planOf({ task: { kind: 'binary', threshold: 0.5 }, gates: [gate('auroc.delta >= 0', 'auroc', 'delta', '>=', 0)] }),
    );
    const o = run.finish(meta(run));
    expect(o.comparisons[0]!.result.rows).toBe(0);
    expect(o.exitCode).toBe(1);
    expect(o.comparisons[0]!.verdicts[0]!.reason).toMatch(/undefined/);
  });
});

describe('shard state files', () => {
  const d = rows(900, 7);
  const plan = planOf({
    task: { kind: 'binary', threshold: 0.5 },
    metrics: ['accuracy', 'precision', 'recall', 'auroc', 'auprc', 'log_loss', 'brier', 'agreement', 'spearman', 'mean_abs_diff'],
    slice_by: { node: 's', output: 'out' },
    gates: [gate('auroc.delta >= 0 at 95%', 'auroc', 'delta', '>=', 0, 0.95)],
    options: { bootstrap: 100, seed: 11, confidence: 0.95, max_slices: 2 },
  });
  const dataFile = join(tmp, 'data.jsonl');
  writeFileSync(dataFile, '{"x": 1}\n');

  /** What a source reports having read of `file`, read to its end. */
  function readOf(file: string): { bytes: number; sha256: string; complete: boolean } {
    const bytes = readFileSync(file);
    return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), complete: true };
  }

  function shardStates(count: number, p: Plan = plan, file = dataFile): { path: string; state: StateFile }[] {
    return Array.from({ length: count }, (_, index) => {
      const run = createComparisonRun(p, { shard: { index, count } });
      feed(run, d, { keep: (id) => id % count === index, slices: true, batch: 64 });
      const path = join(tmp, `shard-${p.plan_hash.slice(0, 4)}-${index + 1}-of-${count}.json`);
      writeStateFile(
        path,
        run,
        meta(run, {
          shard: { index, count },
          dataPath: file,
          stats: { rowsRead: 300, rowsTotal: 300 * count, skipped: { 'invalid-json': index }, read: readOf(file) },
        }),
      );
      return { path, state: readStateFile(path) };
    });
  }

  it('merging 3 interleaved shards gives the result of one pass (every metric, interval, p-value)', () => {
    const whole = createComparisonRun(plan);
    feed(whole, d, { slices: true, batch: 256 });
    const one = whole.finish(meta(whole, { dataPath: dataFile }));
    const merged = mergeStateFiles(shardStates(3));
    const m = merged.run.finish(merged.meta);
    // Bit for bit, float sums included (exact sums): `toEqual` compares numbers with Object.is.
    expect(m.comparisons[0]!.result).toEqual(one.comparisons[0]!.result);
    expect(m.comparisons[0]!.verdicts).toEqual(one.comparisons[0]!.verdicts);
    expect(m.meta.rows_seen).toBe(900);
    expect(m.meta.rows_skipped).toEqual({ 'invalid-json': 3 });
    expect(m.meta.merged_shards).toBe(3);
    expect(m.meta.shard).toBeNull();
  });

  it('refuses different plans, different data, missing, repeated and interrupted shards', () => {
    const good = shardStates(3);
    const other = shardStates(3, planOf({ ...plan.comparisons[0]!, task: { kind: 'binary', threshold: 0.5 } }, 'c'.repeat(64)));
    expect(() => mergeStateFiles([good[0]!, other[1]!, good[2]!])).toThrow(
      /state files come from different plans: .* has plan aaaaaaaaaaaa, .* has cccccccccccc/,
    );
    expect(() => mergeStateFiles([good[0]!, good[2]!])).toThrow(/^missing shard 2\/3: merge needs all 3 shards/);
    expect(() => mergeStateFiles([good[0]!, good[1]!, good[1]!, good[2]!])).toThrow(/^shard 2\/3 is given twice/);
    const otherFile = join(tmp, 'other.jsonl');
    writeFileSync(otherFile, '{"x": 2}\n');
    const moved = shardStates(3, plan, otherFile);
    expect(() => mergeStateFiles([good[0]!, moved[1]!, good[2]!])).toThrow(/state files come from different data/);
    const stopped = { path: 'stopped.json', state: { ...good[1]!.state, interrupted: true } };
    expect(() => mergeStateFiles([good[0]!, stopped, good[2]!])).toThrow(/stopped.json: shard 2\/3 was interrupted/);
    expect(() => mergeStateFiles([])).toThrow(StateFileError);
  });

  it('refuses a shard that did not read its data to the end (--limit) and shards whose rows do not add up', () => {
    const good = shardStates(3);
    const g1 = good[1]!.state;
    const limited = { path: 'limited.json', state: { ...g1, data_source: { ...g1.data_source!, complete: false } } };
    expect(() => mergeStateFiles([good[0]!, limited, good[2]!])).toThrow(
      /limited.json: shard 2\/3 stopped before the end of its data \(made with --limit\?\)/,
    );
    const short = { path: 'short.json', state: { ...g1, meta: { ...g1.meta, rows_seen: g1.meta.rows_seen - 1 } } };
    expect(() => mergeStateFiles([good[0]!, short, good[2]!])).toThrow(/the shards read 899 rows between them but the data has 900/);
    // Same size and same first bytes, different content further on: the whole-data hash tells them apart.
    const other = { path: 'other.json', state: { ...g1, data_source: { ...g1.data_source!, sha256: 'f'.repeat(64) } } };
    expect(() => mergeStateFiles([good[0]!, other, good[2]!])).toThrow(/state files come from different data/);
  });

  it('reads only its own versioned format, with one-line errors', () => {
    const junk = join(tmp, 'junk.json');
    writeFileSync(junk, '{"hello": 1}');
    expect(() => readStateFile(junk)).toThrow(/is not an m4 state file/);
    writeFileSync(junk, 'not json');
    expect(() => readStateFile(junk)).toThrow(/not JSON/);
    expect(() => readStateFile(join(tmp, 'missing.json'))).toThrow(/cannot read state file .*: no such file/);
    const run = createComparisonRun(plan);
    const future = { ...stateFileOf(run, meta(run)), state_file_version: 99 };
    writeFileSync(junk, JSON.stringify(future));
    expect(() => readStateFile(junk)).toThrow(/has state file version 99; this m4 .* reads version 3$/);
    // A shard of the m4 before exact sums: refused, saying what to do.
    writeFileSync(junk, JSON.stringify({ ...future, state_file_version: 2 }));
    expect(() => readStateFile(junk)).toThrow(/has state file version 2; this m4 .* reads version 3: re-run its shard with this m4$/);
  });
});
