/**
 * `m4c init --candidate` when both models name their input alike but need different shapes (24 vs 25
 * frames of 96): with a data field that fits each, the candidate gets an `input` of its own, fed from the
 * other field, rather than a TODO (or a cut of the control's frames). The generated file passes
 * `m4c check` and `m4c run` through the real binary. Without such a field, the old behaviour holds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateInit } from '../../cli/init/generate.ts';
import { OnnxModelBuilder } from '../../tools/onnx-build.ts';
import { SeededRandom } from '../../tools/seeded-random.ts';
import { hasStackTrace, runM4c } from '../support/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-init-own-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A binary model over `frames: f32[N, count, 96]`: the sigmoid of the mean of the frames, times `gain`. */
function framesModel(count: number, gain: number): string {
  const b = new OnnxModelBuilder({ graphName: `frames${count}` });
  const x = b.input('frames', 'f32', ['N', count, 96]);
  const pooled = b.reduceMean(x, [1, 2], false);
  const scaled = b.mul(b.unsqueeze(pooled, [1]), b.constF32([gain], [1], 'gain'));
  b.sigmoid(scaled, 'score');
  b.output('score', 'f32', ['N', 1]);
  const path = join(dir, `frames${count}.onnx`);
  b.writeModel(path);
  return path;
}
framesModel(24, 8);
framesModel(25, 6);

/** 40 rows: `frames` of 24×96, `frames_long` of 25×96 (the same clip with one more frame), a 0/1 label. */
function writeData(fields: 'both' | 'short-only'): string {
  const rng = new SeededRandom(24);
  const rows: string[] = [];
  for (let i = 0; i < 40; i++) {
    const label = i % 2;
    const frame = () => Array.from({ length: 96 }, () => Math.round((rng.normal() * 0.5 + (label ? 0.3 : -0.3)) * 100) / 100);
    const long = Array.from({ length: 25 }, frame);
    const row: Record<string, unknown> = { id: i, frames: long.slice(0, 24), label };
    if (fields === 'both') row.frames_long = long;
    rows.push(JSON.stringify(row));
  }
  const path = join(dir, `clips-${fields}.jsonl`);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}
writeData('both');
writeData('short-only');

describe('m4c init: a candidate input named like the control one, shaped differently', () => {
  it('24 vs 25 frames with a field for each: the candidate reads its own input; the file checks and runs', async () => {
    const r = await generateInit({ model: 'frames24.onnx', candidate: 'frames25.onnx', data: 'clips-both.jsonl', output: 'ab.m4', cwd: dir });
    if (!r.ok) throw new Error(r.message);
    expect(r.todos).toEqual([]);
    expect(r.text).not.toContain('TODO');
    expect(r.text).toMatch(/^input frames: +f32\[batch, 24, 96\]/m);
    expect(r.text).toMatch(/^input frames_frames25: +f32\[batch, 25, 96\] from "frames_long"/m);
    expect(r.text).toContain('frames25(frames: frames_frames25).score');
    expect(r.text).toContain('frames24(frames: frames).score');
    expect(r.text.replace(/\n\/\/ /g, ' ')).toContain('frames25 reads its own input `frames_frames25`, from a field of that shape');
    writeFileSync(join(dir, 'ab.m4'), r.text);

    const check = runM4c(['check', 'ab.m4'], { cwd: dir });
    expect(check.stderr).toContain('0 errors');
    expect(check.code).toBe(0);
    const run = runM4c(['run', 'ab.m4'], { cwd: dir });
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stderr).toContain('40 rows');
    // Gates may pass or fail on 40 rows; either way the replay completed (exit 0 or 1, never 2).
    expect([0, 1]).toContain(run.code);
    expect(run.stdout + run.stderr).toMatch(/auroc/);
  }, 120_000);

  it('25 vs 24 with a field for each: the candidate reads its own 24 frames rather than a cut of the 25', async () => {
    const r = await generateInit({ model: 'frames25.onnx', candidate: 'frames24.onnx', data: 'clips-both.jsonl', output: 'ab.m4', cwd: dir });
    if (!r.ok) throw new Error(r.message);
    expect(r.todos).toEqual([]);
    expect(r.text).toMatch(/^input frames: +f32\[batch, 25, 96\] from "frames_long"/m);
    expect(r.text).toMatch(/^input frames_frames24: +f32\[batch, 24, 96\] from "frames"/m);
    expect(r.text).not.toContain('slice(');
  });

  it('no field of the candidate shape: a 25-frame candidate is still a TODO, a 24-frame one a slice', async () => {
    const todo = await generateInit({
      model: 'frames24.onnx',
      candidate: 'frames25.onnx',
      data: 'clips-short-only.jsonl',
      output: 'ab.m4',
      cwd: dir,
    });
    if (!todo.ok) throw new Error(todo.message);
    expect(todo.todos).toHaveLength(1);
    expect(todo.text).toContain('TODO(m4 init): no stdlib op bridges `frames`');
    const noData = await generateInit({ model: 'frames25.onnx', candidate: 'frames24.onnx', output: 'ab.m4', cwd: dir });
    if (!noData.ok) throw new Error(noData.message);
    expect(noData.text).toContain('slice(frames, end: 24, axis: 1)');
  });
});
