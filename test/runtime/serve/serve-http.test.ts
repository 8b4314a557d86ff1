/**
 * `m4c serve` over real HTTP on 127.0.0.1 (port 0): predict single and batched, shadow and canary arms,
 * sticky canary split, feedback joins and misses by reason, /metrics parsed, gates and
 * --stop-shadow-on-fail, the label store's TTL and capacity, and the bad-input answers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canaryArm } from '../../../runtime/serve/canary.ts';
import { compiled, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const tmp = mkdtempSync(join(tmpdir(), 'm4-serve-http-'));
const plan = compiled(writeServeGraph(tmp));
const running: { shutdown(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of running) await s.shutdown();
});

async function started(opts: Parameters<typeof serve>[1] = {}) {
  const s = await serve(plan, opts);
  running.push(s);
  return s;
}

describe('predict', () => {
  it('answers one row and many rows from the control in shadow mode, as --mode control would', async () => {
    const shadow = await started();
    const control = await started({ mode: 'control' });
    const one = await post(`${shadow.url}/v1/predict`, { inputs: row(1) }, { 'x-request-id': 'req-1' });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ request_id: 'req-1', arm: 'control' });
    expect(typeof one.body.outputs.score).toBe('number');
    const ref = await post(`${control.url}/v1/predict`, { inputs: row(1) });
    expect(one.body.outputs).toEqual(ref.body.outputs);

    const many = await post(`${shadow.url}/v1/predict`, { rows: [row(1), row(2), row(3)] }, { 'x-request-id': 'b' });
    expect(many.status).toBe(200);
    expect(many.body.request_id).toBe('b');
    expect(many.body.rows.map((r: { request_id: string }) => r.request_id)).toEqual(['b:0', 'b:1', 'b:2']);
    expect(many.body.rows[0].outputs).toEqual(one.body.outputs);
    expect(new Set(many.body.rows.map((r: { outputs: { score: number } }) => r.outputs.score)).size).toBe(3);
  });

  it("reads rows through the replay's data-source mapping: `from` paths, gathered and nested fields", async () => {
    const file = join(tmp, 'from.m4');
    writeFileSync(
      file,
      'input feats: f32[batch, 3] from ["f0", "f1", "f2"]\ninput score: f64[batch] from "payload.score"\n' +
        'node c = clip(feats, min: -1.0, max: 1.0)\noutput clipped = c\noutput s = score\n',
    );
    const s = await serve(compiled(file));
    running.push(s);
    const ok = await post(`${s.url}/v1/predict`, { inputs: { f0: 0.5, f1: 3, f2: -7, payload: { score: 0.25 } } });
    expect(ok.status).toBe(200);
    expect(ok.body.outputs).toEqual({ clipped: [0.5, 1, -1], s: 0.25 });
    const missing = await post(`${s.url}/v1/predict`, { inputs: { f0: 0.5, f1: 3, payload: { score: 0.25 } } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ reason: 'missing-field', input: 'feats', expected: 'f32[batch, 3]' });
    expect(missing.body.detail).toContain('f2');
    const nested = await post(`${s.url}/v1/predict`, { inputs: { f0: 0.5, f1: 3, f2: 1, payload: { score: 'x' } } });
    expect(nested.status).toBe(400);
    expect(nested.body).toMatchObject({ input: 'score', field: 'payload.score', expected: 'f64[batch]' });
    const g = (await get(`${s.url}/v1/graph`)).body;
    expect(g.inputs).toEqual([
      { name: 'feats', type: 'f32[batch, 3]', optional: false, fields: ['f0', 'f1', 'f2'] },
      { name: 'score', type: 'f64[batch]', optional: false, fields: ['payload.score'] },
    ]);
  });

  it('batches concurrent requests through the executor, never more than --max-batch rows, each answered its own row', async () => {
    const maxBatch = 8;
    const n = 200;
    const s = await started({ maxBatch });
    const ref = await started({ mode: 'control', maxBatch: 1 });
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => post(`${s.url}/v1/predict`, { inputs: row(i) })));
    await s.service.idle();
    const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
    for (const [arm, role] of [
      ['control', 'primary'],
      ['treatment', 'shadow'],
    ]) {
      const at = (k: string): number => samples.get(`m4_batch_rows_${k}arm="${arm}",role="${role}"}`)!;
      expect(at('sum{')).toBe(n);
      expect(at(`bucket{le="${maxBatch}",`)).toBe(at('count{'));
      // 200 requests at once: rows that arrive while the arm is busy share its next batch.
      expect(at('count{')).toBeLessThan(n);
    }
    // Batched or not, every request gets its own row's answer (a server that batches nothing says the same).
    for (const i of [0, 57, 199]) expect(answers[i]!.body.outputs).toEqual((await post(`${ref.url}/v1/predict`, { inputs: row(i) })).body.outputs);
  });

  it('canary: --percent 100 answers from the treatment, whose score differs', async () => {
    const canary = await started({ mode: 'canary', percent: 100 });
    const shadow = await started();
    const t = await post(`${canary.url}/v1/predict`, { inputs: row(5) });
    const c = await post(`${shadow.url}/v1/predict`, { inputs: row(5) });
    expect(t.body.arm).toBe('treatment');
    expect(t.body.outputs.score).not.toBe(c.body.outputs.score);
  });

  it('canary split: within ±2 points of P over 10,000 keys, and sticky per user over HTTP', async () => {
    for (const p of [5, 10, 50]) {
      let n = 0;
      for (let i = 0; i < 10_000; i++) if (canaryArm(`user-${i}`, p) === 'treatment') n++;
      expect(Math.abs(n / 100 - p)).toBeLessThanOrEqual(2);
    }
    const s = await started({ mode: 'canary', percent: 30, stickyBy: 'user' });
    const arms = new Map<string, string>();
    for (let k = 0; k < 2; k++) {
      for (let u = 0; u < 40; u++) {
        const r = await post(`${s.url}/v1/predict`, { inputs: row(u + k * 100, `u${u}`) });
        expect(r.status).toBe(200);
        expect(r.body.arm).toBe(canaryArm(`u${u}`, 30));
        if (k === 1) expect(r.body.arm).toBe(arms.get(`u${u}`));
        arms.set(`u${u}`, r.body.arm);
      }
    }
    expect(new Set(arms.values()).size).toBe(2);
  });

  it('canary split over HTTP: 10,000 users by a nested --sticky-by field, within ±2 points of P, every row paired', async () => {
    const users = 10_000;
    for (const p of [5, 50]) {
      const s = await started({ mode: 'canary', percent: p, stickyBy: 'meta.user' });
      let treated = 0;
      for (let i = 0; i < users; i += 500) {
        const rows = Array.from({ length: 500 }, (_, k) => ({ ...row(i + k), meta: { user: `user-${i + k}` } }));
        const r = await post(`${s.url}/v1/predict`, { rows });
        expect(r.status).toBe(200);
        r.body.rows.forEach((x: { arm: string }, k: number) => {
          // The arm is the hash's, so the same user gets it on any request and any server.
          expect(x.arm).toBe(canaryArm(`user-${i + k}`, p));
          if (x.arm === 'treatment') treated++;
        });
      }
      expect(Math.abs((100 * treated) / users - p), `P=${p}: ${treated} of ${users}`).toBeLessThanOrEqual(2);
      await s.service.idle();
      const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
      expect(samples.get('m4_answered_rows_total{arm="treatment"}')).toBe(treated);
      expect(samples.get('m4_answered_rows_total{arm="control"}')).toBe(users - treated);
      // The arm that did not answer ran in shadow: every row is a pair.
      expect(samples.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}')).toBe(users);
    }
  }, 120_000);
});

describe('feedback', () => {
  it('joins labels to stored pairs; unknown, duplicate and invalid labels are counted by reason', async () => {
    const s = await started();
    const r = await post(`${s.url}/v1/predict`, { rows: [row(1), row(2), row(3)] }, { 'x-request-id': 'f' });
    expect(r.status).toBe(200);
    // Pairs complete when the shadow arm answers, off the response path.
    await s.service.idle();
    const fb = await post(`${s.url}/v1/feedback`, {
      labels: [
        { request_id: 'f:0', label: 1 },
        { request_id: 'f:1', label: 0 },
        { request_id: 'nope', label: 1 },
      ],
    });
    expect(fb.status).toBe(200);
    expect(fb.body.results).toEqual({ joined: 2, unknown: 1 });
    const again = await post(`${s.url}/v1/feedback`, { request_id: 'f:0', label: 1 });
    // A joined pair leaves the store: a second label for it is no longer known.
    expect(again.body.results).toEqual({ unknown: 1 });
    // Two labels for one complete pair in one request: the first joins it, the second is a duplicate (not a second row).
    const twice = await post(`${s.url}/v1/feedback`, {
      labels: [
        { request_id: 'f:2', label: 1 },
        { request_id: 'f:2', label: 0 },
      ],
    });
    expect(twice.body.results).toEqual({ joined: 1, duplicate: 1 });
    const bad = await post(`${s.url}/v1/feedback`, { request_id: 'f:1', label: 0.5 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad-input', input: 'label', expected: 'i64[batch]', reason: 'non-integer' });
    const noId = await post(`${s.url}/v1/feedback`, { label: 1 });
    expect(noId.status).toBe(400);
    const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
    expect(samples.get('m4_feedback_labels_total{result="joined"}')).toBe(3);
    expect(samples.get('m4_feedback_labels_total{result="unknown"}')).toBe(2);
    expect(samples.get('m4_feedback_labels_total{result="duplicate"}')).toBe(1);
    expect(samples.get('m4_feedback_labels_total{result="invalid"}')).toBe(1);
    expect(samples.get('m4_comparison_rows_total{comparison="b_vs_a",kind="labelled"}')).toBe(3);
  });

  it('joins labels by generated ids (rows keyed by ordinal); the batch id, altered ids and a client id of that shape stay apart', async () => {
    const s = await started();
    const one = await post(`${s.url}/v1/predict`, { inputs: row(1) });
    const many = await post(`${s.url}/v1/predict`, { rows: [row(2), row(3)] });
    // A client's own id shaped like a generated one: its row is keyed by the string, and feedback still finds it.
    const prefix = (one.body.request_id as string).slice(0, 13);
    const mimic = `${prefix}zzz`;
    await post(`${s.url}/v1/predict`, { inputs: row(4) }, { 'x-request-id': mimic });
    await s.service.idle();
    const oneId = one.body.request_id as string;
    const rowIds = many.body.rows.map((r: { request_id: string }) => r.request_id) as string[];
    expect(rowIds).toEqual([`${many.body.request_id}:0`, `${many.body.request_id}:1`]);
    expect(oneId).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const altered = `${prefix}0${oneId.slice(13)}`;
    const fb = await post(`${s.url}/v1/feedback`, {
      labels: [
        { request_id: oneId, label: 1 },
        { request_id: rowIds[1], label: 0 },
        { request_id: many.body.request_id, label: 1 },
        { request_id: altered, label: 1 },
        { request_id: `${many.body.request_id}:2`, label: 1 },
        { request_id: mimic, label: 1 },
      ],
    });
    expect(fb.body.results).toEqual({ joined: 3, unknown: 3 });
    const again = await post(`${s.url}/v1/feedback`, {
      labels: [
        { request_id: rowIds[0], label: 1 },
        { request_id: oneId, label: 1 },
      ],
    });
    expect(again.body.results).toEqual({ joined: 1, unknown: 1 });
  });

  it('a label sent right after the answer, before the shadow arm is done: pending, then joined; a second one is a duplicate', async () => {
    const slow = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-pending-')), { slowHidden: 2048 }));
    const s = await serve(slow, { maxBatch: 64 });
    running.push(s);
    const r = await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 64 }, (_, i) => row(i)) }, { 'x-request-id': 'p' });
    expect(r.status).toBe(200);
    // At once: the treatment's 64 rows through two 2048-wide layers are usually still running (else: joined).
    const fb = await post(`${s.url}/v1/feedback`, {
      labels: [
        { request_id: 'p:0', label: 1 },
        { request_id: 'p:0', label: 0 },
      ],
    });
    expect(fb.status).toBe(200);
    const waited = fb.body.results.pending === 1;
    expect(fb.body.results).toEqual(waited ? { pending: 1, duplicate: 1 } : { joined: 1, duplicate: 1 });
    await s.service.idle();
    expect((await post(`${s.url}/v1/feedback`, { request_id: 'p:1', label: 0 })).body.results).toEqual({ joined: 1 });
    await s.service.idle();
    const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
    // The pending label joined its pair when the pair completed: two labelled pairs, p:0 with its first label.
    expect(samples.get('m4_comparison_rows_total{comparison="b_vs_a",kind="labelled"}')).toBe(2);
    expect(samples.get('m4_feedback_labels_total{result="duplicate"}')).toBe(1);
  }, 60_000);

  it('a comparison labelled by another input than the first is not fed the feedback label: said at start, its labelled metrics undecided', async () => {
    const extra = `input amount: f64[batch] optional
compare reg {
  control: control
  treatment: treat
  label: amount
  task: regression
  metrics: [mae, pearson]
}`;
    const g = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-two-labels-')), { extra }));
    const logs: string[] = [];
    const s = await serve(g, { log: (l) => logs.push(l) });
    running.push(s);
    expect(logs.filter((l) => l.includes('/v1/feedback carries one label'))).toEqual([
      "comparison `reg` takes its label from input `amount`, but /v1/feedback carries one label, read as `label`: `reg`'s labelled metrics stay undecided (its label-free metrics are computed)",
    ]);
    await post(`${s.url}/v1/predict`, { rows: [row(1), row(2)] }, { 'x-request-id': 't' });
    await s.service.idle();
    const fb = await post(`${s.url}/v1/feedback`, { labels: [0, 1].map((i) => ({ request_id: `t:${i}`, label: 1 })) });
    expect(fb.body.results).toEqual({ joined: 2 });
    await s.service.closeWindow();
    await s.service.idle();
    const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
    expect(samples.get('m4_comparison_rows_total{comparison="b_vs_a",kind="labelled"}')).toBe(2);
    expect(samples.get('m4_comparison_rows_total{comparison="reg",kind="paired"}')).toBe(2);
    expect(samples.has('m4_comparison_rows_total{comparison="reg",kind="labelled"}')).toBe(false);
    expect([...samples.keys()].filter((k) => k.includes('comparison="reg",metric="mae"'))).toEqual([]);
    expect(samples.has('m4_comparison_metric{comparison="reg",metric="pearson",field="value"}')).toBe(true);
  });

  it('a client id used again replaces the stored prediction, counted (reason replaced); a label joins the newer one', async () => {
    const s = await started();
    for (const i of [1, 2]) expect((await post(`${s.url}/v1/predict`, { inputs: row(i) }, { 'x-request-id': 'again' })).status).toBe(200);
    await s.service.idle();
    expect((await post(`${s.url}/v1/feedback`, { request_id: 'again', label: 1 })).body.results).toEqual({ joined: 1 });
    const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
    expect(samples.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}')).toBe(2);
    expect(samples.get('m4_label_store_evicted_total{reason="replaced"}')).toBe(1);
    expect(samples.get('m4_label_store_entries')).toBe(0);
  });

  it('the label store is bounded: expired (TTL) and evicted (capacity) ids are told apart from unknown ones', async () => {
    const ttl = await started({ labelTtlMs: 30 });
    await post(`${ttl.url}/v1/predict`, { inputs: row(1) }, { 'x-request-id': 'old' });
    // The TTL runs from when the shadow arm's thread stored the row, which a loaded machine can delay (it runs at
    // nice 19): wait for that, then for more than the TTL.
    await ttl.service.idle();
    await new Promise((res) => setTimeout(res, 80));
    expect((await post(`${ttl.url}/v1/feedback`, { request_id: 'old', label: 1 })).body.results).toEqual({ expired: 1 });

    const small = await started({ labelCapacity: 3 });
    for (let i = 0; i < 6; i++) await post(`${small.url}/v1/predict`, { inputs: row(i) }, { 'x-request-id': `c${i}` });
    await small.service.idle();
    const fb = await post(`${small.url}/v1/feedback`, { labels: [0, 1, 2, 5].map((i) => ({ request_id: `c${i}`, label: 1 })) });
    expect(fb.body.results).toEqual({ evicted: 3, joined: 1 });
    const { samples } = parseMetrics((await get(`${small.url}/metrics`)).body);
    expect(samples.get('m4_label_store_evicted_total{reason="evicted"}')).toBe(3);
    expect(samples.get('m4_label_store_entries')).toBeLessThanOrEqual(3);
  });
});

describe('metrics and gates', () => {
  it('/metrics: m4_ prefix, counters end in _total, bounded labels; a failing gate stops the treatment with --stop-shadow-on-fail', async () => {
    const strict = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-gate-')), { gates: ['gate agreement >= 0.9999'] }));
    const s = await serve(strict, { window: { rows: 20 }, stopShadowOnFail: true });
    running.push(s);
    for (let i = 0; i < 30; i++) expect((await post(`${s.url}/v1/predict`, { inputs: row(i) })).status).toBe(200);
    await s.service.idle();
    const text = (await get(`${s.url}/metrics`)).body;
    const { samples, types } = parseMetrics(text);
    for (const [name, type] of types) {
      expect(name.startsWith('m4_')).toBe(true);
      if (type === 'counter') expect(name.endsWith('_total')).toBe(true);
    }
    for (const key of samples.keys()) expect(key).not.toMatch(/request_id|u\d|Error/);
    expect(samples.get('m4_gate_passing{comparison="b_vs_a",gate="agreement >= 0.9999"}')).toBe(0);
    expect(samples.get('m4_treatment_stopped')).toBe(1);
    expect(samples.get('m4_comparison_windows_total{comparison="b_vs_a"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('m4_requests_total{route="/v1/predict",result="ok"}')).toBe(30);
    const before = samples.get('m4_shadow_rows_total{arm="treatment",result="stopped"}') ?? 0;
    expect((await post(`${s.url}/v1/predict`, { inputs: row(99) })).body.arm).toBe('control');
    await s.service.idle();
    const after = parseMetrics((await get(`${s.url}/metrics`)).body).samples.get('m4_shadow_rows_total{arm="treatment",result="stopped"}');
    expect(after).toBe(before + 1);
  });

  it('canary with --stop-shadow-on-fail: once a gate fails, the treatment answers no more rows (they go back to the control)', async () => {
    const strict = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-canary-stop-')), { gates: ['gate agreement >= 0.9999'] }));
    const s = await serve(strict, { mode: 'canary', percent: 100, window: { rows: 10 }, stopShadowOnFail: true });
    running.push(s);
    const first = await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 10 }, (_, i) => row(i)) });
    expect(first.body.rows.every((r: { arm: string }) => r.arm === 'treatment')).toBe(true);
    await s.service.idle();
    const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
    expect(samples.get('m4_gate_passing{comparison="b_vs_a",gate="agreement >= 0.9999"}')).toBe(0);
    expect(samples.get('m4_treatment_stopped')).toBe(1);
    const after = await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 10 }, (_, i) => row(100 + i)) });
    expect(after.status).toBe(200);
    expect(after.body.rows.map((r: { arm: string }) => r.arm)).toEqual(Array(10).fill('control'));
  });

  it('a gate on a labelled metric is undecided until feedback: no m4_gate_passing sample, no stop; then judged, logged and acted on', async () => {
    const g = compiled(
      writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-undecided-')), { gates: ['gate recall.delta >= 1.5', 'gate agreement >= 0'] }),
    );
    const logs: string[] = [];
    const s = await serve(g, { window: { rows: 10 }, stopShadowOnFail: true, log: (l) => logs.push(l) });
    running.push(s);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await post(`${s.url}/v1/predict`, { inputs: row(i) }, { 'x-request-id': `u${i}` })).body.request_id);
    await s.service.idle();
    let m = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(m.get('m4_comparison_windows_total{comparison="b_vs_a"}')).toBe(2);
    expect(m.has('m4_gate_passing{comparison="b_vs_a",gate="recall.delta >= 1.5"}')).toBe(false);
    expect(m.get('m4_gate_passing{comparison="b_vs_a",gate="agreement >= 0"}')).toBe(1);
    expect(m.get('m4_treatment_stopped')).toBe(0);
    const agreement = m.get('m4_comparison_metric{comparison="b_vs_a",metric="agreement",field="value"}')!;
    expect(agreement).toBeGreaterThanOrEqual(0);
    expect(agreement).toBeLessThanOrEqual(1);
    expect([...m.keys()].some((k) => k.includes('metric="recall"'))).toBe(false);
    expect(logs.some((l) => /gate FAILING/.test(l))).toBe(false);
    // Labels arrive: the next judgement decides the labelled gate (no recall delta reaches 1.5) and stops the treatment.
    const fb = await post(`${s.url}/v1/feedback`, { labels: ids.map((id, i) => ({ request_id: id, label: i % 2 })) });
    expect(fb.body.results).toEqual({ joined: 20 });
    await s.service.closeWindow();
    await s.service.idle();
    m = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(m.get('m4_gate_passing{comparison="b_vs_a",gate="recall.delta >= 1.5"}')).toBe(0);
    expect(m.has('m4_comparison_metric{comparison="b_vs_a",metric="recall",field="delta"}')).toBe(true);
    expect(m.get('m4_treatment_stopped')).toBe(1);
    expect(logs.some((l) => /gate FAILING: b_vs_a: recall\.delta >= 1\.5/.test(l))).toBe(true);
  });

  it('m4_request_duration_seconds times each request: more than 0, no more than the client waited', async () => {
    const s = await started();
    let clientSeconds = 0;
    const n = 10;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      // Batches of 50 rows: each answer takes measurable time on the server.
      expect((await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 50 }, (_, k) => row(i * 50 + k)) })).status).toBe(200);
      clientSeconds += (performance.now() - t0) / 1000;
    }
    const t0 = performance.now();
    expect((await get(`${s.url}/nowhere`)).status).toBe(404);
    const notFoundSeconds = (performance.now() - t0) / 1000;
    const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
    const route = '/v1/predict';
    expect(samples.get(`m4_request_duration_seconds_count{route="${route}"}`)).toBe(n);
    expect(samples.get(`m4_request_duration_seconds_bucket{le="+Inf",route="${route}"}`)).toBe(n);
    const sum = samples.get(`m4_request_duration_seconds_sum{route="${route}"}`)!;
    // Server and client share one clock (the server runs in this process): the server's time is within the client's.
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(clientSeconds);
    const notFound = samples.get('m4_request_duration_seconds_sum{route="unknown"}')!;
    expect(notFound).toBeGreaterThan(0);
    expect(notFound).toBeLessThanOrEqual(notFoundSeconds);
  });

  it('/healthz, /readyz and /v1/graph', async () => {
    const s = await started();
    expect(await get(`${s.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(`${s.url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
    const g = (await get(`${s.url}/v1/graph`)).body;
    expect(g.mode).toBe('shadow');
    expect(g.inputs.map((i: { name: string }) => i.name)).toEqual(['x', 'label']);
    expect(g.comparisons[0]).toMatchObject({ name: 'b_vs_a', control: 'control', treatment: 'treat', gates: ['agreement >= 0.5'] });
    // The cumulative comparison as m4c run's JSON report; the open window is not in it until it closes.
    for (let i = 0; i < 5; i++) await post(`${s.url}/v1/predict`, { inputs: row(i) });
    await s.service.idle();
    await s.service.closeWindow();
    const report = (await get(`${s.url}/v1/comparisons`)).body;
    expect(report).toMatchObject({ status: 'complete', comparisons: [{ name: 'b_vs_a', has_label: false }] });
    expect(report.comparisons[0].result.rows).toBe(5);
    expect(report.comparisons[0].notes).toContain('no feedback has labelled a pair yet');
    expect((await get(`${(await started({ mode: 'control' })).url}/v1/comparisons`)).status).toBe(404);
  });
});
