/**
 * A two-model graph for the serving tests, written to a temporary folder: a small control MLP and a
 * treatment MLP of the same interface with wide hidden layers (`slowness` scales its work per row).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeMlp } from '../support/onnx-models.ts';

/** Write `ab.m4` and its two models into `dir`; returns the `.m4` path. */
export function writeServeGraph(dir: string, opts: { slowHidden?: number; gates?: string[]; extra?: string } = {}): string {
  writeMlp(join(dir, 'control.onnx'), { inputs: 8, hidden: [8], seed: 1 });
  const wide = opts.slowHidden ?? 16;
  writeMlp(join(dir, 'treatment.onnx'), { inputs: 8, hidden: [wide, wide], seed: 2 });
  const gates = (opts.gates ?? ['gate agreement >= 0.5']).map((g) => `  ${g}`).join('\n');
  const src = `input x: f32[batch, 8]
input label: i64[batch] optional
input user: str[batch] optional
model a = onnx("control.onnx")
model b = onnx("treatment.onnx")
node control = column(a(x: x).probabilities, index: 1)
node treat = column(b(x: x).probabilities, index: 1)
compare b_vs_a {
  control: control
  treatment: treat
  label: label
  task: binary(threshold: 0.5)
  metrics: [accuracy, recall, agreement]
${gates}
}
${opts.extra ?? ''}
output score = treat
`;
  const path = join(dir, 'ab.m4');
  writeFileSync(path, src);
  return path;
}

/** A request row of the test graph. */
export function row(i: number, user?: string): Record<string, unknown> {
  const x = Array.from({ length: 8 }, (_, k) => Math.sin(i * 7 + k * 3));
  return user === undefined ? { x } : { x, user };
}
