/**
 * `replayComparisons` lets go of the models before the comparisons' result phase: the executor is
 * given back (closed, when not lent) once the rows are done, before the report is rendered — so the
 * result's rankings and resamples do not sit on top of the model sessions (docs/performance.md, "Memory
 * of the main job"). A replay that fails gives its executor back as unhealthy, never to be lent again.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { createExecutor, type Executor, type ExecutorOptions } from '../../runtime/executor.ts';
import { loadPlan, type LoadedPlan } from '../../runtime/plan-load.ts';
import { replayComparisons, type ExecutorLender, type ReplayOptions } from '../../runtime/replay.ts';

const ROOT = join(import.meta.dirname, '../..');
const DATA = join(ROOT, 'examples/fraud/data/replay.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'm4-replay-release-'));

function loaded(): LoadedPlan {
  const c = compileFile(join(ROOT, 'examples/fraud/ab.m4'));
  if (!c.plan) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return loadPlan(c.plan, { verifyModels: false });
}

/** A lender that logs what happens to its executors in `events`. */
function lender(events: string[]): ExecutorLender {
  return {
    async borrow(l: LoadedPlan, opts: ExecutorOptions): Promise<Executor> {
      events.push('borrow');
      return createExecutor(l, opts);
    },
    async giveBack(ex: Executor, healthy: boolean): Promise<void> {
      events.push(`give back (healthy: ${healthy})`);
      await ex.close();
    },
  };
}

/** A replay of `data` into `db` on the main thread, its executor from {@link lender}, its report logged in `events`. */
function options(events: string[], data: string, db: string, more: Partial<ReplayOptions> = {}): ReplayOptions {
  return {
    data,
    batchSize: 512,
    onBadRow: 'skip',
    engine: 'main',
    db,
    format: 'json',
    color: false,
    out: { write: () => events.push('report') },
    say: () => {},
    executors: lender(events),
    ...more,
  };
}

describe('replayComparisons releases the models before the result phase', () => {
  it('gives the executor back before the report, once', async () => {
    const events: string[] = [];
    const end = await replayComparisons(
      loaded(),
      options(events, DATA, join(tmp, 'a.db'), {
        out: { write: (s: string) => events.push(s.trimStart().startsWith('{') ? 'report' : 'other output') },
        onRowsDone: () => events.push('rows done'),
      }),
    );
    expect(end.outcome?.status).toBe('complete');
    expect(end.meta?.rows_seen).toBe(5000);
    expect(events).toEqual(['borrow', 'give back (healthy: true)', 'rows done', 'report']);
  });

  it('gives it back as unhealthy when the replay fails', async () => {
    const events: string[] = [];
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(bad, '{"id": 0, "tx": [1, 2], "label": 1, "region": "eu"}\n');
    await expect(replayComparisons(loaded(), options(events, bad, join(tmp, 'b.db'), { onBadRow: 'fail' }))).rejects.toThrow();
    expect(events).toEqual(['borrow', 'give back (healthy: false)']);
  });

  it('fails on a sink it cannot open before any row, and lets go of the models that loaded meanwhile', async () => {
    const events: string[] = [];
    const notDb = join(tmp, 'notes.db');
    writeFileSync(notDb, 'not an SQLite database\n');
    await expect(replayComparisons(loaded(), options(events, DATA, notDb, { onStart: () => events.push('rows start') }))).rejects.toThrow(
      /not an SQLite database/,
    );
    expect(events).toEqual(['borrow', 'give back (healthy: false)']);
  });
});
