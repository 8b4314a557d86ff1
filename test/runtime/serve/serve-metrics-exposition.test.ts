/**
 * `/metrics` parsed strictly and checked after real traffic (predict with client ids and user fields, bad requests,
 * feedback, windows closing): every line is a valid sample of a family with its HELP and TYPE; every m4 name starts
 * with `m4_`, counters (and only they) end in `_total`; every label name and value comes from a bounded set (never a
 * request id or a field's value); every sample carries `graph`; histograms are cumulative with `+Inf` = `_count`; and
 * the counts are the traffic's, exactly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled, get, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const plan = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-exposition-'))));
const servers: { shutdown(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of servers) await s.shutdown();
});

/** Label values of m4's own families, by label name (`graph` and the plan's names are checked apart). */
const WORDS: Record<string, ReadonlySet<string>> = {
  route: new Set(['/v1/predict', '/v1/feedback', '/v1/graph', '/v1/comparisons', '/metrics', '/healthz', '/readyz', 'unknown']),
  result: new Set([
    ...['ok', 'bad_input', 'too_large', 'not_found', 'unavailable', 'error', 'conflict', 'unsupported', 'rejected'],
    ...['shed', 'starved', 'dropped', 'timeout', 'stopped', 'shutdown'],
    ...['joined', 'pending', 'unknown', 'expired', 'evicted', 'duplicate', 'unpaired', 'invalid'],
  ]),
  arm: new Set(['control', 'treatment']),
  role: new Set(['primary', 'shadow']),
  kind: new Set(['paired', 'labelled']),
  reason: new Set(['expired', 'evicted', 'replaced']),
  state: new Set(['running', 'waiting']),
  field: new Set(['control', 'treatment', 'delta', 'value']),
};
/** prom-client's own labels (process and Node.js metrics). */
const DEFAULT_LABELS = new Set(['type', 'space', 'version', 'major', 'minor', 'patch', 'kind']);

interface Sample {
  name: string;
  labels: Map<string, string>;
  value: number;
}

/** The exposition, strictly: a line that is not a comment, blank or `name{k="v",...} value` fails the test. */
function parseStrict(text: string): { samples: Sample[]; types: Map<string, string>; help: Set<string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const h = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (h) {
      help.add(h[1]!);
      continue;
    }
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) {
      expect(help.has(t[1]!), `HELP before TYPE of ${t[1]}`).toBe(true);
      types.set(t[1]!, t[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$/.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    const labels = new Map<string, string>();
    for (const kv of (m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g)) {
      expect(labels.has(kv[1]!), `label ${kv[1]} twice: ${line}`).toBe(false);
      labels.set(kv[1]!, kv[2]!);
    }
    const value = m![3] === '+Inf' ? Infinity : m![3] === '-Inf' ? -Infinity : Number(m![3]);
    expect(Number.isNaN(value), `value of ${line}`).toBe(false);
    samples.push({ name: m![1]!, labels, value });
  }
  return { samples, types, help };
}

/** The family a sample belongs to (a histogram's `_bucket`, `_sum`, `_count` belong to it). */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  expect(types.get(base), `no TYPE for ${name}`).toBe('histogram');
  return base;
}

describe('/metrics', () => {
  it('is valid Prometheus text with bounded labels, cumulative histograms and the exact counts of the traffic', async () => {
    const s = await serve(plan, { window: { rows: 5 } });
    servers.push(s);
    const N = 30;
    for (let i = 0; i < N; i++) {
      const r = await post(`${s.url}/v1/predict`, { inputs: row(i, `u${i}`) }, { 'x-request-id': `q-secret-${i}` });
      expect(r.status).toBe(200);
    }
    expect((await post(`${s.url}/v1/predict`, { inputs: { x: [1, 2] } })).status).toBe(400);
    expect((await post(`${s.url}/v1/predict`, '{')).status).toBe(400);
    expect((await get(`${s.url}/v2/nothing`)).status).toBe(404);
    await s.service.idle();
    const fb = await post(`${s.url}/v1/feedback`, {
      labels: [
        { request_id: 'q-secret-1', label: 1 },
        { request_id: 'q-secret-2', label: 0 },
        { request_id: 'zz-secret', label: 1 },
      ],
    });
    expect(fb.body.results).toEqual({ joined: 2, unknown: 1 });
    await s.service.idle();

    const { samples, types } = parseStrict((await get(`${s.url}/metrics`)).body);
    expect(samples.length).toBeGreaterThan(100);
    const comparisons = new Set(plan.comparisons.map((c) => c.name));
    const gates = new Set(plan.comparisons.flatMap((c) => c.gates.map((g) => g.text)));
    const metricNames = new Set(plan.comparisons.flatMap((c) => c.metrics));
    for (const [name, type] of types) {
      expect(name.startsWith('m4_'), name).toBe(true);
      const own = !name.startsWith('m4_process_') && !name.startsWith('m4_nodejs_');
      if (type === 'counter') expect(name.endsWith('_total'), name).toBe(true);
      else if (own) expect(name.endsWith('_total'), name).toBe(false);
    }
    for (const x of samples) {
      const family = familyOf(x.name, types);
      const own = !family.startsWith('m4_process_') && !family.startsWith('m4_nodejs_');
      expect(x.labels.get('graph'), x.name).toBe('ab.m4');
      for (const [k, v] of x.labels) {
        expect(v, `${x.name} ${k}`).not.toMatch(/secret|^u\d+$/);
        if (k === 'graph' || k === 'le') continue;
        if (!own) {
          expect(DEFAULT_LABELS.has(k), `${x.name} ${k}`).toBe(true);
          continue;
        }
        if (k === 'comparison') expect(comparisons.has(v), `${x.name} ${k}=${v}`).toBe(true);
        else if (k === 'gate') expect(gates.has(v), `${x.name} ${k}=${v}`).toBe(true);
        else if (k === 'metric') expect(metricNames.has(v), `${x.name} ${k}=${v}`).toBe(true);
        else if (k === 'node') expect(plan.nodes.some((n) => n.id === v) || v === 'none', `${x.name} ${k}=${v}`).toBe(true);
        else expect(WORDS[k]?.has(v), `${x.name} ${k}=${v}`).toBe(true);
      }
      if (types.get(family) === 'counter') expect(x.value, x.name).toBeGreaterThanOrEqual(0);
    }
    // Histograms: per series, buckets cumulative in `le`, `+Inf` = `_count`.
    for (const [family, type] of types) {
      if (type !== 'histogram') continue;
      const series = new Map<string, { le: number; n: number }[]>();
      const key = (x: Sample): string =>
        [...x.labels]
          .filter(([k]) => k !== 'le')
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
      for (const x of samples.filter((y) => y.name === `${family}_bucket`)) {
        const le = x.labels.get('le')!;
        (series.get(key(x)) ?? series.set(key(x), []).get(key(x))!).push({ le: le === '+Inf' ? Infinity : Number(le), n: x.value });
      }
      for (const [labels, buckets] of series) {
        buckets.sort((a, b) => a.le - b.le);
        for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.n, `${family} ${labels}`).toBeGreaterThanOrEqual(buckets[i - 1]!.n);
        expect(buckets.at(-1)!.le).toBe(Infinity);
        const count = samples.find((y) => y.name === `${family}_count` && key(y) === labels);
        expect(count?.value, `${family}_count ${labels}`).toBe(buckets.at(-1)!.n);
      }
    }
    // The counts are the traffic's.
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels.get(k) === v))?.value;
    expect(value('m4_requests_total', { route: '/v1/predict', result: 'ok' })).toBe(N);
    expect(value('m4_requests_total', { route: '/v1/predict', result: 'bad_input' })).toBe(2);
    expect(value('m4_requests_total', { route: 'unknown', result: 'not_found' })).toBe(1);
    expect(value('m4_requests_total', { route: '/v1/feedback', result: 'ok' })).toBe(1);
    expect(value('m4_request_duration_seconds_count', { route: '/v1/predict' })).toBe(N + 2);
    expect(value('m4_answered_rows_total', { arm: 'control' })).toBe(N);
    expect(value('m4_shadow_rows_total', { arm: 'treatment', result: 'ok' })).toBe(N);
    expect(value('m4_comparison_rows_total', { comparison: 'b_vs_a', kind: 'paired' })).toBe(N);
    expect(value('m4_comparison_windows_total', { comparison: 'b_vs_a' })).toBe(N / 5);
    expect(value('m4_feedback_labels_total', { result: 'joined' })).toBe(2);
    expect(value('m4_feedback_labels_total', { result: 'unknown' })).toBe(1);
    expect(value('m4_gate_passing', { comparison: 'b_vs_a', gate: 'agreement >= 0.5' })).toBeOneOf([0, 1]);
    expect(value('m4_ready')).toBe(1);
    expect(value('m4_process_resident_memory_bytes')).toBeGreaterThan(0);
  }, 60_000);
});
