/**
 * `replayComparisons` with the comparisons fed on their own thread (comparison-feed.ts) reports what
 * the main thread alone reports — the example's replay, bootstrap intervals and slices included — and
 * writes the same shard state.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { feedStats } from '../../runtime/comparison-feed.ts';
import { loadPlan, type LoadedPlan } from '../../runtime/plan-load.ts';
import { replayComparisons, type ReplayOptions } from '../../runtime/replay.ts';

const ROOT = join(import.meta.dirname, '../..');
const DATA = join(ROOT, 'examples/fraud/data/replay.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'm4-replay-feed-'));

function loaded(): LoadedPlan {
  const c = compileFile(join(ROOT, 'examples/fraud/ab.m4'));
  if (!c.plan) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return loadPlan(c.plan, { verifyModels: false });
}

function options(tag: string, more: Partial<ReplayOptions> = {}): ReplayOptions {
  return {
    data: DATA,
    batchSize: 256,
    onBadRow: 'skip',
    engine: 'main',
    db: join(tmp, `${tag}.db`),
    format: 'json',
    color: false,
    out: { write: () => {} },
    say: () => {},
    ...more,
  };
}

/** A replay with the feed thread from `rows` rows (`0`: never). */
async function replay(rows: string, tag: string, more: Partial<ReplayOptions> = {}) {
  process.env.M4_COMPARISON_THREAD_ROWS = rows;
  try {
    return await replayComparisons(loaded(), options(tag, more));
  } finally {
    delete process.env.M4_COMPARISON_THREAD_ROWS;
  }
}

afterEach(() => {
  delete process.env.M4_COMPARISON_THREAD_ROWS;
});

describe('replayComparisons with a comparison feed thread', () => {
  it('gives the outcome of the main thread alone', async () => {
    const alone = await replay('0', 'alone');
    const threads = feedStats.threads;
    const fed = await replay('1000', 'fed');
    expect(feedStats.threads).toBe(threads + 1);
    const a = alone.outcome!.comparisons[0]!,
      b = fed.outcome!.comparisons[0]!;
    expect(a.result.rows).toBeGreaterThan(1000);
    expect(b.result).toEqual(a.result);
    expect(b.verdicts).toEqual(a.verdicts);
    expect(fed.exitCode).toBe(alone.exitCode);
  }, 120_000);

  it('writes the same shard state', async () => {
    const state = async (rows: string, tag: string) => {
      const statePath = join(tmp, `${tag}.state.json`);
      await replay(rows, tag, { shard: { index: 1, count: 2 }, statePath, db: undefined });
      return JSON.parse(readFileSync(statePath, 'utf8')).states;
    };
    const a0 = await state('0', 'shard-alone');
    expect(await state('0', 'shard-alone2')).toEqual(a0);
    expect(await state('1', 'shard-fed')).toEqual(a0);
  }, 120_000);
});
