/**
 * Hostile requests never crash the server and never show a stack trace: malformed JSON, wrong shapes and
 * types, NaN, bodies over the limit, unknown routes and methods, and 1,000 concurrent connections on
 * loopback (bounded in count and time). Each gets a JSON answer naming what was wrong.
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiled, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const plan = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-hostile-'))));
let s: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  s = await serve(plan, { bodyLimit: 64 * 1024 });
});
afterAll(async () => {
  await s.shutdown();
});

const predict = (body: unknown) => post(`${s.url}/v1/predict`, body);

describe('hostile requests', () => {
  it('malformed JSON → 400 bad-json', async () => {
    for (const text of ['{', '{"inputs": [1,}', 'nul', '']) {
      const r = await predict(text);
      expect(r.status, text).toBe(400);
      expect(r.body.error, text).toMatch(/bad-json|bad-request|bad-input/);
    }
  });

  it('wrong shapes, types, NaN → 400 naming the input, the field and the expected type', async () => {
    const cases: [unknown, Record<string, unknown>][] = [
      [{ inputs: { x: [1, 2, 3] } }, { reason: 'wrong-length', input: 'x', field: 'x', expected: 'f32[batch, 8]' }],
      [{ inputs: { x: 'abc' } }, { reason: 'wrong-type', input: 'x', expected: 'f32[batch, 8]' }],
      [{ inputs: { y: row(1).x } }, { reason: 'missing-field', input: 'x' }],
      [{ inputs: { x: [1, 2, 3, 4, 5, 6, 7, null] } }, { reason: 'nan', input: 'x' }],
      [{ inputs: { x: [1, 2, 3, 4, 5, 6, 7, 1e300] } }, { reason: 'nan', input: 'x' }],
      [{ inputs: { x: [[1], 2, 3, 4, 5, 6, 7, 8] } }, { reason: 'wrong-type', input: 'x' }],
      [{ rows: [row(1), { x: [1] }] }, { reason: 'wrong-length', row: 1 }],
      [{ rows: [] }, { reason: 'bad-body' }],
      [{ rows: 5 }, { reason: 'bad-body' }],
      [[1, 2], { reason: 'bad-body' }],
      [{ inputs: row(1), rows: [row(1)] }, { reason: 'bad-body' }],
      [{ inputs: 7 }, { reason: 'wrong-type' }],
    ];
    for (const [body, want] of cases) {
      const r = await predict(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body, JSON.stringify(body)).toMatchObject({ error: 'bad-input', ...want });
      expect(typeof r.body.detail).toBe('string');
    }
    // A bare NaN (as Python's json.dumps writes it) is read like a replay row: the precise `nan` verdict.
    const nan = await predict(`{"inputs": {"x": [1, 2, 3, 4, 5, 6, 7, NaN]}}`);
    expect(nan.status).toBe(400);
    expect(nan.body).toMatchObject({ reason: 'nan', input: 'x' });
  });

  it('a body over --body-limit → 413; unknown routes → 404; a wrong content type → 415', async () => {
    const huge = { rows: Array.from({ length: 2000 }, (_, i) => row(i)) };
    const r = await predict(huge);
    expect(r.status).toBe(413);
    expect(r.body.error).toBe('too-large');
    expect((await get(`${s.url}/v2/nothing`)).status).toBe(404);
    expect((await get(`${s.url}/v1/predict`)).status).toBe(404);
    const text = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(415);
  });

  it('every refused request is counted by route and result in /metrics', async () => {
    const count = async (): Promise<Map<string, number>> => parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    const key = (route: string, result: string): string => `m4_requests_total{route="${route}",result="${result}"}`;
    const before = await count();
    const at = (m: Map<string, number>, route: string, result: string): number => m.get(key(route, result)) ?? 0;
    expect((await predict('{')).status).toBe(400);
    expect((await predict({ inputs: { x: 'abc' } })).status).toBe(400);
    expect((await predict({ rows: Array.from({ length: 2000 }, (_, i) => row(i)) })).status).toBe(413);
    expect((await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    expect((await get(`${s.url}/v2/nothing`)).status).toBe(404);
    expect((await predict({ inputs: row(1) })).status).toBe(200);
    const after = await count();
    // The first scrape is itself a request of /metrics, answered before the second scrape was read.
    expect(at(after, '/v1/predict', 'bad_input') - at(before, '/v1/predict', 'bad_input')).toBe(2);
    expect(at(after, '/v1/predict', 'too_large') - at(before, '/v1/predict', 'too_large')).toBe(1);
    expect(at(after, '/v1/predict', 'unsupported') - at(before, '/v1/predict', 'unsupported')).toBe(1);
    expect(at(after, 'unknown', 'not_found') - at(before, 'unknown', 'not_found')).toBe(1);
    expect(at(after, '/v1/predict', 'ok') - at(before, '/v1/predict', 'ok')).toBe(1);
    expect(at(after, '/metrics', 'ok') - at(before, '/metrics', 'ok')).toBe(1);
  });

  it('a body cut off mid-stream does not hurt the server', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${s.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"inputs": {"x": [1, 2');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
  });

  it('1,000 concurrent connections are all answered, good and bad mixed', async () => {
    const n = 1000;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        fetch(`${s.url}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: i % 10 === 0 ? '{"inputs": {"x": [1]}}' : JSON.stringify({ inputs: row(i) }),
          signal: AbortSignal.timeout(60_000),
        }).then(
          async (r) => ({ status: r.status, body: (await r.json()) as { arm?: string } }),
          (err: Error) => ({ status: 0, body: { error: String(err.cause ?? err) } }),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 0).map((r) => r.body)).toEqual([]);
    expect(results.filter((r) => r.status === 200).length).toBe(900);
    expect(results.filter((r) => r.status === 400).length).toBe(100);
    expect(results.every((r) => r.status !== 200 || (r.body as { arm?: string }).arm === 'control')).toBe(true);
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
  }, 90_000);
});
