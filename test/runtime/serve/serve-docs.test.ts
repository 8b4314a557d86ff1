/**
 * What docs/serve.md tells a first-time user, checked over real HTTP on 127.0.0.1 (port 0): prom-client's process
 * metrics under `m4_process_*` / `m4_nodejs_*` (one prefix, not two); a GET /v1/comparisons before any window closed
 * exports no gate (undecided, not failing: a rollout controller reading `m4_gate_passing` would abort); a predict body
 * that is not JSON counted in the records as a bad replay line is (`invalid-json`); rows read in a window that paired
 * none counted in the next window's record; a 409 that says why feedback has nothing to label; a 415 that names the
 * content type sent and the one read.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiled, get, parseMetrics, post, serversOf } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const started = serversOf(compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-docs-')))));

describe('docs/serve.md, as written', () => {
  it("prom-client's process metrics are m4_process_* and m4_nodejs_*, never m4_process_process_*", async () => {
    const s = await started();
    const { samples, types } = parseMetrics((await get(`${s.url}/metrics`)).body);
    expect(types.get('m4_process_cpu_seconds_total')).toBe('counter');
    expect(samples.get('m4_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(types.get('m4_nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect([...types.keys()].filter((n) => /process_process|m4_process_nodejs/.test(n))).toEqual([]);
  });

  it('GET /v1/comparisons before any window closed: no m4_gate_passing sample, no gate logged as failing', async () => {
    const logs: string[] = [];
    const s = await started({ log: (l) => logs.push(l) });
    for (let i = 0; i < 5; i++) expect((await post(`${s.url}/v1/predict`, { inputs: row(i) })).status).toBe(200);
    await s.service.idle();
    const report = await get(`${s.url}/v1/comparisons`);
    expect(report.status).toBe(200);
    expect(report.body.comparisons[0].name).toBe('b_vs_a');
    const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
    expect([...samples.keys()].filter((k) => k.startsWith('m4_gate_passing'))).toEqual([]);
    expect(logs.filter((l) => l.includes('gate FAILING'))).toEqual([]);
    // Once a window closed, its judgement is exported (agreement >= 0.5 on 5 pairs of the test graph's models).
    await s.service.closeWindow();
    await s.service.idle();
    const after = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(after.has('m4_gate_passing{comparison="b_vs_a",gate="agreement >= 0.5"}')).toBe(true);
  });

  it('every request /v1/predict refuses with a 400 is a row of the records, a body that is not JSON included (invalid-json)', async () => {
    const s = await started();
    expect((await post(`${s.url}/v1/predict`, { inputs: row(1) })).status).toBe(200);
    const notJson = await post(`${s.url}/v1/predict`, '{"inputs": ');
    expect(notJson).toEqual({ status: 400, body: { error: 'bad-json', detail: expect.any(String) } });
    expect((await post(`${s.url}/v1/predict`, { inputs: { x: [1] } })).status).toBe(400);
    // Feedback that is not JSON labels nothing and reads no row.
    expect((await post(`${s.url}/v1/feedback`, '{"request_id')).status).toBe(400);
    await s.service.idle();
    const meta = (await get(`${s.url}/v1/comparisons`)).body.meta;
    expect([meta.rows_seen, meta.rows_skipped]).toEqual([3, { 'invalid-json': 1, 'wrong-length': 1 }]);
  });

  it('rows read in a window that paired none (and so wrote no record) are in the next window record', async () => {
    const s = await started();
    expect((await post(`${s.url}/v1/predict`, { inputs: { x: [1] } })).status).toBe(400);
    expect(await s.service.closeWindow()).toBeNull(); // no pair: no record
    expect((await post(`${s.url}/v1/predict`, { inputs: row(1) })).status).toBe(200);
    await s.service.idle();
    const next = await s.service.closeWindow();
    expect(next).not.toBeNull();
    const meta = next!.meta;
    expect([meta.rows_seen, meta.rows_skipped]).toEqual([2, { 'wrong-length': 1 }]);
  });

  it('409 in --mode control says the mode is why feedback has nothing to label', async () => {
    const s = await started({ mode: 'control' });
    const r = await post(`${s.url}/v1/feedback`, { request_id: 'r1', label: 1 });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ error: 'no-labels', detail: expect.stringContaining('--mode control') });
  });

  it('415 names the content type sent (curl -d sends a form) and the one read; a body without one says so', async () => {
    const s = await started();
    const form = await fetch(`${s.url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"inputs": {}}',
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toEqual({
      error: 'unsupported-media-type',
      detail: 'content-type "application/x-www-form-urlencoded" is not read: send JSON with `content-type: application/json`',
    });
    const none = await fetch(`${s.url}/v1/feedback`, { method: 'POST', body: new Uint8Array([123, 125]) });
    expect(none.status).toBe(415);
    expect(((await none.json()) as { detail: string }).detail).toMatch(/^a body without a content-type is not read/);
  });
});
