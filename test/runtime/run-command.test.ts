/**
 * `m4c run` end to end: the real binary in a child process, real ONNX files, real replay files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/plan-types.ts';
import { writeReplay } from './support/jsonl-data.ts';
import { writeMlp } from './support/onnx-models.ts';
import { abPlan, FEATURES } from './support/plans.ts';

const BIN = resolve(import.meta.dirname, '../../bin/m4c.js');
let dir: string;
let plan: Plan;
let x: Float32Array;

function m4c(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'run', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('internal error');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-run-cmd-'));
  plan = abPlan(dir, { withOps: true }).plan;
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
  x = writeReplay(join(dir, 'data.jsonl'), 300, { 17: '{"x": [1, 2], "label": 0}', 40: '{"x": [1, 2' });
  writeFileSync(
    join(dir, 'ab.m4'),
    [
      'input x: f32[batch, 30]',
      'model v1 = onnx("v1.onnx")',
      'node positive = column(v1(x: x).probabilities, index: 1)',
      'output score = positive',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('m4c run', () => {
  it('replays a plan, writes the outputs per row and summarises skipped rows', async () => {
    const r = m4c('plan.json', '--data', 'data.jsonl', '--out', 'preds.jsonl', '--batch-size', '64');
    expect(r.code).toBe(0);
    expectNoStack(r.stderr);
    expect(r.stderr).toContain('m4c run: 300 rows processed in 5 batches');
    expect(r.stderr).toContain('rows read: 302, skipped: 2 (wrong-length: 1, invalid-json: 1)');
    expect(r.stderr).toContain('line 19: wrong-length: field "x": expected 30 numbers, got 2');
    expect(r.stderr).toMatch(/line 43: invalid-json: /);

    const preds = readFileSync(join(dir, 'preds.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(preds).toHaveLength(300);
    expect(preds[18].row).toBe(20); // the malformed line 19 is skipped, not renumbered
    const s = await ort.InferenceSession.create(join(dir, 'v2.onnx'), { intraOpNumThreads: 1 });
    const ref = await s.run({ x: new ort.Tensor('float32', x, [300, FEATURES]) });
    const p = ref.probabilities.data as Float32Array;
    const cls = ref.label.data as BigInt64Array;
    for (let i = 0; i < 300; i++) {
      const got = preds[i].p2 as number[];
      expect(Math.fround(got[0])).toBe(p[2 * i]);
      expect(Math.fround(got[1])).toBe(p[2 * i + 1]);
      expect(preds[i].cls2).toBe(Number(cls[i]));
    }
  });

  it('compiles and runs a .m4 file', () => {
    const r = m4c('ab.m4', '--data', 'data.jsonl', '--out', 'score.jsonl', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const first = JSON.parse(readFileSync(join(dir, 'score.jsonl'), 'utf8').split('\n')[0]) as { row: number; score: number };
    expect(first.row).toBe(1);
    expect(first.score).toBeGreaterThan(0);
    expect(first.score).toBeLessThan(1);
  });

  it('stops at the first malformed row with --on-bad-row fail: exit 3, one line with the line number', () => {
    const r = m4c('plan.json', '--data', 'data.jsonl', '--on-bad-row', 'fail', '--quiet');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('m4c: data.jsonl:19: bad row (wrong-length): field "x": expected 30 numbers, got 2\n');
  });

  it('a model failure is one line naming the node, its .m4 location and the rows: exit 3', () => {
    const p = structuredClone(plan);
    p.models[1].sha256 = writeMlp(join(dir, 'v2-31.onnx'), { inputs: 31, hidden: [16], seed: 3 });
    p.models[1].path = join(dir, 'v2-31.onnx');
    writeFileSync(join(dir, 'bad-shape.json'), JSON.stringify(p));
    // 100 good rows span lines 1–102: the malformed lines 19 and 43 are skipped.
    const r = m4c('bad-shape.json', '--data', 'data.jsonl', '--batch-size', '100', '--engine', 'main', '--quiet');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^m4c: node `treat` \(ab\.m4:9:3\), rows at lines 1–102: Got invalid dimensions for input: x .*\n$/);
  });

  it('a missing model file or data file is a usage error (exit 2) before anything runs', () => {
    const p = structuredClone(plan);
    p.models[0].path = join(dir, 'missing.onnx');
    p.models[0].source_path = 'missing.onnx';
    writeFileSync(join(dir, 'missing-model.json'), JSON.stringify(p));
    const r = m4c('missing-model.json', '--data', 'data.jsonl');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^m4c: missing-model\.json: model `v1` \(ab\.m4:5:1\): file not found: .*missing\.onnx; recompile/);
    expectNoStack(r.stderr);

    const d = m4c('plan.json', '--data', 'nope.jsonl');
    expect(d.code).toBe(2);
    expect(d.stderr).toBe('m4c: nope.jsonl: no such file\n');
  });

  it('reads the plan\'s default data (`replay "..."`) when --data is not given', () => {
    writeFileSync(join(dir, 'with-replay.json'), JSON.stringify({ ...plan, default_data: join(dir, 'data.jsonl') }));
    const r = m4c('with-replay.json', '--out', 'default.jsonl', '--limit', '10');
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'default.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10);
    const none = m4c('plan.json');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('m4c: plan.json declares no `replay "..."`: pass the rows to replay with --data PATH (or - for standard input)\n');
  });

  it('rejects bad flags with a usage error', () => {
    const r = m4c('plan.json', '--data', 'data.jsonl', '--batch-size', 'many');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--batch-size <n>' argument 'many' is invalid");
  });

  it('Ctrl-C stops between batches with a summary and exit 130', async () => {
    writeReplay(join(dir, 'big.jsonl'), 40_000);
    const out = join(dir, 'partial.jsonl');
    const child = spawn(process.execPath, [BIN, 'run', 'plan.json', '--data', 'big.jsonl', '--batch-size', '1', '--engine', 'main', '--out', out], {
      cwd: dir,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let done = false;
    const exited = new Promise<number | null>((res) =>
      child.on('exit', (code) => {
        done = true;
        res(code);
      }),
    );
    // The output file gets rows once the run is under way (the SIGINT handler is in place by then).
    const deadline = Date.now() + 30_000;
    while (!done && !(existsSync(out) && statSync(out).size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/m4c run: interrupted \(Ctrl-C\): [\d,]+ rows? processed/);
    expectNoStack(stderr);
    const written = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(40_000);
    // Whole rows only: the file ends with a complete record.
    expect(() => JSON.parse(written[written.length - 1])).not.toThrow();
  });
});
