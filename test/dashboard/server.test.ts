/**
 * The dashboard's HTTP server on a real socket: what it serves, what it refuses, where it binds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultsDbError } from '../../dashboard/results-db.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/server.ts';
import { writeFixtureDb } from './support/fixture-db.ts';
import { standardRuns } from './support/fixture-runs.ts';

let dir: string;
let dbPath: string;
let server: RunningDashboard;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm4-dash-server-'));
  dbPath = join(dir, 'results.db');
  writeFixtureDb(dbPath, standardRuns().slice(0, 3));
  server = await startDashboard({ db: dbPath, port: 0 });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so the Host header and the method can be anything. */
function send(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard server', () => {
  it('binds 127.0.0.1 on a free port by default', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves the page, the bundled UI with Chart.js, and the stylesheet, with a strict CSP', async () => {
    const page = await send('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.body).toContain('<script src="/assets/app.js"></script>');
    expect(page.body).not.toMatch(/https?:\/\//);
    const js = await send('GET', '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toMatch(/Chart\.js v4\.\d+\.\d+/);
    expect(js.body.length).toBeGreaterThan(100_000);
    const css = await send('GET', '/assets/app.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('--control: #2563eb');
  });

  it('answers the API as JSON with the handler time in Server-Timing', async () => {
    const r = await send('GET', '/api/status');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['server-timing']).toMatch(/^db;dur=\d+\.\d\d$/);
    expect(JSON.parse(r.body)).toMatchObject({ runs: 3 });
    const head = await send('HEAD', '/api/runs');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('refuses writes with 405 on every path', async () => {
    for (const [method, path] of [
      ['POST', '/api/runs'],
      ['PUT', '/api/runs/1'],
      ['DELETE', '/api/runs/1'],
      ['PATCH', '/'],
      ['POST', '/assets/app.js'],
    ] as const) {
      const r = await send(method, path);
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    expect((await send('GET', '/api/status', { Host: 'evil.example:80' })).status).toBe(403);
    expect((await send('GET', '/api/status', { Host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('404s unknown paths', async () => {
    expect((await send('GET', '/etc/passwd')).status).toBe(404);
    expect((await send('GET', '/assets/../results.db')).status).toBe(404);
  });

  it('fails to start, with a one-line error, on a missing database or a port in use', async () => {
    await expect(startDashboard({ db: join(dir, 'nope.db'), port: 0 })).rejects.toThrow(ResultsDbError);
    await expect(startDashboard({ db: dbPath, port: server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
