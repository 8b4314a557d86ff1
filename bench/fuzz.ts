/**
 * The mutation fuzz at scale (issue 11): 100,000 seeded mutants of the examples and the compiler's test
 * cases through check, lowering + plan schema, the renderer and fmt, in process. Prints the counts of each
 * broken promise (all should be 0), how many mutants checked clean and were formatted, the slowest mutant,
 * and the first problems with their mutants.
 *
 *   npx tsx bench/fuzz.ts [COUNT] [SEED]        (default 100000 20261204)
 *
 * CI runs a small count of the same fuzz (test/tools/m4-fuzz.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeOnnxFixtures } from '../test/support/onnx-fixtures.ts';
import { defaultSeeds, fuzz } from '../tools/m4-fuzz.ts';

const count = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? 20261204);
const fixtures = mkdtempSync(join(tmpdir(), 'm4-fuzz-'));
makeOnnxFixtures(join(fixtures, 'models'));
const seeds = defaultSeeds(join(import.meta.dirname, '..'), fixtures);

const t0 = performance.now();
const chunk = 10_000;
const totals = { uncaught: 0, internal: 0, location: 0, schema: 0, fmt: 0, slow: 0 };
let clean = 0;
let formatted = 0;
let slowest = 0;
const problems: ReturnType<typeof fuzz>['problems'] = [];
for (let done = 0; done < count; done += chunk) {
  const n = Math.min(chunk, count - done);
  const r = fuzz(seeds, { seed: seed + done, count: n, slowMs: 2000, keep: 3 });
  for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.counts[k];
  clean += r.clean;
  formatted += r.formatted;
  slowest = Math.max(slowest, r.slowestMs);
  for (const p of r.problems) if (problems.filter((x) => x.kind === p.kind).length < 3) problems.push(p);
  process.stderr.write(`${done + n}/${count} mutants, ${((performance.now() - t0) / 1000).toFixed(0)} s, so far ${JSON.stringify(totals)}\n`);
}
const secs = (performance.now() - t0) / 1000;
console.log(`mutants: ${count} (seed ${seed}, ${seeds.length} seed files) in ${secs.toFixed(1)} s (${(count / secs).toFixed(0)}/s)`);
console.log(`checked clean (plan validated): ${clean}; formatted (fmt re-run): ${formatted}; slowest mutant: ${slowest.toFixed(0)} ms`);
for (const [k, v] of Object.entries(totals)) console.log(`  ${k.padEnd(9)} ${v}`);
for (const p of problems) console.log(`\n${p.kind} (${p.seed}): ${p.detail}\n--- mutant (first 600 chars) ---\n${p.text.slice(0, 600)}`);
