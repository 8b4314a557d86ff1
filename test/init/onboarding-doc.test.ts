/**
 * docs/onboarding.md shows what `m4c init` writes for the fraud example: the shown file must be exactly
 * what init generates today (init only computes here; nothing is written).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateInit } from '../../cli/init/generate.ts';

const ROOT = join(import.meta.dirname, '../..');

describe('docs/onboarding.md', () => {
  it('shows the file init writes for the fraud example', async () => {
    const doc = readFileSync(join(ROOT, 'docs/onboarding.md'), 'utf8');
    const shown = /```m4\n([\s\S]*?)```/.exec(doc)![1];
    const r = await generateInit({
      model: 'examples/fraud/models/fraud-v1.onnx',
      candidate: 'examples/fraud/models/fraud-v2.onnx',
      data: 'examples/fraud/data/replay.jsonl',
      output: 'ab.m4',
      cwd: ROOT,
    });
    if (!r.ok) throw new Error(r.message);
    expect(shown).toBe(r.text);
  });
});
