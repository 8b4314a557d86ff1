/**
 * Hostile requests against the real process: 1,000 connections to the built `m4c serve`, all open at once (every
 * one connected before any request is written), each then sending one request of a hostile kind — malformed JSON,
 * a wrong shape, a bare NaN, a body over `--body-limit`, a wrong content type, an unknown route — or a good row.
 * Every connection gets its answer (the kind's status and error word), the counts in `/metrics` are exactly the
 * requests sent, the server still answers, and SIGTERM ends it with exit 0 and no stack trace. Bounded: 1,000
 * connections, one request each, within the test's time. (Each kind's answer in detail, in-process:
 * test/runtime/serve/serve-hostile.test.ts.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace } from '../support/run-cli.ts';
import { parseMetrics } from '../runtime/serve/serve-support.ts';
import { row, writeServeGraph } from '../runtime/serve/serve-models.ts';
import { RawConnection, jsonHead, killServers, startServe } from './serve-process.ts';

afterEach(killServers);

const CONNECTIONS = 1000;

/** A kind of request: what is written on the connection, and the answer's status, error word and metric. */
interface Kind {
  name: string;
  request(i: number): string;
  status: number;
  error: string | null;
  /** `m4_requests_total{route, result}`. */
  route: string;
  result: string;
}

const body = (method: string, path: string, text: string, type = 'application/json'): string =>
  jsonHead(method, path, Buffer.byteLength(text), ['connection: close']).replace('content-type: application/json', `content-type: ${type}`) + text;

const KINDS: Kind[] = [
  {
    name: 'good',
    request: (i) => body('POST', '/v1/predict', JSON.stringify({ inputs: row(i) })),
    status: 200,
    error: null,
    route: '/v1/predict',
    result: 'ok',
  },
  {
    name: 'malformed JSON',
    request: () => body('POST', '/v1/predict', '{"inputs": [1,}'),
    status: 400,
    error: 'bad-json',
    route: '/v1/predict',
    result: 'bad_input',
  },
  {
    name: 'wrong shape',
    request: () => body('POST', '/v1/predict', '{"inputs": {"x": [1, 2]}}'),
    status: 400,
    error: 'bad-input',
    route: '/v1/predict',
    result: 'bad_input',
  },
  {
    name: 'bare NaN',
    request: () => body('POST', '/v1/predict', '{"inputs": {"x": [1, 2, 3, 4, 5, 6, 7, NaN]}}'),
    status: 400,
    error: 'bad-input',
    route: '/v1/predict',
    result: 'bad_input',
  },
  {
    // The head announces a body over the limit: refused from the head (none is sent, so nothing unread is reset).
    name: 'over --body-limit',
    request: () => jsonHead('POST', '/v1/predict', 10 * 1024 * 1024, ['connection: close']),
    status: 413,
    error: 'too-large',
    route: '/v1/predict',
    result: 'too_large',
  },
  {
    name: 'wrong content type',
    request: () => body('POST', '/v1/predict', 'hello', 'text/plain'),
    status: 415,
    error: 'unsupported-media-type',
    route: '/v1/predict',
    result: 'unsupported',
  },
  {
    name: 'unknown route',
    request: () => body('POST', '/v1/nothing', '{}'),
    status: 404,
    error: 'not-found',
    route: 'unknown',
    result: 'not_found',
  },
  {
    name: 'good',
    request: (i) => body('POST', '/v1/predict', JSON.stringify({ rows: [row(i), row(i + 1)] })),
    status: 200,
    error: null,
    route: '/v1/predict',
    result: 'ok',
  },
];

describe('m4c serve: hostile requests on 1,000 connections open at once', () => {
  it('every connection is answered as its kind says, the counts add up, the server lives on and stops with exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-hostile-'));
    const s = await startServe([writeServeGraph(dir), '--body-limit', '64kb']);
    const conns = Array.from({ length: CONNECTIONS }, () => new RawConnection(s.port));
    // All connected before any request is written: 1,000 connections open at once.
    await Promise.all(conns.map((c) => c.connected));
    const kinds = conns.map((_, i) => KINDS[i % KINDS.length]!);
    conns.forEach((c, i) => c.write(kinds[i]!.request(i)));
    const answers = await Promise.all(
      conns.map((c, i) =>
        c.response().then(
          (r) => ({ status: r.status, body: r.body }),
          (err: Error) => ({ status: 0, body: `${kinds[i]!.name}: ${err.message}` }),
        ),
      ),
    );
    for (const c of conns) c.close();
    const wrong: string[] = [];
    answers.forEach((a, i) => {
      const k = kinds[i]!;
      let parsed: { error?: string; arm?: string; rows?: unknown[] } = {};
      try {
        parsed = JSON.parse(a.body);
      } catch {
        wrong.push(`${k.name}: not JSON: ${a.body.slice(0, 200)}`);
        return;
      }
      if (a.status !== k.status || (k.error !== null && parsed.error !== k.error) || (k.error === null && parsed.error !== undefined))
        wrong.push(`${k.name}: ${a.status} ${a.body.slice(0, 200)}`);
      if (hasStackTrace(a.body)) wrong.push(`${k.name}: a stack trace`);
    });
    expect(wrong).toEqual([]);

    // The server lives on: it answers, and /metrics counts exactly the requests sent.
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    const { samples } = parseMetrics(await (await fetch(`${s.url}/metrics`)).text());
    const want = new Map<string, number>();
    for (const k of kinds) {
      const key = `m4_requests_total{route="${k.route}",result="${k.result}"}`;
      want.set(key, (want.get(key) ?? 0) + 1);
    }
    for (const [key, n] of want) expect(samples.get(key) ?? 0, key).toBe(n);
    s.child.kill('SIGTERM');
    expect(await s.exit, s.stderr()).toBe(0);
    expect(hasStackTrace(s.stderr())).toBe(false);
  }, 180_000);
});
