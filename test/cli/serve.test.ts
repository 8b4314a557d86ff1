/**
 * `m4c serve` as a process: it prints where it listens (port 0 → a free port), SIGTERM or SIGINT writes a complete
 * last window plus the cumulative record, exit 0 (with requests in flight, a slow shadow, a second signal:
 * serve-drain.test.ts). Also the one-line usage errors (commander's own included).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';
import { row, writeServeGraph } from '../runtime/serve/serve-models.ts';
import { killServers, records, startServe } from './serve-process.ts';

afterEach(killServers);

async function predict(url: string, body: unknown): Promise<number> {
  const r = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await r.text();
  return r.status;
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
      expect(records(db).map(({ serve_window, status, rows_seen, rows_counted }) => ({ serve_window, status, rows_seen, rows_counted }))).toEqual([
        { serve_window: 0, status: 'complete', rows_seen: 21, rows_counted: 20 },
        { serve_window: null, status: 'complete', rows_seen: 21, rows_counted: 20 },
      ]);
    },
    120_000,
  );

  it('usage errors are one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-cli3-'));
    const file = writeServeGraph(dir);
    for (const [args, msg] of [
      [['--mode', 'canary'], /--mode canary needs --percent/],
      [['--percent', '5'], /only apply to --mode canary/],
      [['--window', 'soon'], /expected a duration/],
      [['--drain-timeout', 'never'], /expected a duration/],
      [['--write-timeout', '0s'], /expected a duration/],
      [['--shadow-shed-load', '0'], /expected a number in \(0, 1\]/],
      [['--shadow-shed-load', '1.5'], /expected a number in \(0, 1\]/],
      [['--mode', 'bogus'], /argument 'bogus' is invalid\. Allowed choices are shadow, canary, control/],
      [['--bogus'], /unknown option '--bogus'/],
    ] as const) {
      const r = runM4c(['serve', file, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      // One line, as every m4c error (docs/cli.md), commander's own included.
      expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^m4c: /)]);
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
    expect(help).toMatch(/--drain-timeout <duration>[^]*\(default:\s+10s\)/);
    expect(help).toMatch(/--write-timeout <duration>[^]*\(default:\s+10s\)/);
    expect(help).not.toMatch(/"ms"|3600000|1048576\)/);
  }, 60_000);
});
