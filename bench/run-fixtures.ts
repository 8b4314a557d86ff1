/**
 * Fixtures shared by the run benchmarks: the A/B plan over two MLPs (30 → 256 → 256 → 2) and JSONL
 * replay files, generated once into /tmp/m4-bench-run/ and reused across invocations.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../plan/plan-types.ts';
import { abPlan, features, FEATURES } from '../test/runtime/support/plans.ts';

export const BENCH_DIR = '/tmp/m4-bench-run';

/** The A/B plan (input `x` → models `v1`, `v2` → outputs `p1`, `p2`), written to BENCH_DIR/ab.plan.json. */
export function benchPlan(): { plan: Plan; planPath: string; control: string; treatment: string } {
  mkdirSync(BENCH_DIR, { recursive: true });
  const { plan, control, treatment } = abPlan(BENCH_DIR, { hidden: [256, 256] });
  // Same work as the baseline: read `x`, run both models, keep both probability outputs.
  plan.inputs = plan.inputs.filter((i) => i.name === 'x');
  plan.nodes = plan.nodes.filter((n) => n.id !== 'label');
  plan.comparisons = [];
  plan.outputs = plan.outputs.filter((o) => o.name !== 'cls2');
  for (const n of plan.nodes) if (n.kind === 'model') n.outputs = n.outputs.filter((o) => o.name === 'probabilities');
  const planPath = join(BENCH_DIR, 'ab.plan.json');
  writeFileSync(planPath, JSON.stringify(plan));
  return { plan, planPath, control, treatment };
}

/** A replay of `rows` rows (`x`: 30 floats with 4 decimals, `label`), generated once. */
export function replayFile(rows: number): string {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, `replay-${rows}.jsonl`);
  if (existsSync(path) && statSync(path).size > rows * 100) return path;
  process.stderr.write(`generating ${path} ...\n`);
  const fd = openSync(`${path}.tmp`, 'w');
  const chunk = 10_000;
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    const x = features(n, start + 1);
    let s = '';
    for (let i = 0; i < n; i++) {
      let row = '{"x":[';
      for (let j = 0; j < FEATURES; j++) row += (j ? ',' : '') + x[i * FEATURES + j].toFixed(4);
      s += `${row}],"label":${(start + i) % 2}}\n`;
    }
    writeSync(fd, s);
  }
  closeSync(fd);
  spawnSync('mv', [`${path}.tmp`, path]);
  return path;
}

/** Read a file once so every contender starts with it in the page cache. */
export async function warm(path: string): Promise<void> {
  for await (const _ of createReadStream(path, { highWaterMark: 1 << 22 })) {
    /* read */
  }
}

/** The A/B plan cut down to the control model alone (input `x` → `v1` → `p1`). */
export function singleModelPlan(plan: Plan): Plan {
  const single = structuredClone(plan);
  single.nodes = single.nodes.filter((n) => n.id !== 'treat');
  single.outputs = single.outputs.filter((o) => o.name === 'p1');
  single.models = single.models.filter((m) => m.name === 'v1');
  single.edges = single.edges.filter((e) => e.to !== 'treat');
  return single;
}
