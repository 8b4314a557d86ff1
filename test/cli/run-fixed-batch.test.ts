/**
 * A model exported with a fixed batch of 1 makes the graph's row dimension 1: `m4c run` then batches rows
 * one at a time by default, instead of failing on the first 1024-row batch.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOnnxFixtures } from '../support/onnx-fixtures.ts';
import { runM4c } from '../support/run-cli.ts';

describe('m4c run on a fixed batch of 1', () => {
  it('uses batches of the fixed row dimension', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-fixed-'));
    makeOnnxFixtures(join(dir, 'models'));
    writeFileSync(join(dir, 'g.m4'), 'input x: f32[batch, 4]\nmodel one = onnx("models/fixedBatch.onnx")\noutput s = one(x: x)\n');
    writeFileSync(join(dir, 'd.jsonl'), [1, 2, 3].map((i) => JSON.stringify({ x: [1, 2, 3, i] })).join('\n'));
    const r = runM4c(['run', join(dir, 'g.m4'), '--data', join(dir, 'd.jsonl'), '--out', join(dir, 'o.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('3 rows processed in 3 batches');
    expect(readFileSync(join(dir, 'o.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
