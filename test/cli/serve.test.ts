/**
 * `m4c serve` as a process: it prints where it listens (port 0 → a free port), SIGTERM drains in-flight
 * work and writes a complete last window plus the cumulative record, exit 0; a second signal during the
 * drain exits 130 at once and leaves no record that looks complete. Also the one-line usage errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { M4C, ROOT, hasStackTrace, runM4c } from '../support/run-cli.ts';
import { row, writeServeGraph } from '../runtime/serve/serve-models.ts';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Start `m4c serve` and wait (at most 60 s) for its "listening on" line. */
async function startServe(args: string[]): Promise<Started> {
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
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line after 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening: ${err}`));
    });
  });
  return { child, url, stderr: () => err, exit };
}

async function predict(url: string, body: unknown): Promise<number> {
  const r = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await r.text();
  return r.status;
}

function records(db: string): { serve_window: number | null; status: string; rows_seen: number; rows_counted: number }[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT serve_window, status, rows_seen, rows_counted FROM runs ORDER BY id').all() as never;
  } finally {
    d.close();
  }
}

describe('m4c serve lifecycle', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s drains, writes a complete last window and the cumulative record, exits 0',
    async (signal) => {
      const dir = mkdtempSync(join(tmpdir(), 'm4-serve-cli-'));
      const db = join(dir, 'live.db');
      // A generous shadow timeout: the shadow thread runs in SCHED_IDLE, and on a loaded machine a batch can wait
      // longer than the default second for a core — a timed-out batch would be counted, not paired. Never shed: a
      // loaded machine keeps the answers' thread waiting for a CPU, which counts as its load.
      const s = await startServe([writeServeGraph(dir), '--db', db, '--window', '1h', '--shadow-timeout-ms', '60000', '--shadow-shed-load', '1']);
      for (let i = 0; i < 20; i++) expect(await predict(s.url, { inputs: row(i) })).toBe(200);
      expect(await predict(s.url, { inputs: { x: [1] } })).toBe(400);
      s.child.kill(signal);
      expect(await s.exit).toBe(0);
      expect(s.stderr()).toContain(`${signal}: draining`);
      expect(hasStackTrace(s.stderr())).toBe(false);
      // Window 0 (the last, closed by the drain) and the cumulative record (serve_window NULL): 20 pairs each,
      // 21 rows seen (the refused request counts as a skipped row).
      expect(records(db)).toEqual([
        { serve_window: 0, status: 'complete', rows_seen: 21, rows_counted: 20 },
        { serve_window: null, status: 'complete', rows_seen: 21, rows_counted: 20 },
      ]);
    },
    120_000,
  );

  it('a second signal during the drain exits 130 at once and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-cli2-'));
    const db = join(dir, 'live.db');
    // A slow treatment, one row per shadow batch and a deep queue: the drain has seconds of shadow work.
    const s = await startServe([
      writeServeGraph(dir, { slowHidden: 2048 }),
      '--db',
      db,
      '--window',
      '1h',
      '--max-batch',
      '1',
      '--shadow-queue',
      '100000',
      '--shadow-timeout-ms',
      '60000',
    ]);
    const rows = Array.from({ length: 200 }, (_, i) => row(i));
    for (let k = 0; k < 3; k++) expect(await predict(s.url, { rows })).toBe(200);
    s.child.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 100));
    // Ctrl-C after a kill: either signal is the second.
    s.child.kill('SIGINT');
    expect(await s.exit, s.stderr()).toBe(130);
    expect(records(db)).toEqual([]);
  }, 120_000);

  it('usage errors are one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-cli3-'));
    const file = writeServeGraph(dir);
    for (const [args, msg] of [
      [['--mode', 'canary'], /--mode canary needs --percent/],
      [['--percent', '5'], /only apply to --mode canary/],
      [['--window', 'soon'], /expected a duration/],
      [['--shadow-shed-load', '0'], /expected a number in \(0, 1\]/],
      [['--shadow-shed-load', '1.5'], /expected a number in \(0, 1\]/],
    ] as const) {
      const r = runM4c(['serve', file, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    // An output that reads both sides of a comparison cannot be answered by one arm: refused, naming it.
    const both = writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-cli4-')), { extra: 'output diff = sub(treat, control)' });
    const r = runM4c(['serve', both, '--port', '0']);
    expect(r.code).toBe(2);
    // (The test graph's compile warnings come first.)
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('m4c:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^m4c: output `diff` \(.*ab\.m4:\d+\) reads both the control and the treatment of `b_vs_a`/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    // --help shows the defaults as they are written on the command line.
    const help = runM4c(['serve', '--help']).stdout;
    expect(help).toMatch(/\(default:\s+60s\)/);
    expect(help).toMatch(/\(default:\s+1h\)/);
    expect(help).toMatch(/\(default:\s+1mb\)/);
    expect(help).not.toMatch(/"ms"|3600000|1048576\)/);
  }, 60_000);
});
