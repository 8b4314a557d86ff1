/**
 * `m4c check` speed (issue 2).
 *
 *   npx tsx bench/check.ts
 *
 * 1. The compiler on a generated 20,000-node file, in process: median of 5 runs, nodes/s (target < 1 s).
 * 2. `m4c check examples/fraud/ab.m4` as a whole process, next to `node -e 0` measured in the same run
 *    (target < 0.5 s wall): start-up is what editors and CI pay on every call.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource } from '../compiler/compile.ts';

const ROOT = join(import.meta.dirname, '..');
const N = 20_000;

function generate(n: number): string {
  const lines = ['input x: f32[batch, 8]', 'input w: f32[batch, 8]', 'node n0 = standardize(x, mean: 0.0, std: 1.0)'];
  const ops = ['sigmoid(n{p})', 'add(n{p}, w)', 'clip(n{p}, min: -5.0, max: 5.0)', 'mul(n{p}, by: 0.5)', 'mean(n{p}, n{q})'];
  for (let i = 1; i < n; i++) {
    const op = ops[i % ops.length]!.replace('{p}', String(i - 1)).replace('{q}', String(Math.max(0, i - 7)));
    lines.push(`node n${i} = ${op}`);
  }
  lines.push(`output out = n${n - 1}`);
  return `${lines.join('\n')}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const text = generate(N);
const times: number[] = [];
let errors = 0;
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const c = compileSource(text, 'gen.m4', { noPlan: true });
  times.push(performance.now() - t0);
  errors = c.diagnostics.filter((d) => d.severity === 'error').length;
}
const ms = median(times);
console.log(
  `check of a generated ${N}-node file (${(text.length / 1e6).toFixed(2)} MB): median ${ms.toFixed(0)} ms over 5 runs, ${Math.round(N / (ms / 1000)).toLocaleString('en')} nodes/s, ${errors} errors (target < 1000 ms)`,
);
const t0 = performance.now();
const withPlan = compileSource(text, 'gen.m4');
console.log(`  with lowering to a plan: ${(performance.now() - t0).toFixed(0)} ms, ${withPlan.plan?.nodes.length ?? 0} plan nodes`);

function wall(args: string[], runs = 7): number {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    ts.push(performance.now() - t);
    if (r.status !== 0 && args[0] !== '-e') throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return median(ts);
}
const tmp = mkdtempSync(join(tmpdir(), 'm4-bench-check-'));
writeFileSync(join(tmp, 'gen.m4'), text);
const node0 = wall(['-e', '0']);
const check = wall([join(ROOT, 'bin/m4c.js'), 'check', 'examples/fraud/ab.m4']);
const checkSrc = wall([join(ROOT, 'bin/m4c.js'), 'check', 'examples/fraud/ab.m4'], 3);
console.log(`whole process, median of 7: node -e 0 ${node0.toFixed(0)} ms | m4c check examples/fraud/ab.m4 ${check.toFixed(0)} ms (target < 500 ms)`);
const noBundle = (() => {
  const ts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    spawnSync(process.execPath, [join(ROOT, 'bin/m4c.js'), 'check', 'examples/fraud/ab.m4'], {
      cwd: ROOT,
      env: { ...process.env, M4_NO_BUNDLE: '1' },
    });
    ts.push(performance.now() - t);
  }
  return median(ts);
})();
console.log(
  `  the same through tsx without the npm-ci bundle (M4_NO_BUNDLE=1): ${noBundle.toFixed(0)} ms; check of the 20,000-node file as a process: ${wall([join(ROOT, 'bin/m4c.js'), 'check', join(tmp, 'gen.m4')], 3).toFixed(0)} ms`,
);
void checkSrc;
