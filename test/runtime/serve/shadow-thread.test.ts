/**
 * The shadow arm on its own thread (runtime/serve/shadow-thread.ts, shadow-worker.ts), over real HTTP:
 * - a canary pairs every row whichever arm answered it: the other arm runs it in shadow on that thread, and
 *   feedback joins labels to the rows of both kinds;
 * - the shadow queue's bound is kept on the main thread: a batch over it is dropped at once and counted, and its
 *   rows are still stored, so feedback for them says `unpaired` rather than `unknown`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const plan = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-shadow-thread-'))));
const running: { shutdown(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of running) await s.shutdown();
});

describe('the shadow arm on its own thread', () => {
  it('canary: every row is paired, whichever arm answered it, and feedback joins both kinds', async () => {
    const s = await serve(plan, { mode: 'canary', percent: 50 });
    running.push(s);
    const N = 40;
    const r = await post(`${s.url}/v1/predict`, { rows: Array.from({ length: N }, (_, i) => row(i)) }, { 'x-request-id': 'k' });
    expect(r.status).toBe(200);
    const arms = r.body.rows.map((x: { arm: string }) => x.arm) as string[];
    const byTreatment = arms.filter((a) => a === 'treatment').length;
    expect(byTreatment).toBeGreaterThan(0);
    expect(byTreatment).toBeLessThan(N);
    await s.service.idle();
    const m = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    // The arm that did not answer a row ran it in shadow: the treatment the control's rows, and the other way round.
    expect(m.get('m4_shadow_rows_total{arm="treatment",result="ok"}')).toBe(N - byTreatment);
    expect(m.get('m4_shadow_rows_total{arm="control",result="ok"}')).toBe(byTreatment);
    expect(m.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}')).toBe(N);
    const fb = await post(`${s.url}/v1/feedback`, { labels: arms.map((_, i) => ({ request_id: `k:${i}`, label: i % 2 })) });
    expect(fb.body.results).toEqual({ joined: N });
    const after = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(after.get('m4_comparison_rows_total{comparison="b_vs_a",kind="labelled"}')).toBe(N);
    expect(after.get('m4_feedback_labels_total{result="joined"}')).toBe(N);
  });

  it('a batch over the shadow queue is dropped and counted at once; its rows are stored, and feedback says unpaired', async () => {
    const s = await serve(plan, { shadowQueueRows: 2 });
    running.push(s);
    const big = await post(`${s.url}/v1/predict`, { rows: [row(1), row(2), row(3)] }, { 'x-request-id': 'd' });
    expect(big.status).toBe(200);
    await s.service.idle();
    const small = await post(`${s.url}/v1/predict`, { inputs: row(4) }, { 'x-request-id': 'one' });
    expect(small.status).toBe(200);
    await s.service.idle();
    const m = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(m.get('m4_shadow_rows_total{arm="treatment",result="dropped"}')).toBe(3);
    expect(m.get('m4_shadow_rows_total{arm="treatment",result="ok"}')).toBe(1);
    expect(m.get('m4_shadow_queue_rows{arm="treatment"}')).toBe(0);
    const fb = await post(`${s.url}/v1/feedback`, {
      labels: [
        { request_id: 'd:0', label: 1 },
        { request_id: 'one', label: 0 },
        { request_id: 'never', label: 0 },
      ],
    });
    expect(fb.body.results).toEqual({ unpaired: 1, joined: 1, unknown: 1 });
  });
});
