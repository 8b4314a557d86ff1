/**
 * The stop's bound when the comparisons, not a sink, are late: judgements held on the comparisons' thread past
 * `drainTimeoutMs` + `writeTimeoutMs` make the shutdown fail with one message naming what was not written (no sink
 * was being written: the judging is named), and once the judgement comes back nothing more is written — no record
 * of the serving run. (A sink that does not answer: test/cli/serve-drain-sinks.test.ts, with the CLI as a process.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { M4Error } from '../../../plan/errors.ts';
import { subjectOf } from '../../../runtime/run-meta.ts';
import { openRunSinks } from '../../../runtime/sinks/run-sinks.ts';
import { compiled, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-serve-stop-bound-'));
const plan = compiled(writeServeGraph(dir));

describe('the stop is bounded', () => {
  it('judging not done by --drain-timeout + --write-timeout: the shutdown fails naming what was not written; nothing is written after', async () => {
    const db = join(dir, 'held.db');
    const sinks = await openRunSinks(subjectOf(plan), { db });
    const hold = new SharedArrayBuffer(4);
    const gate = new Int32Array(hold);
    const s = await serve(plan, { sinks, comparisonsHold: hold, drainTimeoutMs: 200, writeTimeoutMs: 300 });
    try {
      for (let i = 0; i < 10; i++) expect((await post(`${s.url}/v1/predict`, { inputs: row(i) })).status).toBe(200);
      const failed = await s.shutdown().then(
        () => null,
        (err: unknown) => err,
      );
      expect(failed).toBeInstanceOf(M4Error);
      expect((failed as M4Error).exitCode).toBe(3);
      expect((failed as M4Error).message).toBe(
        'the last records were not ready within --drain-timeout + --write-timeout (0.2s + 0.3s) (the comparisons were still being judged); ' +
          `not written: the last window and the cumulative record of serve run ${s.service.runId}`,
      );
    } finally {
      // The judgement comes back now: the service was halted, so it writes nothing.
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await s.service.idle();
      await s.service.close();
      await sinks.close();
    }
    const d = new Database(db, { readonly: true });
    const runs = d.prepare('SELECT run_key FROM runs WHERE serve_run = ?').all(s.service.runId);
    d.close();
    expect(runs).toEqual([]);
  }, 60_000);
});
