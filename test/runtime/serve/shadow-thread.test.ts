/**
 * The shadow arm on its own thread (runtime/serve/shadow-thread.ts, shadow-worker.ts), over real HTTP:
 * - a canary pairs every row whichever arm answered it: the other arm runs it in shadow on that thread, and
 *   feedback joins labels to the rows of both kinds;
 * - the shadow queue's bound is kept on the main thread: a batch over it is dropped at once and counted, and its
 *   rows are still stored, so feedback for them says `unpaired` rather than `unknown`;
 * - shadow work shed because the answers' thread is busy (--shadow-shed-load) is counted `shed` in /metrics, and
 *   its rows are unpaired too;
 * - in shadow mode the thread runs in SCHED_IDLE where `chrt` can set it (Linux), and /metrics says which, with
 *   the thread's time running and waiting for a CPU.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { schedulingPolicy } from '../../../runtime/thread-priority.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const plan = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-shadow-thread-'))));
const running: { shutdown(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of running) await s.shutdown();
});

describe('the shadow arm on its own thread', () => {
  it('canary: every row is paired, whichever arm answered it, and feedback joins both kinds', async () => {
    const s = await serve(plan, { mode: 'canary', percent: 50 });
    running.push(s);
    const N = 40;
    const r = await post(`${s.url}/v1/predict`, { rows: Array.from({ length: N }, (_, i) => row(i)) }, { 'x-request-id': 'k' });
    expect(r.status).toBe(200);
    const arms = r.body.rows.map((x: { arm: string }) => x.arm) as string[];
    const byTreatment = arms.filter((a) => a === 'treatment').length;
    expect(byTreatment).toBeGreaterThan(0);
    expect(byTreatment).toBeLessThan(N);
    await s.service.idle();
    const m = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    // The arm that did not answer a row ran it in shadow: the treatment the control's rows, and the other way round.
    expect(m.get('m4_shadow_rows_total{arm="treatment",result="ok"}')).toBe(N - byTreatment);
    expect(m.get('m4_shadow_rows_total{arm="control",result="ok"}')).toBe(byTreatment);
    expect(m.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}')).toBe(N);
    const fb = await post(`${s.url}/v1/feedback`, { labels: arms.map((_, i) => ({ request_id: `k:${i}`, label: i % 2 })) });
    expect(fb.body.results).toEqual({ joined: N });
    const after = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(after.get('m4_comparison_rows_total{comparison="b_vs_a",kind="labelled"}')).toBe(N);
    expect(after.get('m4_feedback_labels_total{result="joined"}')).toBe(N);
  });

  it('a batch over the shadow queue is dropped and counted at once; its rows are stored, and feedback says unpaired', async () => {
    const s = await serve(plan, { shadowQueueRows: 2 });
    running.push(s);
    const big = await post(`${s.url}/v1/predict`, { rows: [row(1), row(2), row(3)] }, { 'x-request-id': 'd' });
    expect(big.status).toBe(200);
    await s.service.idle();
    const small = await post(`${s.url}/v1/predict`, { inputs: row(4) }, { 'x-request-id': 'one' });
    expect(small.status).toBe(200);
    await s.service.idle();
    const m = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(m.get('m4_shadow_rows_total{arm="treatment",result="dropped"}')).toBe(3);
    expect(m.get('m4_shadow_rows_total{arm="treatment",result="ok"}')).toBe(1);
    expect(m.get('m4_shadow_queue_rows{arm="treatment"}')).toBe(0);
    const fb = await post(`${s.url}/v1/feedback`, {
      labels: [
        { request_id: 'd:0', label: 1 },
        { request_id: 'one', label: 0 },
        { request_id: 'never', label: 0 },
      ],
    });
    expect(fb.body.results).toEqual({ unpaired: 1, joined: 1, unknown: 1 });
  });

  it('shadow work shed while the answers thread is busy is counted by that reason; feedback says unpaired', async () => {
    // A load threshold no running thread stays under: every batch is shed (the main thread has run since it started).
    const s = await serve(plan, { shadowShedLoad: 1e-9 });
    running.push(s);
    const N = 5;
    for (let i = 0; i < N; i++) expect((await post(`${s.url}/v1/predict`, { inputs: row(i) }, { 'x-request-id': `s${i}` })).status).toBe(200);
    await s.service.idle();
    const m = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(m.get('m4_shadow_rows_total{arm="treatment",result="shed"}')).toBe(N);
    expect(m.get('m4_shadow_rows_total{arm="treatment",result="ok"}')).toBeUndefined();
    expect(m.get('m4_comparison_rows_total{comparison="b_vs_a",kind="paired"}')).toBeUndefined();
    const fb = await post(`${s.url}/v1/feedback`, { request_id: 's0', label: 1 });
    expect(fb.body.results).toEqual({ unpaired: 1 });
    // Refused batches close together leave as one run (shadow-thread.ts): client ids and generated ones, mixed in
    // it, each still find their row (whether the batches joined one run or not, every row answers `unpaired`).
    const M = 12;
    const answers = await Promise.all(
      Array.from({ length: M }, (_, i) => post(`${s.url}/v1/predict`, { inputs: row(i) }, i % 3 === 0 ? {} : { 'x-request-id': `m${i}` })),
    );
    await s.service.idle();
    const ids = answers.map((a) => {
      expect(a.status).toBe(200);
      return a.body.request_id as string;
    });
    expect(new Set(ids).size).toBe(M);
    const after = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    expect(after.get('m4_shadow_rows_total{arm="treatment",result="shed"}')).toBe(N + M);
    const all = await post(`${s.url}/v1/feedback`, {
      labels: [...ids.map((id) => ({ request_id: id, label: 0 })), { request_id: 'never', label: 0 }],
    });
    expect(all.body.results).toEqual({ unpaired: M, unknown: 1 });
  });

  it('shadow mode: the thread is in SCHED_IDLE where chrt can set it, and /metrics says so with its CPU times', async () => {
    // SCHED_IDLE is policy 5. This file's earlier servers have their own threads: count the threads this server
    // starts (not there before), by the name each gives itself.
    const tasks = (): string[] => (process.platform === 'linux' ? readdirSync('/proc/self/task') : []);
    const before = new Set(tasks());
    const idleThreads = (name: string): number =>
      tasks().filter((t) => {
        if (before.has(t)) return false;
        try {
          return schedulingPolicy('self', Number(t)) === 5 && readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === name;
        } catch {
          return false; // the thread ended
        }
      }).length;
    const s = await serve(plan);
    running.push(s);
    expect((await post(`${s.url}/v1/predict`, { inputs: row(0) })).status).toBe(200);
    await s.service.idle();
    const m = parseMetrics((await get(`${s.url}/metrics`)).body).samples;
    let chrt = process.platform === 'linux';
    try {
      execFileSync('chrt', ['--help'], { stdio: 'ignore' });
    } catch {
      chrt = false;
    }
    expect(m.get('m4_shadow_thread_sched_idle')).toBe(chrt ? 1 : 0);
    // Two new threads in SCHED_IDLE: the shadow arm's, and the comparisons' thread it started (which lowers itself
    // as it starts: wait for it, boundedly).
    expect(idleThreads('m4-shadow')).toBe(chrt ? 1 : 0);
    for (let k = 0; k < 200 && idleThreads('m4-comparisons') < (chrt ? 1 : 0); k++) await new Promise((r) => setTimeout(r, 50));
    expect(idleThreads('m4-comparisons')).toBe(chrt ? 1 : 0);
    if (process.platform === 'linux' && readdirSync('/proc/self/task').some((t) => readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8') !== '')) {
      expect(m.get('m4_shadow_thread_seconds_total{state="running"}')).toBeGreaterThan(0);
      expect(m.get('m4_shadow_thread_seconds_total{state="waiting"}')).toBeGreaterThanOrEqual(0);
    }
  });
});
