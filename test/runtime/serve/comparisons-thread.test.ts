/**
 * The online comparisons on their own thread (runtime/serve/comparisons-thread.ts):
 * - they give the outcomes the same accumulators give on the main thread, exactly (every number, bit for bit);
 * - a window close does not hold up the answers: with the worker's judgement held (a shared flag the test
 *   opens), a request sent after the close began is answered, and its pair lands in the next window.
 * Causality only, no clock: the judgement is held for as long as the test wants.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunMeta } from '../../../plan/record-types.ts';
import { runMeta, subjectOf } from '../../../runtime/run-meta.ts';
import { ComparisonsThread } from '../../../runtime/serve/comparisons-thread.ts';
import { OnlineComparisons } from '../../../runtime/serve/online-comparisons.ts';
import { SeededRandom } from '../../../tools/seeded-random.ts';
import { syntheticPairs } from '../../../tools/synthetic-pairs.ts';
import { compiled, FRAUD, FRAUD_DATA, post, serve } from './serve-support.ts';

const plan = compiled(FRAUD);
const subject = subjectOf(plan);
const NAME = 'v2_vs_v1';

function meta(window: number | null, rows: number): RunMeta {
  const at = new Date(Date.UTC(2026, 11, 4));
  return {
    ...runMeta(subject, {
      dataPath: null,
      stats: { rowsRead: rows, rowsTotal: rows, skipped: {}, read: { bytes: 0, sha256: '', complete: true } },
      startedAt: at,
      endedAt: at,
      interrupted: false,
      runId: `test/${window ?? 'all'}`,
    }),
    serve: { run: 'test', window },
  };
}

describe('online comparisons on their own thread', () => {
  const closers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const c of closers) await c.close();
  });

  it('give the outcomes of the same accumulators on the main thread, bit for bit', async () => {
    const labelled = new Set([NAME]);
    const here = new OnlineComparisons(subject, labelled);
    const thread = new ComparisonsThread(subject, labelled, (m) => {
      throw new Error(m);
    });
    closers.push(thread);
    const rng = new SeededRandom(20261204);
    let rowId = 0;
    // Three windows: label-free pairs only, then some labelled, then a window where every pair is labelled.
    for (let w = 0; w < 3; w++) {
      for (let b = 0; b < 6; b++) {
        const rows = 1 + rng.int(80);
        const p = syntheticPairs(rng, rowId, rows);
        rowId += rows;
        here.addPairs(NAME, p);
        thread.addPairs(NAME, p);
        if (w > 0 && (w === 2 || b % 2 === 0)) {
          here.addLabelled(NAME, p);
          thread.addLabelled(NAME, p);
        }
      }
      const [wm, cm] = [meta(w, rowId), meta(null, rowId)];
      const want = { window: here.closeWindow(wm), cumulative: here.outcome('cumulative', cm) };
      const closed = thread.closeWindow(wm, cm);
      expect(closed.empty).toBe(false);
      const got = await closed.closed;
      // toStrictEqual compares numbers with Object.is: -0, NaN and every last bit must match.
      expect(got.window).toStrictEqual(want.window);
      expect(got.cumulative).toStrictEqual(want.cumulative);
      // Window 0 has no labels: its label-free metrics only; later windows every metric.
      expect(got.window!.comparisons[0]!.result.metrics.length).toBeGreaterThan(w === 0 ? 2 : 9);
    }
    expect(await thread.outcome(meta(null, rowId))).toStrictEqual(here.outcome('cumulative', meta(null, rowId)));
    // An empty window is told at once, and judges nothing.
    expect(thread.closeWindow(meta(3, rowId), meta(null, rowId)).empty).toBe(true);
  }, 60_000);

  it('a request is answered while a window close is being judged, and its pair joins the next window', async () => {
    const hold = new SharedArrayBuffer(4);
    const gate = new Int32Array(hold);
    const s = await serve(plan, { comparisonsHold: hold });
    const open = (): void => {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
    };
    // Even if an assertion fails with the gate shut, the shutdown's judgement must be able to run.
    closers.push({ close: () => (open(), s.shutdown()) });
    const lines = readFileSync(FRAUD_DATA, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(0, 201)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = await post(`${s.url}/v1/predict`, { rows: lines.slice(0, 200) });
    expect(first.status).toBe(200);
    await s.service.idle(); // both arms ran: the 200 pairs are in the window

    let judged = false;
    const closing = s.service.closeWindow().then((o) => {
      judged = true;
      return o;
    });
    // The worker now holds the judgement until the gate opens; the event loop must still answer.
    const during = await post(`${s.url}/v1/predict`, { inputs: lines[200] });
    expect(during.status).toBe(200);
    expect(during.body.arm).toBe('control');
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(judged).toBe(false);

    open();
    const closed = await closing;
    expect(judged).toBe(true);
    expect(closed!.comparisons[0]!.result.rows_seen).toBe(200);
    // The request answered during the close was paired after the close was posted: it is the next window's.
    await s.service.idle();
    const next = await s.service.closeWindow();
    expect(next!.comparisons[0]!.result.rows_seen).toBe(1);
    expect(next!.meta.serve).toEqual({ run: s.service.runId, window: 1 });
  }, 60_000);
});
