/**
 * The serve metrics kept as plain numbers on the hot path export what prom-client's own metrics would: the
 * counting histogram's exposition equals a prom-client Histogram's fed the same values, and pending counts
 * reach their counters at every scrape, without losing or repeating any.
 */
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CountingHistogram, ServeMetrics } from '../../../runtime/serve/serve-metrics.ts';

const BOUNDS = [0.001, 0.01, 0.1, 1];
const VALUES = [0, 0.0005, 0.001, 0.0011, 0.05, 0.1, 0.5, 1, 3, 250];

describe('serve metrics', () => {
  it("a counting histogram's exposition is prom-client's", async () => {
    const ours = new Registry();
    ours.setDefaultLabels({ graph: 'g.m4' });
    const theirs = new Registry();
    theirs.setDefaultLabels({ graph: 'g.m4' });
    const h = new CountingHistogram<'route'>('h_seconds', 'help text', BOUNDS, ours);
    const p = new Histogram({ name: 'h_seconds', help: 'help text', labelNames: ['route'], buckets: BOUNDS, registers: [theirs] });
    for (const [i, v] of VALUES.entries()) {
      const route = i % 3 === 0 ? '/a' : '/b';
      h.child(route, { route }).observe(v);
      p.observe({ route }, v);
    }
    h.child('/never', { route: '/never' }); // not observed: not exported, as prom-client's
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('pending counts reach their counters at each scrape, once', async () => {
    const m = new ServeMetrics('g.m4');
    const value = async (line: RegExp): Promise<number> => Number(line.exec(await m.registry.metrics())?.[1]);
    m.answered('control', 3);
    m.requestCount('/v1/predict', 'ok').n++;
    expect(await value(/^m4_answered_rows_total\{arm="control",graph="g.m4"\} (\d+)$/m)).toBe(3);
    m.answered('control', 2);
    m.answered('treatment', 1);
    m.requestCount('/v1/predict', 'ok').n++;
    m.shadowRows('treatment', 'dropped', 4);
    m.evicted('expired');
    m.shadowQueue('treatment', 12);
    const text = await m.registry.metrics();
    expect(text).toMatch(/^m4_answered_rows_total\{arm="control",graph="g.m4"\} 5$/m);
    expect(text).toMatch(/^m4_answered_rows_total\{arm="treatment",graph="g.m4"\} 1$/m);
    expect(text).toMatch(/^m4_requests_total\{route="\/v1\/predict",result="ok",graph="g.m4"\} 2$/m);
    expect(text).toMatch(/^m4_shadow_rows_total\{arm="treatment",result="dropped",graph="g.m4"\} 4$/m);
    expect(text).toMatch(/^m4_label_store_evicted_total\{reason="expired",graph="g.m4"\} 1$/m);
    expect(text).toMatch(/^m4_shadow_queue_rows\{arm="treatment",graph="g.m4"\} 12$/m);
    expect(await value(/^m4_answered_rows_total\{arm="control",graph="g.m4"\} (\d+)$/m)).toBe(5);
  });
});
