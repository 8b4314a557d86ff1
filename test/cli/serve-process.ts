/**
 * `m4c serve` as a child process for the lifecycle tests: started with `--port 0` (its "listening on" line says
 * the port), its stderr kept, its exit awaited; raw HTTP/1.1 connections whose state the tests control (a request
 * held between its headers and its body, a kept-alive connection left idle); the records of its sink.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import pg from 'pg';
import { M4C, ROOT } from '../support/run-cli.ts';

/** A started `m4c serve`. */
export interface Started {
  child: ChildProcess;
  url: string;
  port: number;
  /** The serving run's id, from the "listening on" line. */
  serveRun: string;
  stderr: () => string;
  /** The exit code (-1 when killed by a signal). */
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];

/** SIGKILL every server a test left running (call from afterEach). */
export function killServers(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Start `m4c serve` and wait (at most 90 s) for its "listening on" line. */
export async function startServe(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [M4C, 'serve', ...args, '--port', '0'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === null ? null : -1))));
  child.on('exit', (_code, signal) => {
    if (signal !== null) err += `\n[killed by ${signal}]`;
  });
  const m = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line after 90 s; stderr: ${err}`)), 90_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /listening on (http:\/\/\S+:(\d+)) \(mode \w+, serve run ([0-9a-f-]+)\)/.exec(out);
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening: ${err}`));
    });
  });
  return { child, url: m[1]!, port: Number(m[2]), serveRun: m[3]!, stderr: () => err, exit };
}

/** Resolves once `started`'s stderr contains `text` (checked as it grows; rejects if the process exits first). */
export function stderrContains(started: Started, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      if (!started.stderr().includes(text)) return false;
      started.child.stderr!.off('data', check);
      resolve();
      return true;
    };
    if (check()) return;
    started.child.stderr!.on('data', check);
    void started.exit.then((code) => reject(new Error(`exited ${code} before writing ${JSON.stringify(text)}: ${started.stderr()}`)));
  });
}

/** One row of the `runs` table. */
export interface RunRow {
  serve_run: string | null;
  serve_window: number | null;
  status: string;
  rows_seen: number;
  rows_counted: number;
  rows_skipped: number;
  /** From `skipped_rows`: reason → count. */
  skipped: Record<string, number>;
  notes: string[];
  /**
   * The pairs the record's comparison saw: `rows_counted` is the labelled rows once feedback labelled some, and the
   * notes then say how many pairs the label-free metrics are on.
   */
  pairs: number;
  /** The pairs feedback labelled (0 before any label). */
  labelled: number;
}

/** A `runs` row as read, before its skipped rows and notes are decoded. */
type RunsRow = Omit<RunRow, 'skipped' | 'notes' | 'pairs' | 'labelled'> & { id: number; notes_json: string };

const RUNS_QUERY = 'SELECT id, serve_run, serve_window, status, rows_seen, rows_counted, rows_skipped, notes_json FROM runs ORDER BY id';

/** A record from its `runs` row and its `skipped_rows`. */
function runRow({ id: _id, notes_json, ...r }: RunsRow, skipped: { reason: string; count: number }[]): RunRow {
  const notes = JSON.parse(notes_json) as string[];
  const note = (re: RegExp): RegExpExecArray | undefined => notes.map((n) => re.exec(n)).find((x) => x !== null);
  const m = note(/label-free metrics on all (\d+) pairs|every metric on the (\d+) pairs/);
  const l = note(/labelled metrics on the (\d+) pairs|every metric on the (\d+) pairs/);
  return {
    ...r,
    skipped: Object.fromEntries(skipped.map((s) => [s.reason, s.count])),
    notes,
    pairs: m ? Number(m[1] ?? m[2]) : r.rows_counted,
    labelled: l ? Number(l[1] ?? l[2]) : 0,
  };
}

/** The records in a SQLite results database, in the order they were written. */
export function records(db: string): RunRow[] {
  const d = new Database(db, { readonly: true });
  try {
    const skipped = d.prepare('SELECT reason, count FROM skipped_rows WHERE run_id = ?');
    return (d.prepare(RUNS_QUERY).all() as RunsRow[]).map((r) => runRow(r, skipped.all(r.id) as { reason: string; count: number }[]));
  } finally {
    d.close();
  }
}

/** The records in a PostgreSQL results database (m4's schema there: none yet when the server never wrote), in order. */
export async function postgresRecords(url: string): Promise<RunRow[]> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  try {
    if ((await c.query("SELECT to_regclass('runs') AS t")).rows[0].t === null) return [];
    const out: RunRow[] = [];
    for (const r of (await c.query(RUNS_QUERY)).rows as RunsRow[]) {
      const skipped = (await c.query('SELECT reason, count FROM skipped_rows WHERE run_id = $1', [r.id])).rows;
      // BIGINT columns come as text.
      const numbers = {
        serve_window: r.serve_window === null ? null : Number(r.serve_window),
        rows_seen: Number(r.rows_seen),
        rows_counted: Number(r.rows_counted),
        rows_skipped: Number(r.rows_skipped),
      };
      out.push(
        runRow(
          { ...r, ...numbers },
          skipped.map((x: { reason: string; count: unknown }) => ({ reason: x.reason, count: Number(x.count) })),
        ),
      );
    }
    return out;
  } finally {
    await c.end();
  }
}

/** An HTTP response read off a raw socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw HTTP/1.1 connection to 127.0.0.1:`port`: requests written by hand, responses parsed as they come (one at a
 * time), and whether the server closed the connection.
 */
export class RawConnection {
  readonly socket: Socket;
  /** Resolves when the server ends or the connection closes. */
  readonly closed: Promise<void>;
  readonly connected: Promise<void>;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private ended = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('error', () => {});
    this.socket.on('data', (d: string) => {
      this.buffer += d;
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      const done = (): void => {
        this.ended = true;
        this.wake();
        resolve();
      };
      this.socket.once('end', done);
      this.socket.once('close', done);
    });
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Resolves when the buffered text contains `text` (consumed up to its end); rejects if the connection ends first. */
  async expect(text: string): Promise<void> {
    for (;;) {
      const at = this.buffer.indexOf(text);
      if (at >= 0) {
        this.buffer = this.buffer.slice(at + text.length);
        return;
      }
      if (this.ended) throw new Error(`connection closed before ${JSON.stringify(text)}; read ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The next response (a body of `content-length` bytes). */
  async response(): Promise<RawResponse> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = this.buffer.slice(0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const l of lines) {
          const colon = l.indexOf(':');
          headers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (this.buffer.length >= end + 4 + length) {
          const body = Buffer.from(this.buffer.slice(end + 4, end + 4 + length), 'latin1').toString('utf8');
          this.buffer = this.buffer.slice(end + 4 + length);
          return { status: Number(statusLine!.split(' ')[1]), headers, body };
        }
      }
      if (this.ended) throw new Error(`connection closed mid-response; read ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** A request's head for a JSON body of `bytes` bytes. */
export function jsonHead(method: string, path: string, bytes: number, extra: string[] = []): string {
  return [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${bytes}`, ...extra, '', ''].join(
    '\r\n',
  );
}

/**
 * A predict request held between its head and its body: it asks `Expect: 100-continue`, and the server's
 * `100 Continue` says it has read the head and taken the request (routed it). `finish()` sends the body.
 */
export async function heldPredict(port: number, body: unknown): Promise<{ conn: RawConnection; finish(): Promise<RawResponse> }> {
  const conn = new RawConnection(port);
  await conn.connected;
  const text = JSON.stringify(body);
  conn.write(jsonHead('POST', '/v1/predict', Buffer.byteLength(text), ['expect: 100-continue']));
  await conn.expect('HTTP/1.1 100 Continue\r\n\r\n');
  return {
    conn,
    finish: () => {
      conn.write(text);
      return conn.response();
    },
  };
}

/** How a connection attempt to 127.0.0.1:`port` ended: `refused`, or the status of a GET /healthz on it. */
export async function tryConnect(port: number): Promise<'refused' | 'reset' | number> {
  const conn = new RawConnection(port);
  try {
    await conn.connected;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'refused' : 'reset';
  }
  try {
    conn.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n');
    return (await conn.response()).status;
  } catch {
    return 'reset';
  } finally {
    conn.close();
  }
}
