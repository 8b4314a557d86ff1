/**
 * `m4c import` speed (issue 14): a Triton repository of 100 members — an ensemble chaining 90 ONNX members
 * with fan-out every tenth step, and 10 python members declared external — imported by the real command
 * as a process (target < 1 s wall). Printed next to two baselines measured in the same run: `node -e 0`
 * and `m4c check` of the imported file (the compile that import runs at least once).
 *
 *   node scripts/build-cli.mjs && npx tsx bench/import.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { affineModel, writeEnsemble, writeMember, type StepSpec } from '../test/cli/import/support/triton-fixture.ts';

const ROOT = join(import.meta.dirname, '..');
const M4C = join(ROOT, 'bin/m4c.js');
const MEMBERS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const dir = mkdtempSync(join(tmpdir(), 'm4-bench-import-'));
const repo = join(dir, 'repo');
const steps: StepSpec[] = [];
for (let k = 0; k < MEMBERS; k++) {
  const name = `m${String(k).padStart(3, '0')}`;
  const python = k % 10 === 5;
  writeMember(repo, {
    name,
    backend: python ? 'python' : 'onnxruntime',
    maxBatchSize: 16,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'y', type: 'TYPE_FP32', dims: [4] }],
    versions: python ? undefined : { 1: affineModel({ input: 'x', output: 'y', dims: ['N', 4], factor: 1 + k / 100 }) },
  });
  // Every tenth step reads the ensemble input again (fan-out); the others continue the chain.
  const from = k === 0 || k % 10 === 0 ? 'IN' : `t${k - 1}`;
  steps.push({ model: name, inputMap: { x: from }, outputMap: { y: k === MEMBERS - 1 ? 'OUT' : `t${k}` } });
}
writeEnsemble(repo, {
  name: 'big',
  maxBatchSize: 16,
  inputs: [{ name: 'IN', type: 'TYPE_FP32', dims: [4] }],
  outputs: [{ name: 'OUT', type: 'TYPE_FP32', dims: [4] }],
  steps,
});

function wall(args: string[], runs = 5, okCodes = [0]): number {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    ts.push(performance.now() - t);
    if (!okCodes.includes(r.status ?? -1)) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return median(ts);
}

// Exit 1 is expected: the ten python members are written with TODOs.
const importMs = wall([M4C, 'import', 'repo', '-o', 'big.m4', '--force'], 5, [1]);
const checkMs = wall([M4C, 'check', 'big.m4']);
const nodeMs = wall(['-e', '0']);
console.log(
  `m4c import of a ${MEMBERS}-member Triton repository (${MEMBERS - MEMBERS / 10} ONNX, ${MEMBERS / 10} python): median ${importMs.toFixed(0)} ms over 5 runs (target < 1000 ms)`,
);
console.log(`  baselines, same run: m4c check of the imported file ${checkMs.toFixed(0)} ms; node -e 0 ${nodeMs.toFixed(0)} ms`);
