/**
 * Bounded memory under a steady load, compressed in time: 40 rounds of 500 rows with labels for half of them,
 * a 1 s label TTL, a 600-row label store and 2,000-pair windows. The store never exceeds its capacity,
 * evictions are counted, windows fold into the cumulative state, and the heap stays flat from round 10 to
 * round 40 (the graph's metrics keep no per-row state) — the main thread's, and the shadow arm's thread's, where
 * the label store lives (a full collection there too: the flag below holds for threads started after it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../runtime/collect-garbage.ts';
import { compiled, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const plan = compiled(writeServeGraph(mkdtempSync(join(tmpdir(), 'm4-serve-steady-'))));

describe('steady load', () => {
  it('keeps the label store bounded and the heap flat', async () => {
    const s = await serve(plan, { labelTtlMs: 1000, labelCapacity: 600, window: { rows: 2000 }, maxBatch: 128 });
    try {
      const heap: number[] = [];
      const shadowHeap: number[] = [];
      const rss: number[] = [];
      for (let round = 0; round < 40; round++) {
        const rows = Array.from({ length: 500 }, (_, i) => row(round * 500 + i));
        const r = await post(`${s.url}/v1/predict`, { rows }, { 'x-request-id': `r${round}` });
        expect(r.status).toBe(200);
        await s.service.idle();
        const labels = Array.from({ length: 250 }, (_, i) => ({ request_id: `r${round}:${i * 2}`, label: i % 2 }));
        expect((await post(`${s.url}/v1/feedback`, { labels })).status).toBe(200);
        if (round % 10 === 9) {
          // A full collection before each measurement, so the heap holds live objects only.
          collectGarbage();
          const m = process.memoryUsage();
          heap.push(m.heapUsed / 2 ** 20);
          shadowHeap.push((await s.service.shadowHeapUsed())! / 2 ** 20);
          rss.push(m.rss / 2 ** 20);
        }
      }
      const { samples } = parseMetrics((await get(`${s.url}/metrics`)).body);
      expect(samples.get('m4_label_store_entries')).toBeLessThanOrEqual(600);
      expect(samples.get('m4_label_store_evicted_total{reason="evicted"}') ?? 0).toBeGreaterThan(0);
      expect(samples.get('m4_feedback_labels_total{result="joined"}')).toBeGreaterThan(0);
      expect(samples.get('m4_comparison_windows_total{comparison="b_vs_a"}')).toBeGreaterThanOrEqual(9);
      console.log(
        `steady load: heap MB at rounds 10/20/30/40: ${heap.map((h) => h.toFixed(0)).join('/')}; shadow thread's ${shadowHeap.map((h) => h.toFixed(0)).join('/')}; rss MB ${rss.map((h) => h.toFixed(0)).join('/')}`,
      );
      // Flat: 15,000 more rows add no per-row state (a leak of even 1 KB a row would add 15 MB).
      expect(heap[3]! - heap[0]!).toBeLessThan(10);
      expect(shadowHeap[3]! - shadowHeap[0]!).toBeLessThan(10);
    } finally {
      await s.shutdown();
    }
  }, 120_000);
});
