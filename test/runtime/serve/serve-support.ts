/**
 * Helpers for the `m4c serve` tests: a server started in-process on 127.0.0.1 port 0, and JSON requests
 * against it with fetch (real HTTP over loopback).
 */
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { compileFile } from '../../../compiler/compile.ts';
import type { Plan } from '../../../plan/plan-types.ts';
import { loadPlan } from '../../../runtime/plan-load.ts';
import { startServe, type RunningServe, type StartServeOptions } from '../../../runtime/serve/server.ts';

export const ROOT = join(import.meta.dirname, '../../..');
export const FRAUD = join(ROOT, 'examples/fraud/ab.m4');
export const FRAUD_DATA = join(ROOT, 'examples/fraud/data/replay.jsonl');

/** Compile a `.m4` file (throws with the diagnostics when it has errors). */
export function compiled(file: string): Plan {
  const c = compileFile(file);
  if (!c.plan) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c.plan;
}

export const DEFAULTS: StartServeOptions = {
  host: '127.0.0.1',
  port: 0,
  bodyLimit: 1024 * 1024,
  mode: 'shadow',
  percent: 0,
  maxBatch: 64,
  maxDelayMs: 2,
  shadowQueueRows: 100_000,
  shadowTimeoutMs: 10_000,
  // Never shed: the test process's own requests keep its event loop busy, and most tests count every pair.
  shadowShedLoad: 1,
  window: { ms: 3_600_000 },
  labelTtlMs: 3_600_000,
  labelCapacity: 100_000,
  stopShadowOnFail: false,
  drainTimeoutMs: 60_000,
  writeTimeoutMs: 60_000,
  engine: 'auto',
  intraOpThreads: 1,
  sinks: null,
  log: () => {},
};

/** Start a server for `plan` and wait until its models are open. */
export async function serve(plan: Plan, opts: Partial<StartServeOptions> = {}): Promise<RunningServe & { url: string }> {
  const running = await startServe(loadPlan(plan, { verifyModels: false }), { ...DEFAULTS, ...opts });
  await running.ready;
  return Object.assign(running, { url: `http://127.0.0.1:${running.port}` });
}

/** A starter of servers for `plan` (each as {@link serve}), every one shut down after the calling file's tests. */
export function serversOf(plan: Plan): (opts?: Partial<StartServeOptions>) => Promise<RunningServe & { url: string }> {
  const running: RunningServe[] = [];
  afterAll(async () => {
    for (const s of running) await s.shutdown();
  });
  return async (opts = {}) => {
    const s = await serve(plan, opts);
    running.push(s);
    return s;
  };
}

/** POST JSON; the status and the parsed body. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text.length > 0 && r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** GET; the status and the body (parsed when JSON). */
export async function get(url: string): Promise<{ status: number; body: any }> {
  const r = await fetch(url);
  const text = await r.text();
  return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** Prometheus text → samples `name{labels}` → value. */
export function parseMetrics(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) {
      types.set(t[1]!, t[2]!);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^(\S+?)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample: ${line}`);
    // Drop the constant graph label so keys stay short.
    const labels = (m[2] ?? '').replace(/,?graph="ab\.m4"/, '').replace('{,', '{');
    samples.set(`${m[1]}${labels === '{}' ? '' : labels}`, Number(m[3]));
  }
  return { samples, types };
}
