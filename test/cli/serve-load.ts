/**
 * The load of the drain tests (test/cli/serve-drain*.test.ts): predict and feedback clients against a started
 * `m4c serve` until a signal turns them away, and the checks of what the server's records say about it.
 */
import { expect } from 'vitest';
import { row } from '../runtime/serve/serve-models.ts';
import { tryConnect, type RunRow, type Started } from './serve-process.ts';

/** Requests per client at most (the loops are bounded whatever the server does). */
const PER_CLIENT = 200;
/** Bad requests sent before the load (each a row read and skipped, `wrong-length`). */
export const BAD_REQUESTS = 3;

/** The clients of a load, and its requests. */
export interface LoadShape {
  predictClients: number;
  feedbackClients: number;
  /** The signal goes once this many predict requests were answered. */
  signalAfter: number;
  /** Rows of a client's request `k` (`n`: its number among all requests): 1 is an `inputs` request, more `rows`. */
  size(n: number, k: number): number;
}

/** Single and batched requests, and feedback. */
export const MIXED: LoadShape = { predictClients: 24, feedbackClients: 6, signalAfter: 150, size: (n, k) => (k % 3 === 2 ? 2 + (n % 4) : 1) };
/**
 * Batches of 100 rows: thousands of rows of shadow work queue up behind a slow treatment (6,000 rows of ~2 ms each
 * at least, one row per call: seconds more than the control needs to answer them).
 */
export const BIG_BATCHES: LoadShape = { predictClients: 8, feedbackClients: 0, signalAfter: 60, size: () => 100 };
/** How a request ended when it was not answered 200. */
const REFUSALS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const FEEDBACK_RESULTS = new Set(['joined', 'pending', 'unknown', 'expired', 'evicted', 'duplicate', 'unpaired']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The error code of a failed fetch (its cause's), or its message. */
function codeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err as Error).message;
}

export interface Tally {
  /** Rows answered 200 with outputs, and their ids. */
  answeredRows: number;
  answeredRequests: number;
  ids: string[];
  /** After the signal: statuses other than 200, and connection errors, by code. */
  after: Record<string, number>;
  /** Anything wrong: a non-200 before the signal, an answer without its outputs, an unknown error. */
  problems: string[];
  /** Predict clients stopped by a refusal (the others ran out of requests). */
  turnedAwayClients: number;
  feedbackItems: number;
  feedbackResults: Record<string, number>;
}

/**
 * Load `s` with predict and feedback clients until each one is turned away after `signal` was sent (once
 * `shape.signalAfter` requests were answered). Bounded: each client sends {@link PER_CLIENT} requests at most.
 */
export async function loadAcrossSignal(s: Started, signal: NodeJS.Signals, arms: string[], shape: LoadShape): Promise<Tally> {
  const t: Tally = {
    answeredRows: 0,
    answeredRequests: 0,
    ids: [],
    after: {},
    problems: [],
    turnedAwayClients: 0,
    feedbackItems: 0,
    feedbackResults: {},
  };
  let signalled = false;
  let predicting = shape.predictClients;
  const turnedAway = (what: string): void => {
    t.after[what] = (t.after[what] ?? 0) + 1;
  };
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any } | string> => {
    try {
      const r = await fetch(`${s.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Left as text: checked by the caller.
      }
      return { status: r.status, body: parsed };
    } catch (err) {
      return codeOf(err);
    }
  };
  /** A non-200 outcome: fine after the signal (counted), a problem before. The client then stops. */
  const refused = (what: string, r: { status: number; body: any } | string): void => {
    if (!signalled) {
      t.problems.push(`${what} before the signal: ${JSON.stringify(r)}`);
      return;
    }
    if (typeof r === 'string') {
      if (!REFUSALS.has(r)) t.problems.push(`${what}: unexpected error ${r}`);
      turnedAway(r);
    } else {
      if (r.status !== 503 || typeof r.body !== 'object') t.problems.push(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      turnedAway(String(r.status));
    }
  };
  const outputsOk = (a: any): boolean => typeof a?.request_id === 'string' && arms.includes(a.arm) && Number.isFinite(a.outputs?.score);

  const predictClient = async (c: number): Promise<void> => {
    for (let k = 0; k < PER_CLIENT; k++) {
      const n = c * PER_CLIENT + k;
      const size = shape.size(n, k);
      const batched = size > 1;
      const body = batched
        ? { rows: Array.from({ length: size }, (_, i) => row(n * 8 + i, `u${(n + i) % 40}`)) }
        : { inputs: row(n * 8, `u${n % 40}`) };
      const headers: Record<string, string> = k % 2 === 0 ? { 'x-request-id': `c${c}-${k}` } : {};
      const r = await post('/v1/predict', body, headers);
      if (typeof r === 'string' || r.status !== 200) {
        refused('predict', r);
        t.turnedAwayClients++;
        break;
      }
      const answers: any[] = batched ? r.body.rows : [r.body];
      if (answers.length !== size || !answers.every(outputsOk)) t.problems.push(`predict answered without its outputs: ${JSON.stringify(r.body)}`);
      t.answeredRows += size;
      t.answeredRequests++;
      for (const a of answers) t.ids.push(a.request_id);
      if (!signalled && t.answeredRequests >= shape.signalAfter) {
        signalled = true;
        s.child.kill(signal);
      }
    }
    predicting--;
  };

  const feedbackClient = async (c: number): Promise<void> => {
    // Some answers to label first (bounded: the signal comes after many more).
    for (let wait = 0; wait < 12_000 && t.ids.length < 8 && predicting > 0; wait++) await sleep(5);
    for (let k = 0; k < PER_CLIENT && predicting > 0; k++) {
      const pick = (i: number): string => t.ids[(c * 7919 + k * 104729 + i * 31) % t.ids.length]!;
      const items =
        k % 2 === 0 ? [{ request_id: pick(0), label: k % 2 }] : Array.from({ length: 4 }, (_, i) => ({ request_id: pick(i), label: (k + i) % 2 }));
      const body = items.length === 1 ? items[0] : { labels: items };
      const r = await post('/v1/feedback', body);
      if (typeof r === 'string' || r.status !== 200) {
        refused('feedback', r);
        break;
      }
      const results = r.body.results as Record<string, number>;
      let sum = 0;
      for (const [result, n] of Object.entries(results)) {
        if (!FEEDBACK_RESULTS.has(result)) t.problems.push(`feedback result ${result}`);
        t.feedbackResults[result] = (t.feedbackResults[result] ?? 0) + n;
        sum += n;
      }
      if (sum !== items.length) t.problems.push(`feedback: ${items.length} items, results ${JSON.stringify(results)}`);
      t.feedbackItems += items.length;
    }
  };

  // A few bad rows before the load: counted as read and skipped by their reason.
  for (let i = 0; i < BAD_REQUESTS; i++) {
    const r = await post('/v1/predict', { inputs: { x: [1, 2] } });
    expect(typeof r === 'object' && r.status).toBe(400);
  }
  await Promise.all([
    ...Array.from({ length: shape.predictClients }, (_, c) => predictClient(c)),
    ...Array.from({ length: shape.feedbackClients }, (_, c) => feedbackClient(c)),
  ]);
  return t;
}

/** Try new connections until one is refused (bounded); before that each gets 200, 503 or a reset. */
export async function untilRefused(port: number): Promise<void> {
  let attempt: Awaited<ReturnType<typeof tryConnect>> = 200;
  for (let i = 0; i < 3000 && attempt !== 'refused'; i++) {
    attempt = await tryConnect(port);
    if (attempt !== 'refused') {
      expect([200, 503, 'reset']).toContain(attempt);
      await sleep(10);
    }
  }
  expect(attempt).toBe('refused');
}

/**
 * The serving run's records: its windows and the cumulative one, all complete. With `several` windows (`--window N`
 * pairs, some closed while serving), they are numbered 0, 1, ... and hold every pair and label of the cumulative record
 * between them; otherwise there is one (`--window 1h`), and it is checked as the cumulative record is. Every row read
 * is in the cumulative record: `answered` rows and `bad` refused ones; each answered row is paired or skipped by the
 * shadow's reason (`shadow-shed`, ...): nothing unaccounted. Returns the shadow's skipped rows by reason.
 */
export function expectAccounted(
  all: RunRow[],
  s: Started,
  answered: number,
  bad: number,
  t: Tally,
  windows: 'one' | 'several' = 'one',
): Record<string, number> {
  const rs = all.filter((r) => r.serve_run === s.serveRun);
  const ws = rs.filter((r) => r.serve_window !== null);
  const cumulative = rs.filter((r) => r.serve_window === null);
  expect(cumulative.map((r) => r.status)).toEqual(['complete']);
  // The cumulative record is the last written.
  expect(rs.at(-1)).toBe(cumulative[0]);
  if (windows === 'one') expect(ws.map((r) => [r.serve_window, r.status])).toEqual([[0, 'complete']]);
  else {
    expect(ws.length).toBeGreaterThan(1);
    expect(ws.map((r) => [r.serve_window, r.status])).toEqual(ws.map((_, i) => [i, 'complete']));
    const sum = (f: (r: RunRow) => number): number => ws.reduce((a, r) => a + f(r), 0);
    expect(sum((r) => r.pairs)).toBe(cumulative[0]!.pairs);
    expect(sum((r) => r.labelled)).toBe(cumulative[0]!.labelled);
    // A last window with no pair or label writes nothing: the rows it read are only in the cumulative record.
    expect(sum((r) => r.rows_seen)).toBeLessThanOrEqual(cumulative[0]!.rows_seen);
  }
  const shadow = Object.fromEntries(Object.entries(cumulative[0]!.skipped).filter(([reason]) => reason.startsWith('shadow-')));
  for (const r of windows === 'one' ? rs : cumulative) {
    expect(r.rows_seen).toBe(answered + bad);
    expect(r.skipped['wrong-length'] ?? 0).toBe(bad);
    const shadowSkipped = Object.entries(r.skipped)
      .filter(([reason]) => reason.startsWith('shadow-'))
      .reduce((a, [, n]) => a + n, 0);
    expect(r.pairs + shadowSkipped, JSON.stringify(r)).toBe(answered);
    expect(r.pairs + r.rows_skipped).toBe(r.rows_seen);
    // The labelled pairs: those feedback joined at once, and some of those it found pending (the pair was
    // completed later, during the drain perhaps, or never: `unpaired`).
    expect(r.labelled).toBeGreaterThanOrEqual(t.feedbackResults.joined ?? 0);
    expect(r.labelled).toBeLessThanOrEqual((t.feedbackResults.joined ?? 0) + (t.feedbackResults.pending ?? 0));
  }
  return shadow;
}

/** The load went as it should: no problem, the signal sent, every predict client turned away in the end. */
export function expectTurnedAway(t: Tally, shape: LoadShape): void {
  expect(t.problems).toEqual([]);
  expect(t.answeredRequests).toBeGreaterThanOrEqual(shape.signalAfter);
  if (shape.feedbackClients > 0) expect(t.feedbackItems).toBeGreaterThan(0);
  expect(t.turnedAwayClients).toBe(shape.predictClients);
}
