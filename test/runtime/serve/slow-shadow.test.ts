/**
 * The shadow never hurts the answer: with a treatment model far slower than the control (two 2048-wide
 * hidden layers against one 8-wide), answers in shadow mode are the control's, equal to shadow-off
 * answers, and the shadow work the bounded queue cannot take is dropped and counted. Latency with and
 * without the shadow is measured and printed (the machine is shared: no wall-clock assertion).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiled, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const plan = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-slow-')), { slowHidden: 2048 }));
const N = 300;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function session(mode: 'shadow' | 'control'): Promise<{ scores: number[]; ms: number[]; metrics: Map<string, number> }> {
  const s = await serve(plan, { mode, shadowQueueRows: 2, maxBatch: 8 });
  try {
    const scores: number[] = [];
    const ms: number[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      const r = await post(`${s.url}/v1/predict`, { inputs: row(i) });
      ms.push(performance.now() - t0);
      expect(r.status).toBe(200);
      expect(r.body.arm).toBe('control');
      scores.push(r.body.outputs.score);
    }
    await s.service.idle();
    const metrics = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    return { scores, ms: ms.sort((a, b) => a - b), metrics };
  } finally {
    await s.shutdown();
  }
}

describe('a slow treatment in shadow', () => {
  it('answers come from the control, unchanged; dropped shadow work is counted', async () => {
    const off = await session('control');
    const on = await session('shadow');
    expect(on.scores).toEqual(off.scores);
    const shadow = (result: string) => on.metrics.get(`m4_shadow_rows_total{arm="treatment",result="${result}"}`) ?? 0;
    // The queue is full: `dropped` while the shadow's thread has a CPU, `starved` while it waits for one (a busy
    // machine). This test never sheds (serve-support's --shadow-shed-load 1).
    expect(shadow('dropped') + shadow('starved')).toBeGreaterThan(0);
    expect(shadow('ok') + shadow('dropped') + shadow('starved') + shadow('timeout') + shadow('error')).toBe(N);
    expect(on.metrics.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}')).toBe(shadow('ok'));
    const armMs = (arm: string, role: string) =>
      (1000 * on.metrics.get(`m4_arm_batch_duration_seconds_sum{arm="${arm}",role="${role}"}`)!) /
      on.metrics.get(`m4_arm_batch_duration_seconds_count{arm="${arm}",role="${role}"}`)!;
    const p = (x: { ms: number[] }, q: number) => quantile(x.ms, q).toFixed(2);
    // Measured, not asserted (shared machine): the figures go to docs/serve.md.
    console.log(
      `slow shadow: treatment ${armMs('treatment', 'shadow').toFixed(3)} ms/batch vs control ${armMs('control', 'primary').toFixed(3)} ms/batch; ` +
        `request p50/p99 shadow off ${p(off, 0.5)}/${p(off, 0.99)} ms, shadow on ${p(on, 0.5)}/${p(on, 0.99)} ms; dropped ${shadow('dropped')}, starved ${shadow('starved')} of ${N} rows`,
    );
  }, 120_000);
});
