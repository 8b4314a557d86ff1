/**
 * What the label store of `m4c serve` costs the collector: a shadow server's store traffic without HTTP or
 * models — batches of 20 rows with their output tensors put in, a tenth of the rows labelled (consumed), the
 * rest evicted by the capacity (100,000, the default) — for 2,000,000 rows, in a fresh process per store:
 * this tree's and the one at `--before REF` (a git ref; default HEAD~1), alternating, `--rounds N` times. Prints
 * the wall time and the collector's pauses (scavenges and full collections, from the `gc` performance entries)
 * per 1,000 rows. Pauses are what an answer waits for while the store's objects are traced.
 *
 *   npx tsx bench/serve-label-store.ts [--before REF] [--rounds 3] [--rows 2000000]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { importAtRef } from './support/code-at-ref.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const ROWS = Number(arg('rows', '2000000'));
const BATCH = 20;
const CAPACITY = 100_000;

/** The two stores' APIs as used here (the previous one took an object per row). */
interface OldStore {
  put(pairs: object[]): void;
  get(id: string): { label: unknown } | undefined;
  delete(id: string): void;
}
interface NewStore {
  put(batch: object, rows: { id: string; rowId: number; fresh?: boolean }[]): void;
  get(id: string): object | undefined;
  delete(id: string): void;
}

async function child(which: 'this' | 'before', ref: string): Promise<void> {
  const mod =
    which === 'this'
      ? await import('../runtime/serve/pair-store.ts')
      : await importAtRef<typeof import('../runtime/serve/pair-store.ts')>(ref, 'runtime/serve/pair-store.ts', [
          'stdlib',
          'plan',
          'runtime',
          'package.json',
        ]);
  const store = new mod.PairStore({ ttlMs: 3_600_000, capacity: CAPACITY }) as unknown as OldStore & NewStore;
  const objectPerRow = !('markLabelled' in store);
  const pauses = { minor: 0, major: 0, majorCount: 0, maxMajor: 0 };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail: { kind: number } }).detail.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) pauses.minor += e.duration;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        pauses.major += e.duration;
        pauses.majorCount++;
        pauses.maxMajor = Math.max(pauses.maxMajor, e.duration);
      }
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const prefix = '5f0c2a9e41b7-';
  const t0 = performance.now();
  for (let first = 0; first < ROWS; first += BATCH) {
    // What a primary batch leaves: its output tensors, and per row the pending row's id and ordinal.
    const values = {
      score: { dtype: 'f32', data: new Float32Array(BATCH), dims: [BATCH] },
      probabilities: { dtype: 'f32', data: new Float32Array(BATCH * 2), dims: [BATCH, 2] },
    };
    const rows = Array.from({ length: BATCH }, (_, r) => ({ id: prefix + (first + r).toString(36), rowId: first + r, fresh: true })); // generated ids, as the server says
    if (objectPerRow)
      store.put(
        rows.map((p, r) => ({ id: p.id, rowId: p.rowId, at: Date.now(), row: r, control: values, treatment: null, unpaired: null, label: null })),
      );
    else store.put({ control: values, treatment: null, unpaired: null, early: null }, rows);
    // Feedback for a tenth of the rows, 20 batches late: found, then consumed.
    if (first >= BATCH * 20)
      for (let r = 0; r < BATCH; r += 10) {
        const id = prefix + (first - BATCH * 20 + r).toString(36);
        if (store.get(id) !== undefined) store.delete(id);
      }
  }
  const ms = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 50)); // the last gc entries
  obs.disconnect();
  const per = (x: number): string => ((x / ROWS) * 1000).toFixed(1);
  process.stdout.write(
    `${JSON.stringify({ which, ms: per(ms), minor: per(pauses.minor), major: per(pauses.major), majorCount: pauses.majorCount, maxMajor: pauses.maxMajor.toFixed(1) })}\n`,
  );
}

if (process.argv[2] === '--child') await child(process.argv[3] as 'this' | 'before', process.argv[4]!);
else {
  const ref = arg('before', 'HEAD~1');
  const rounds = Number(arg('rounds', '3'));
  console.log(
    `bench/serve-label-store.ts: ${ROWS.toLocaleString('en-US')} rows, capacity ${CAPACITY.toLocaleString('en-US')}, this tree vs ${ref}; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    '| store | wall ms per 1,000 rows | scavenge pauses ms per 1,000 rows | full-collection pauses ms per 1,000 rows (count, longest ms) |',
  );
  console.log('|---|---|---|---|');
  for (let round = 1; round <= rounds; round++)
    for (const which of ['before', 'this'] as const) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', which, ref, '--rows', String(ROWS)], {
        encoding: 'utf8',
      });
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, string>;
      console.log(`| ${round}: ${which === 'this' ? 'this tree' : ref} | ${r.ms} | ${r.minor} | ${r.major} (${r.majorCount}, ${r.maxMajor}) |`);
    }
}
