/**
 * `m4c init` finds a label that is not named like one from its values (exactly the model's classes),
 * and never writes a label-free comparison without saying why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateInit } from '../../cli/init/generate.ts';
import { logisticRegressionModel, multiclassModel } from '../../tools/onnx-build.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-init-label-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

logisticRegressionModel({ weights: [1, -1, 0.5, 0], bias: 0 }).writeModel(join(dir, 'v1.onnx'));
logisticRegressionModel({ weights: [1, -1, 0.4, 0.1], bias: 0 }).writeModel(join(dir, 'v2.onnx'));
const rows = (extra: (i: number) => Record<string, unknown>) =>
  `${Array.from({ length: 30 }, (_, i) => JSON.stringify({ x: [i, 1, 2, 3], ...extra(i) })).join('\n')}\n`;

describe('init label detection', () => {
  it('takes a 0/1 field not named like a label for a binary model, and says how it was found', async () => {
    writeFileSync(
      join(dir, 'outcome.jsonl'),
      rows((i) => ({ outcome_code: i % 2, bucket: i % 7 })),
    );
    const r = await generateInit({ model: 'v1.onnx', candidate: 'v2.onnx', data: 'outcome.jsonl', output: 'out.m4', cwd: dir });
    if (!r.ok) throw new Error(r.message);
    expect(r.text).toMatch(/^input outcome_code: i64\[batch\] optional .*found by their values: 2 classes/m);
    expect(r.text).toContain('label:     outcome_code');
    expect(r.text).toContain('auroc.delta >= -0.01 at 95%');
  });

  it('takes a 0..2 field for a 3-class model', async () => {
    multiclassModel({ weights: Array.from({ length: 12 }, (_, i) => 0.1 * i), bias: [0, 0, 0], classes: 3 }).writeModel(join(dir, 'm3.onnx'));
    writeFileSync(
      join(dir, 'species.jsonl'),
      rows((i) => ({ species: i % 3 })),
    );
    const r = await generateInit({ model: 'm3.onnx', candidate: 'm3.onnx', data: 'species.jsonl', output: 'out.m4', cwd: dir });
    if (!r.ok) throw new Error(r.message);
    expect(r.text).toContain('label:     species');
  });

  it('says why a comparison is label-free', async () => {
    writeFileSync(
      join(dir, 'nolabel.jsonl'),
      rows((i) => ({ score_bucket: i % 5 })),
    );
    const r = await generateInit({ model: 'v1.onnx', candidate: 'v2.onnx', data: 'nolabel.jsonl', output: 'out.m4', cwd: dir });
    if (!r.ok) throw new Error(r.message);
    expect(r.text).toMatch(/No label: no field of nolabel\.jsonl is named like one .* Name it with --label FIELD/s);
    const bare = await generateInit({ model: 'v1.onnx', candidate: 'v2.onnx', output: 'out.m4', cwd: dir });
    if (!bare.ok) throw new Error(bare.message);
    expect(bare.text).toContain('No label: no data sample was given (--data)');
  });
});
