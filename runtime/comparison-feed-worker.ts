/**
 * Entry point of a replay's comparison feed thread (comparison-feed.ts): it holds the comparisons'
 * accumulators while the main thread reads the data, feeds them every batch in the order posted, and
 * hands them back when told the rows are done. With a bootstrap to come, it then takes resamples as a
 * warm resample worker (its workerData carries that worker's flag and port).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createComparison, type Comparison } from '../stdlib/metrics/comparison.ts';
import { M4Error } from '../plan/errors.ts';
import { unpackBatch } from './comparison-packing.ts';
import type { FeedInit, FromFeed, ToFeed } from './comparison-feed-protocol.ts';

const init = workerData as FeedInit;
const done = new Int32Array(init.progress, 0, 1);
const storeRows = new Float64Array(init.progress, 8);
const port = parentPort!;
const accs = new Map<string, { acc: Comparison; index: number }>();
let failed = false;

// With a bootstrap to come, this thread is also one of its warm resample workers (resample-pool.ts).
if (init.port !== undefined) await import('../stdlib/metrics/resample-worker.ts');

port.on('message', (m: ToFeed) => {
  if (failed) return;
  try {
    switch (m.kind) {
      case 'open': {
        const acc = createComparison(m.spec) as Comparison;
        // The main thread starts the result's threads: this one only reports its store's rows.
        acc.warmThreads = false;
        accs.set(m.name, { acc, index: m.index });
        return;
      }
      case 'batches':
        for (const { name, batch } of m.items) {
          const o = accs.get(name)!;
          o.acc.update(unpackBatch(batch));
          storeRows[o.index] = o.acc.store?.n ?? 0;
          Atomics.add(done, 0, batch.rows);
        }
        Atomics.notify(done, 0);
        return;
      case 'finish': {
        const items = [...accs].map(([name, o]) => ({ name, transfer: o.acc.toTransfer() }));
        accs.clear();
        port.postMessage({ kind: 'done', items } satisfies FromFeed);
        return;
      }
    }
  } catch (err) {
    failed = true;
    const e = err as Error;
    port.postMessage({ kind: 'error', message: e.message, exitCode: e instanceof M4Error ? e.exitCode : null } satisfies FromFeed);
    // The main thread may be waiting for rows to be done.
    Atomics.notify(done, 0);
  }
});
