/**
 * What goes wrong at run time, over real HTTP: a control that fails answers a 500 naming the node and its
 * `.m4` line (as `m4c run` does), counted; a treatment that fails in shadow is logged and counted, never
 * returned; a shadow batch over `--shadow-timeout-ms` is given up and counted; and before every model session
 * is open, `/readyz` and `/v1/predict` answer 503 while `/healthz` answers 200.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../plan/plan-types.ts';
import { loadPlan } from '../../../runtime/plan-load.ts';
import { startServe } from '../../../runtime/serve/server.ts';
import { writeMlp } from '../support/onnx-models.ts';
import { compiled, DEFAULTS, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-serve-errors-'));
const plan = compiled(writeServeGraph(dir));

/** The plan with model `which` (0: the control's, 1: the treatment's) swapped for one that expects 9 features (fed 8). */
function failing(which: 0 | 1): Plan {
  const p = structuredClone(plan);
  const path = join(dir, `nine-${which}.onnx`);
  p.models[which]!.sha256 = writeMlp(path, { inputs: 9, hidden: [4], seed: 3 });
  p.models[which]!.path = path;
  return p;
}

async function metricsOf(url: string): Promise<Map<string, number>> {
  return parseMetrics((await get(`${url}/metrics`)).body).samples;
}

describe('run-time errors', () => {
  it('a failing control: 500 runtime-error naming the node and its .m4 line, counted, the server still answers', async () => {
    const logs: string[] = [];
    const s = await serve(failing(0), { log: (l) => logs.push(l) });
    try {
      const r = await post(`${s.url}/v1/predict`, { inputs: row(1) }, { 'x-request-id': 'boom' });
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ error: 'runtime-error', request_id: 'boom' });
      // Named by the request (a served row has no line of a file), in the words of `m4c run` otherwise.
      expect(r.body.detail).toMatch(/^node `control\/a` \(.*ab\.m4:6:\d+\), request "boom": .*Expected: 9/);
      expect(r.body.detail).not.toContain('\n');
      expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at /);
      const many = await post(`${s.url}/v1/predict`, { rows: [row(1), row(2)] });
      expect(many.status).toBe(500);
      expect(many.body.detail).toMatch(
        new RegExp(`^node \`control/a\` \\(.*ab\\.m4:6:\\d+\\), request "${many.body.request_id.replace('+', '\\+')}", rows 0–1: `),
      );
      expect(many.body.detail).not.toMatch(/at lines? \d/);
      expect((await get(`${s.url}/healthz`)).status).toBe(200);
      const m = await metricsOf(s.url);
      expect(m.get('m4_requests_total{route="/v1/predict",result="error"}')).toBe(2);
      expect(m.get('m4_node_errors_total{arm="control",node="control/a"}')).toBe(2);
      // The three rows read are in the record, skipped: their batches gave no outputs to pair.
      const meta = (await get(`${s.url}/v1/comparisons`)).body.meta;
      expect([meta.rows_seen, meta.rows_skipped]).toEqual([3, { 'runtime-error': 3 }]);
      expect(logs.some((l) => /node `control\/a` \(.*ab\.m4:6:\d+\)/.test(l))).toBe(true);
    } finally {
      await s.shutdown();
    }
  });

  it("a failing treatment in shadow: answers are the control's (200), the error is logged and counted, never returned", async () => {
    const logs: string[] = [];
    const s = await serve(failing(1), { log: (l) => logs.push(l) });
    const ref = await serve(plan, { mode: 'control' });
    try {
      const one = await post(`${s.url}/v1/predict`, { inputs: row(1) }, { 'x-request-id': 'e1' });
      const many = await post(`${s.url}/v1/predict`, { rows: [row(2), row(3)] });
      expect(one.status).toBe(200);
      expect(many.status).toBe(200);
      expect(one.body.outputs).toEqual((await post(`${ref.url}/v1/predict`, { inputs: row(1) })).body.outputs);
      expect(JSON.stringify([one.body, many.body])).not.toMatch(/error|treat/);
      await s.service.idle();
      const m = await metricsOf(s.url);
      expect(m.get('m4_shadow_rows_total{arm="treatment",result="error"}')).toBe(3);
      expect(m.get('m4_shadow_rows_total{arm="treatment",result="ok"}') ?? 0).toBe(0);
      expect(m.get('m4_node_errors_total{arm="treatment",node="treat/b"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}') ?? 0).toBe(0);
      expect(logs.some((l) => /^treatment arm \(shadow\): node `treat\/b` \(.*ab\.m4:7:\d+\)/.test(l))).toBe(true);
      // No pair: a label for the row is told so.
      expect((await post(`${s.url}/v1/feedback`, { request_id: 'e1', label: 1 })).body.results).toEqual({ unpaired: 1 });
    } finally {
      await s.shutdown();
      await ref.shutdown();
    }
  });

  it("canary: the control failing in shadow behind the treatment's answers is counted, never returned", async () => {
    const logs: string[] = [];
    const s = await serve(failing(0), { mode: 'canary', percent: 100, log: (l) => logs.push(l) });
    try {
      const r = await post(`${s.url}/v1/predict`, { rows: [row(1), row(2)] });
      expect(r.status).toBe(200);
      expect(r.body.rows.map((x: { arm: string }) => x.arm)).toEqual(['treatment', 'treatment']);
      await s.service.idle();
      const m = await metricsOf(s.url);
      expect(m.get('m4_shadow_rows_total{arm="control",result="error"}')).toBe(2);
      expect(m.get('m4_node_errors_total{arm="control",node="control/a"}')).toBeGreaterThanOrEqual(1);
      expect(logs.some((l) => /^control arm \(shadow\): node `control\/a`/.test(l))).toBe(true);
    } finally {
      await s.shutdown();
    }
  });

  it('a shadow batch over --shadow-timeout-ms is given up and counted; the answers are unaffected', async () => {
    const slow = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-timeout-')), { slowHidden: 2048 }));
    const s = await serve(slow, { shadowTimeoutMs: 1, maxBatch: 64 });
    try {
      for (let i = 0; i < 5; i++) {
        const r = await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 64 }, (_, k) => row(i * 64 + k)) });
        expect(r.status).toBe(200);
        expect(r.body.rows.every((x: { arm: string }) => x.arm === 'control')).toBe(true);
      }
      await s.service.idle();
      const m = await metricsOf(s.url);
      const at = (result: string): number => m.get(`m4_shadow_rows_total{arm="treatment",result="${result}"}`) ?? 0;
      // Two 2048-wide layers over 64 rows take far longer than 1 ms: every batch is judged late when it returns.
      expect(at('timeout')).toBeGreaterThan(0);
      expect(at('ok') + at('timeout') + at('dropped') + at('error')).toBe(5 * 64);
      expect(m.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}') ?? 0).toBe(at('ok'));
    } finally {
      await s.shutdown();
    }
  }, 60_000);
});

describe('readiness', () => {
  it('/readyz and /v1/predict answer 503 until every model session is open; /healthz answers at once', async () => {
    // The control's model is read through a named pipe: its session cannot open before this test writes it.
    const fifo = join(dir, 'control-pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    const loaded = loadPlan(plan, { verifyModels: false });
    const control = plan.models[0]!;
    const bytes = readFileSync(loaded.modelPaths.get(control.name)!);
    loaded.modelPaths.set(control.name, fifo);
    // Worker threads open the answering arm's sessions, so the main thread (and the HTTP server) stays free.
    const s = await startServe(loaded, { ...DEFAULTS, engine: 'workers' });
    const url = `http://127.0.0.1:${s.port}`;
    try {
      expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await get(`${url}/readyz`)).toEqual({ status: 503, body: { status: 'loading' } });
      const early = await post(`${url}/v1/predict`, { inputs: row(1) });
      expect(early.status).toBe(503);
      expect(early.body).toMatchObject({ error: 'not-ready' });
      expect((await metricsOf(url)).get('m4_ready')).toBe(0);
      await writeFile(fifo, bytes);
      await s.ready;
      expect(await get(`${url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
      expect((await post(`${url}/v1/predict`, { inputs: row(1) })).status).toBe(200);
      const m = await metricsOf(url);
      expect(m.get('m4_ready')).toBe(1);
      expect(m.get('m4_requests_total{route="/v1/predict",result="unavailable"}')).toBe(1);
    } finally {
      await s.shutdown();
    }
  }, 60_000);
});
