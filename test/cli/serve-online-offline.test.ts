/**
 * Online equals offline, as users run both: the built `m4c serve examples/fraud/ab.m4` as a process, the example's
 * replay sent through `/v1/predict` in order (each row gets the ordinal it has in the file, so the bootstrap draws the
 * same weights) and its labels through `/v1/feedback`, then SIGTERM; and `m4c run examples/fraud/ab.m4` as a process
 * on the same file. The serving run's cumulative record equals the run's, metric for metric — values, intervals,
 * p-values, gate verdicts, slices. (test/runtime/serve/online-offline.test.ts checks more graphs in process.)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runM4c } from '../support/run-cli.ts';
import { expectSame, recordRows, type Row } from '../runtime/serve/record-compare.ts';
import { killServers, startServe } from './serve-process.ts';

afterEach(killServers);

const FILE = 'examples/fraud/ab.m4';
const DATA = 'examples/fraud/data/replay.jsonl';

async function post(url: string, body: unknown): Promise<{ status: number; body: Row }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Row };
}

it('m4c serve fed the example replay and its labels records what m4c run records for that file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'm4-cli-online-'));
  const online = join(dir, 'online.db');
  const offline = join(dir, 'offline.db');
  const lines = readFileSync(DATA, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);

  // Never shed (the default sheds the shadow's work while the answers' thread is busy: on a loaded machine some rows
  // would have no pair, by design, and the records would differ by them), a queue that holds the whole replay, and no
  // shadow batch given up for time on a slow machine.
  const s = await startServe([
    FILE,
    '--db',
    online,
    '--window',
    '1000',
    '--shadow-shed-load',
    '1',
    '--shadow-queue',
    '10000',
    '--shadow-timeout-ms',
    '600000',
    '-q',
  ]);
  const ids: string[] = [];
  for (let i = 0; i < lines.length; i += 250) {
    const r = await post(`${s.url}/v1/predict`, { rows: lines.slice(i, i + 250) });
    expect(r.status).toBe(200);
    for (const row of r.body.rows as Row[]) ids.push(row.request_id as string);
  }
  expect(ids).toHaveLength(lines.length);
  let joined = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const labels = ids.slice(i, i + 500).map((id, k) => ({ request_id: id, label: lines[i + k]!.label }));
    const r = await post(`${s.url}/v1/feedback`, { labels });
    expect(r.status).toBe(200);
    const results = r.body.results as Record<string, number>;
    expect(
      Object.keys(results).filter((k) => k !== 'joined' && k !== 'pending'),
      JSON.stringify(results),
    ).toEqual([]);
    joined += (results.joined ?? 0) + (results.pending ?? 0);
  }
  expect(joined).toBe(lines.length);
  s.child.kill('SIGTERM');
  expect(await s.exit, s.stderr()).toBe(0);

  const run = runM4c(['run', FILE, '--db', offline, '--quiet']);
  expect(run.code, run.stderr).toBe(0);

  const want = recordRows(offline, `comparison = 'v2_vs_v1'`);
  const got = recordRows(online, `serve_run = '${s.serveRun}' AND serve_window IS NULL AND comparison = 'v2_vs_v1'`);
  expect(got.run.rows_counted).toBe(lines.length);
  expect(got.run.rows_counted).toBe(want.run.rows_counted);
  expect(got.metrics.length).toBeGreaterThanOrEqual(9);
  expectSame(got.metrics, want.metrics);
  expectSame(got.gates, want.gates);
  expectSame(got.slices, want.slices);
  expect(got.run.passed).toBe(want.run.passed);
}, 240_000);
