/**
 * The dashboard's HTTP server (node:http): the single-page UI, its bundled assets, and the JSON API
 * over a results database opened read-only.
 *
 * Invariants: only GET and HEAD are answered (anything else is 405, nothing writes); it binds
 * 127.0.0.1 unless told otherwise, and while bound to a loopback address it refuses requests whose
 * Host header names another host (a DNS-rebinding page cannot read the results); every API answer
 * carries `Server-Timing: db;dur=<ms>` (the handler's time, which the bench reports).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api.ts';
import { DASHBOARD_CSP, dashboardPage } from './page-shell.ts';
import { ResultsDb } from './results-db.ts';
import { uiAssets, type UiAssets } from './ui-bundle.ts';

export interface DashboardOptions {
  /** Path of the results database, or a postgres:// URL. */
  db: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

export interface RunningDashboard {
  /** e.g. http://127.0.0.1:4173/ */
  url: string;
  host: string;
  port: number;
  /** The database shown: its path, or its URL without the password. */
  database: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return (colon >= 0 ? hostHeader.slice(0, colon) : hostHeader).toLowerCase();
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}, head = false): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': DASHBOARD_CSP,
    ...extra,
  });
  res.end(head ? undefined : body);
}

/** The request handler, separate from the socket so it can be reused (tests, other servers). */
export function dashboardHandler(db: ResultsDb, assets: UiAssets, opts: { databaseLabel: string; checkHost: boolean }) {
  const page = dashboardPage();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    if (method !== 'GET' && !head) {
      send(res, 405, 'application/json; charset=utf-8', JSON.stringify({ error: `method ${method} not allowed: the dashboard is read-only` }), {
        Allow: 'GET, HEAD',
      });
      return;
    }
    if (opts.checkHost && !LOOPBACK.has(hostName(req.headers.host ?? ''))) {
      send(res, 403, 'text/plain; charset=utf-8', 'm4 dashboard: this server only answers requests addressed to localhost\n');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(res, 400, 'text/plain; charset=utf-8', 'bad request\n', {}, head);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const t0 = performance.now();
      let status: number;
      let body: string;
      try {
        const r = await handleApi(db, method, url, opts.databaseLabel);
        status = r.status;
        body = JSON.stringify(r.body);
      } catch (err) {
        // A database the sink changed under us, or a bug: one line to the client, nothing leaks.
        status = 500;
        body = JSON.stringify({ error: `internal error: ${(err as Error).message}` });
      }
      const dur = (performance.now() - t0).toFixed(2);
      send(res, status, 'application/json; charset=utf-8', body, { 'Cache-Control': 'no-store', 'Server-Timing': `db;dur=${dur}` }, head);
      return;
    }
    switch (url.pathname) {
      case '/':
      case '/index.html':
        send(res, 200, 'text/html; charset=utf-8', page, { 'Cache-Control': 'no-store' }, head);
        return;
      case '/assets/app.js':
        send(res, 200, 'text/javascript; charset=utf-8', assets.script, {}, head);
        return;
      case '/assets/app.css':
        send(res, 200, 'text/css; charset=utf-8', assets.css, {}, head);
        return;
      default:
        send(res, 404, 'text/plain; charset=utf-8', 'not found\n', {}, head);
    }
  };
}

/**
 * Open the database read-only, build the UI, and listen. Throws ResultsDbError (one line) for a
 * missing or foreign database, and the listen error (EADDRINUSE, EACCES) as it is.
 */
export async function startDashboard(opts: DashboardOptions): Promise<RunningDashboard> {
  const host = opts.host ?? '127.0.0.1';
  const db = await ResultsDb.open(opts.db);
  let server: Server;
  try {
    const assets = await uiAssets();
    const handler = dashboardHandler(db, assets, { databaseLabel: db.path, checkHost: LOOPBACK.has(host) });
    server = createServer((req, res) => {
      void handler(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    host,
    port,
    database: db.path,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          void db.close().then(resolve);
        });
      }),
  };
}
