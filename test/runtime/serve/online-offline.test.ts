/**
 * Online equals offline: the fraud replay's rows sent through `/v1/predict` (in order, so each row gets the
 * ordinal it has in the file and the bootstrap draws the same weights) and its labels through
 * `/v1/feedback` give the cumulative record that `m4c run` writes for that file, metric for metric —
 * values, intervals, p-values, gate verdicts, slices.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expectSame, recordRows, type Row } from './record-compare.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../../runtime/plan-load.ts';
import { replayComparisons } from '../../../runtime/replay.ts';
import { subjectOf } from '../../../runtime/run-meta.ts';
import { openRunSinks } from '../../../runtime/sinks/run-sinks.ts';
import type { Plan } from '../../../plan/plan-types.ts';
import { compiled, FRAUD, FRAUD_DATA, post, ROOT, serve } from './serve-support.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-serve-online-'));

/**
 * The fraud graph with the metrics its example does not use: the other label-free ones (score differences,
 * correlations, distribution shift) and more labelled ones, in two comparisons, one of them sliced.
 */
function otherMetrics(): string {
  const src = readFileSync(FRAUD, 'utf8')
    .replace(/onnx\("models\//g, `onnx("${join(ROOT, 'examples/fraud/models')}/`)
    .replace(/^replay .*$/m, '')
    .replace(/^\s*sink .*$/gm, '')
    .replace(
      /metrics: .*$/m,
      'metrics: [flips, mean_abs_diff, max_abs_diff, pearson, spearman, psi, ks, brier, mcc, balanced_accuracy, specificity]',
    );
  const second = `compare shift {
  control: control
  treatment: treat
  label: label
  task: binary(threshold: 0.3)
  metrics: [agreement, psi, ks, mean_abs_diff, auroc, f1]
}
`;
  const file = join(tmp, 'other.m4');
  writeFileSync(file, src.replace(/^output /m, `${second}\noutput `));
  return file;
}

/**
 * The fraud graph with a second comparison labelled by another input, `loss` (f64, a regression label): its replay
 * is the fraud replay with a `loss` per row, and feedback sends each row's two labels.
 */
function twoLabels(): { file: string; data: string } {
  const src = readFileSync(FRAUD, 'utf8')
    .replace(/onnx\("models\//g, `onnx("${join(ROOT, 'examples/fraud/models')}/`)
    .replace(/^replay .*$/m, '')
    .replace(/^\s*sink .*$/gm, '')
    .replace(/^input label: .*$/m, (l) => `${l}\ninput loss: f64[batch] optional`);
  const second = `compare loss_fit {
  control: control
  treatment: treat
  label: loss
  task: regression
  metrics: [mae, rmse, pearson]
  gate mae.delta <= 0.05
}
`;
  const file = join(tmp, 'two-labels.m4');
  writeFileSync(file, src.replace(/^output /m, `${second}\noutput `));
  const data = join(tmp, 'two-labels.jsonl');
  const rows = readFileSync(FRAUD_DATA, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const r = JSON.parse(l) as Row;
      return JSON.stringify({ ...r, loss: Number(r.label) * 0.8 + (i % 10) / 20 });
    });
  writeFileSync(data, rows.join('\n') + '\n');
  return { file, data };
}

/** `m4c run` on the replay: its own entry point (runtime/replay.ts), recorded in `db`. */
async function offline(plan: Plan, db: string, data = FRAUD_DATA): Promise<void> {
  const end = await replayComparisons(loadPlan(plan, { verifyModels: false }), {
    data,
    batchSize: 1024,
    onBadRow: 'skip',
    db,
    engine: 'main',
    format: 'json',
    color: false,
    out: { write: () => true },
    say: () => {},
    signal: new AbortController().signal,
  });
  expect(end.outcome?.status).toBe('complete');
}

describe('online equals offline', () => {
  const servers: { shutdown(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const s of servers) await s.shutdown();
  });

  it.each([
    ['the fraud example', FRAUD],
    ['the other metrics, two comparisons', 'other'],
    ['two comparisons on two label inputs, labelled one input at a time', 'two-labels'],
  ])(
    'the replay through /v1/predict and /v1/feedback records what m4c run records: %s',
    async (_name, file) => {
      const two = file === 'two-labels' ? twoLabels() : null;
      const plan = compiled(file === 'other' ? otherMetrics() : two !== null ? two.file : file);
      const comparisons = plan.comparisons.map((c) => c.name);
      const data = two?.data ?? FRAUD_DATA;
      const lines = readFileSync(data, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Row);
      const db = join(tmp, `online-${file === 'two-labels' ? 'two-labels' : comparisons.length}.db`);
      const sinks = await openRunSinks(subjectOf(plan), { db });
      // Windows of 1,000 pairs: the cumulative state is the merge of five windows (two for the slower metrics:
      // each window's bootstrap of rank metrics takes seconds on a loaded machine).
      const windowRows = file === FRAUD ? 1000 : 2500;
      const s = await serve(plan, { sinks, window: { rows: windowRows }, maxBatch: 128 });
      servers.push(s);
      const ids: string[] = [];
      for (let i = 0; i < lines.length; i += 250) {
        const r = await post(`${s.url}/v1/predict`, { rows: lines.slice(i, i + 250) }, { 'x-request-id': `chunk-${i}` });
        expect(r.status).toBe(200);
        for (const row of r.body.rows) {
          expect(row.arm).toBe('control');
          ids.push(row.request_id);
        }
      }
      expect(ids.length).toBe(5000);
      let joined = 0;
      // With two label inputs, all the `label`s first, then all the `loss`es: each row waits for its second label.
      for (const input of two === null ? [null] : ['label', 'loss']) {
        for (let i = 0; i < ids.length; i += 500) {
          const labels = ids
            .slice(i, i + 500)
            .map((id, k) =>
              input === null ? { request_id: id, label: lines[i + k]!.label } : { request_id: id, labels: { [input]: lines[i + k]![input] } },
            );
          const r = await post(`${s.url}/v1/feedback`, { labels });
          expect(r.status).toBe(200);
          joined += (r.body.results.joined ?? 0) + (r.body.results.pending ?? 0);
        }
      }
      expect(joined).toBe(two === null ? 5000 : 10000);
      await s.shutdown();
      await sinks.close();
      const d = new Database(db, { readonly: true });
      const windows = d.prepare('SELECT serve_window, rows_seen FROM runs WHERE serve_window IS NOT NULL ORDER BY serve_window').all();
      d.close();
      expect(windows.length).toBeGreaterThanOrEqual((5000 / windowRows) * comparisons.length);

      const offlineDb = join(tmp, `offline-${file === 'two-labels' ? 'two-labels' : comparisons.length}.db`);
      await offline(plan, offlineDb, data);
      for (const name of comparisons) {
        const want = recordRows(offlineDb, `comparison = '${name}'`);
        const got = recordRows(db, `serve_run IS NOT NULL AND serve_window IS NULL AND comparison = '${name}'`);
        expect(got.run.rows_counted).toBe(5000);
        expect(got.run.rows_counted).toBe(want.run.rows_counted);
        expect(got.metrics.length).toBeGreaterThanOrEqual(9);
        expectSame(got.metrics, want.metrics);
        expectSame(got.gates, want.gates);
        expectSame(got.slices, want.slices);
        expect(got.run.passed).toBe(want.run.passed);
      }
    },
    240_000,
  );
});
