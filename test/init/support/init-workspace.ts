/**
 * A temporary workspace for `m4c init` tests: `models/` with every ONNX fixture plus a few models that
 * differ from them in one way each (f64 input and output, renamed outputs, a per-row scalar input), and
 * `data/` with small deterministic samples shaped for each way of mapping fields to inputs.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModelBuilder, logisticRegressionModel } from '../../../tools/onnx-build.ts';
import { SeededRandom } from '../../../tools/seeded-random.ts';
import { makeOnnxFixtures, onnxFixtureParams } from '../../support/onnx-fixtures.ts';

/** Models written besides the shared fixtures, each differing from `binary` in one way. */
export const EXTRA_MODELS = ['binary64', 'renamedOutputs', 'wide5', 'scalarAmount'] as const;

/** Data samples, by file name, and what each is for. */
export const DATA_FILES = {
  'x4.jsonl': 'a list field named like the input (`x`), a `label`, a category `segment`',
  'features.jsonl': 'a list field with another name (`features`, matched by length) and a `target` label',
  'columns.csv': 'CSV columns f0..f3 gathered into one input, an `id` to ignore, label `y`, category `region`',
  'multi.jsonl': 'fields for two inputs: `Amount` (loose name) and f1..f3 (gathered)',
  'counts.jsonl': 'integer lists for an i64 input',
  'regression.jsonl': 'a float label `y`: regression',
  'multiclass.jsonl': 'labels 0..2 under `class`',
  'custom-label.jsonl': 'labels under a name only --label finds (`is_fraud`)',
  'unrelated.jsonl': 'fields that match no input',
} as const;

export interface InitWorkspace {
  dir: string;
  /** Absolute path of a model by fixture name (`notOnnx` is `not-onnx.onnx`). */
  model(name: string): string;
}

/** Make the workspace (a few milliseconds). */
export function makeInitWorkspace(prefix = 'm4-init-'): InitWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const fixtures: Record<string, string> = makeOnnxFixtures(join(dir, 'models'));
  writeExtraModels(join(dir, 'models'));
  writeData(join(dir, 'data'));
  return { dir, model: (name) => fixtures[name] ?? join(dir, 'models', `${name}.onnx`) };
}

function writeExtraModels(dir: string): void {
  const p = onnxFixtureParams.binary;
  // binary64: the `binary` logistic regression taking and returning f64.
  const b = new OnnxModelBuilder({ graphName: 'binary64' });
  const x = b.cast(b.input('x', 'f64', ['N', 4]), 'f32');
  const p1 = b.sigmoid(b.gemm(x, b.constF32(p.weights, [4, 1], 'W'), b.constF32([p.bias], [1], 'B')));
  const probs = b.concat([b.sub(b.constF32([1], [1], 'one'), p1), p1], 1);
  b.cast(probs, 'f64', 'probabilities');
  b.output('probabilities', 'f64', ['N', 2]);
  b.writeModel(join(dir, 'binary64.onnx'));

  logisticRegressionModel({ ...p, graphName: 'renamed', labelName: 'predicted_label', probabilitiesName: 'output_probability' }).writeModel(
    join(dir, 'renamedOutputs.onnx'),
  );
  logisticRegressionModel({ weights: [...p.weights, 0.25], bias: p.bias, graphName: 'wide5' }).writeModel(join(dir, 'wide5.onnx'));

  // scalarAmount: like multiInput, but `amount` is one value per row ([N]) instead of a column ([N, 1]).
  const m = new OnnxModelBuilder({ graphName: 'scalar_amount' });
  const amount = m.unsqueeze(m.input('amount', 'f32', ['N']), [1]);
  const features = m.input('features', 'f32', ['N', 3]);
  const w = onnxFixtureParams.multiInput;
  m.sigmoid(m.gemm(m.concat([amount, features], 1), m.constF32(w.weights, [4, 1], 'W'), m.constF32([w.bias], [1], 'B')), 'score');
  m.output('score', 'f32', ['N', 1]);
  m.writeModel(join(dir, 'scalarAmount.onnx'));
}

function writeData(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const rng = new SeededRandom(6);
  const num = () => Math.round(rng.normal() * 1000) / 1000;
  const rows = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
  const jsonl = (name: string, rs: unknown[]) => writeFileSync(join(dir, name), rs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const segments = ['north', 'south', 'west'];

  jsonl(
    'x4.jsonl',
    rows(60, (i) => ({ id: i + 1, x: rows(4, num), label: rng.int(2), segment: segments[i % 3] })),
  );
  jsonl(
    'features.jsonl',
    rows(40, () => ({ features: rows(4, num), target: rng.int(2) })),
  );
  const csv = ['id,f0,f1,f2,f3,y,region', ...rows(40, (i) => [i + 1, num(), num(), num(), num(), rng.int(2), i % 2 ? 'eu' : 'us'].join(','))];
  writeFileSync(join(dir, 'columns.csv'), `${csv.join('\n')}\n`);
  jsonl(
    'multi.jsonl',
    rows(40, () => ({ Amount: Math.round(rng.uniform(1, 500) * 100) / 100, f1: num(), f2: num(), f3: num(), label: rng.int(2) })),
  );
  jsonl(
    'counts.jsonl',
    rows(40, () => ({ counts: rows(3, () => rng.int(10)), label: rng.int(2) })),
  );
  jsonl(
    'regression.jsonl',
    rows(40, () => ({ x: rows(4, num), y: Math.round(rng.uniform(0, 50) * 1000) / 1000 + 0.5 })),
  );
  jsonl(
    'multiclass.jsonl',
    rows(45, (i) => ({ x: rows(4, num), class: i % 3 })),
  );
  jsonl(
    'custom-label.jsonl',
    rows(40, () => ({ x: rows(4, num), is_fraud: rng.int(2) })),
  );
  jsonl(
    'unrelated.jsonl',
    rows(10, (i) => ({ name: `row ${i}`, tags: ['a', 'b'] })),
  );
}
