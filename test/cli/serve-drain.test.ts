/**
 * `m4c serve`'s drain with HTTP in flight, the built CLI as a child process: SIGTERM or SIGINT while many predict
 * requests (single and batched; shadow and canary) and feedback are in flight. Every request the server took before
 * the signal is answered 200 with its outputs (one of them held between its head and its body across the signal,
 * so it certainly was); after it, requests are refused (the listener is closed), answered 503 (a request read on
 * a connection opened before) or their connection closed unread; an idle kept-alive connection is closed at once
 * and holds nothing open; the last window and the cumulative record are complete, and every row the server read is
 * in them: paired, or skipped by its reason (the shadow's refusals `shadow-<result>`, the bad rows); exit 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasStackTrace } from '../support/run-cli.ts';
import { row, writeServeGraph } from '../runtime/serve/serve-models.ts';
import { RawConnection, heldPredict, killServers, records, startServe } from './serve-process.ts';
import { BAD_REQUESTS, BIG_BATCHES, MIXED, expectAccounted, expectTurnedAway, loadAcrossSignal, untilRefused } from './serve-load.ts';

afterEach(killServers);

describe('m4c serve: a signal while requests are in flight', () => {
  it.each([
    ['shadow', 'SIGTERM'],
    ['canary', 'SIGTERM'],
    ['shadow', 'SIGINT'],
    ['canary', 'SIGINT'],
  ] as const)(
    '%s, %s: every request taken is answered, later ones turned away, the last window complete, exit 0',
    async (mode, signal) => {
      const dir = mkdtempSync(join(tmpdir(), 'm4-serve-drain-'));
      const db = join(dir, 'live.db');
      const modeArgs = mode === 'canary' ? ['--mode', 'canary', '--percent', '30', '--sticky-by', 'user'] : [];
      // Shadow work is shed, dropped or timed out as the machine's load has it: whatever happens is counted in the
      // records. The drain's bound is far: nothing here may be cut by it.
      const s = await startServe([writeServeGraph(dir), '--db', db, '--window', '1h', '--drain-timeout', '10m', ...modeArgs]);
      const arms = mode === 'canary' ? ['control', 'treatment'] : ['control'];

      // A kept-alive connection, idle when the signal comes.
      const idle = new RawConnection(s.port);
      await idle.connected;
      idle.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      expect((await idle.response()).status).toBe(200);
      // A request the server has taken (its head read, routed: `100 Continue`), its body not sent yet.
      const held = await heldPredict(s.port, { inputs: row(99_999, 'u1') });

      const t = await loadAcrossSignal(s, signal, arms, MIXED);
      expectTurnedAway(t, MIXED);
      // The held request keeps the server draining: the listener closes (new connections are refused)...
      await untilRefused(s.port);
      // ...the idle kept-alive connection was closed by the server...
      await idle.closed;
      // ...and the request taken before the signal is answered, with its outputs, on a connection then closed.
      const answer = await held.finish();
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body);
      expect(arms).toContain(body.arm);
      expect(Number.isFinite(body.outputs.score)).toBe(true);
      expect(answer.headers.connection).toBe('close');
      await held.conn.closed;

      expect(await s.exit, s.stderr()).toBe(0);
      expect(s.stderr()).toContain(`${signal}: draining`);
      expect(hasStackTrace(s.stderr())).toBe(false);
      // The held row was answered too.
      expectAccounted(records(db), s, t.answeredRows + 1, BAD_REQUESTS, t);
    },
    180_000,
  );
});

describe('m4c serve: the drain is bounded', () => {
  it('a slow treatment: the shadow work still queued at --drain-timeout is given up and counted, the records complete, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-drain-slow-'));
    const db = join(dir, 'live.db');
    // A treatment ~1000x the control's work, one row per shadow batch, never shed, a deep queue and a batch timeout
    // longer than the test: thousands of rows, seconds of shadow work, wait when the signal comes.
    const s = await startServe([
      writeServeGraph(dir, { slowHidden: 2048 }),
      '--db',
      db,
      '--window',
      '1h',
      '--max-batch',
      '1',
      '--shadow-queue',
      '1000000',
      '--shadow-shed-load',
      '1',
      '--shadow-timeout-ms',
      '600000',
      '--drain-timeout',
      '1s',
    ]);
    const t = await loadAcrossSignal(s, 'SIGTERM', ['control'], BIG_BATCHES);
    expectTurnedAway(t, BIG_BATCHES);
    expect(await s.exit, s.stderr()).toBe(0);
    expect(s.stderr()).toContain('drain: --drain-timeout reached');
    expect(hasStackTrace(s.stderr())).toBe(false);
    const shadow = expectAccounted(records(db), s, t.answeredRows, BAD_REQUESTS, t);
    // What was given up is counted as such; nothing else was refused (never shed, nothing dropped or timed out).
    expect(Object.keys(shadow)).toEqual(['shadow-shutdown']);
    expect(shadow['shadow-shutdown']).toBeGreaterThan(0);
  }, 180_000);

  it('a request whose body never comes: its connection is closed at --drain-timeout, the records complete, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-serve-drain-stuck-'));
    const db = join(dir, 'live.db');
    const s = await startServe([writeServeGraph(dir), '--db', db, '--window', '1h', '--drain-timeout', '1s']);
    const held = await heldPredict(s.port, { inputs: row(1) });
    // No feedback: a feedback request the deadline cut could have been joined unseen by its client.
    const shape = { ...MIXED, feedbackClients: 0 };
    const t = await loadAcrossSignal(s, 'SIGTERM', ['control'], shape);
    expectTurnedAway(t, shape);
    // The server closes the held connection without an answer (the request was never read to its end: not counted).
    await held.conn.closed;
    expect(await s.exit, s.stderr()).toBe(0);
    expect(s.stderr()).toMatch(/drain: \d+ connection\(s\) still open after --drain-timeout: closed/);
    expectAccounted(records(db), s, t.answeredRows, BAD_REQUESTS, t);
  }, 180_000);
});

describe('m4c serve: a second signal during the drain', () => {
  it.each(['a request in flight', 'shadow work queued'] as const)(
    'with %s: exits 130 at once and leaves no record of the run',
    async (what) => {
      const dir = mkdtempSync(join(tmpdir(), 'm4-serve-drain-twice-'));
      const db = join(dir, 'live.db');
      const common = ['--db', db, '--window', '1h', '--drain-timeout', '10m'];
      const slow = ['--max-batch', '1', '--shadow-queue', '1000000', '--shadow-shed-load', '1', '--shadow-timeout-ms', '600000'];
      const s = await startServe(
        what === 'shadow work queued' ? [writeServeGraph(dir, { slowHidden: 2048 }), ...common, ...slow] : [writeServeGraph(dir), ...common],
      );
      // The drain waits for the held request (its body is never sent), or for the slow shadow's queue.
      const held = what === 'a request in flight' ? await heldPredict(s.port, { inputs: row(1) }) : null;
      const t = await loadAcrossSignal(s, 'SIGTERM', ['control'], what === 'a request in flight' ? MIXED : BIG_BATCHES);
      expect(t.problems).toEqual([]);
      await untilRefused(s.port);
      expect(s.stderr()).toContain('SIGTERM: draining');
      // Ctrl-C after a kill: either signal is the second.
      s.child.kill('SIGINT');
      expect(await s.exit, s.stderr()).toBe(130);
      if (held !== null) await held.conn.closed;
      expect(hasStackTrace(s.stderr())).toBe(false);
      expect(records(db).filter((r) => r.serve_run === s.serveRun)).toEqual([]);
    },
    180_000,
  );
});
