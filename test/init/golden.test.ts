/**
 * `m4c init` golden texts: for every ONNX fixture shape, alone and in pairs with differing signatures,
 * with and without a data sample, the generated file is exactly the reviewed text in
 * `test/init/golden/CASE.m4`, and it compiles (with no warnings either). Cases whose models differ in a
 * way no stdlib op bridges compile with exactly the errors their TODO comments quote.
 *
 * Regenerate after an intended change with `M4_UPDATE_GOLDEN=1 npx vitest run test/init` and review the diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { formatSource } from '../../compiler/format.ts';
import { generateInit, type InitOptions } from '../../cli/init/generate.ts';
import { makeInitWorkspace, type InitWorkspace } from './support/init-workspace.ts';

const update = process.env.M4_UPDATE_GOLDEN === '1';
const GOLDEN = join(import.meta.dirname, 'golden');

interface Case {
  name: string;
  model: string;
  candidate?: string;
  data?: string;
  label?: string;
  /** Declarations left with a TODO (the file has exactly this many compile errors). */
  todos?: number;
}

const CASES: Case[] = [
  // One model per fixture shape: a serving graph.
  { name: 'single-score', model: 'score' },
  { name: 'single-probabilities', model: 'binary' },
  { name: 'single-multiclass', model: 'multiclass' },
  { name: 'single-regression', model: 'regression' },
  { name: 'single-several-inputs', model: 'multiInput' },
  { name: 'single-int64-inputs', model: 'int64Input', data: 'counts.jsonl' },
  { name: 'single-non-identifiers', model: 'nonIdentifier' },
  { name: 'single-fixed-batch', model: 'fixedBatch' },
  { name: 'single-batch-size-symbol', model: 'batchSize' },
  { name: 'single-label-and-probabilities', model: 'multiOutput' },
  { name: 'single-zipmap', model: 'zipmap' },
  { name: 'single-columns-from-csv', model: 'binary', data: 'columns.csv' },
  { name: 'single-loose-names-and-gathering', model: 'multiInput', data: 'multi.jsonl' },
  // Pairs.
  { name: 'pair-same-signature-with-data', model: 'binary', candidate: 'mlp', data: 'x4.jsonl' },
  { name: 'pair-no-data', model: 'binary', candidate: 'mlp' },
  { name: 'pair-renamed-input', model: 'binary', candidate: 'batchSize', data: 'features.jsonl' },
  { name: 'pair-different-output-names', model: 'binary', candidate: 'renamedOutputs' },
  { name: 'pair-score-column-vs-probabilities', model: 'binary', candidate: 'score', data: 'columns.csv' },
  { name: 'pair-f64-vs-f32', model: 'binary', candidate: 'binary64', data: 'x4.jsonl' },
  { name: 'pair-column-vs-scalar-input', model: 'multiInput', candidate: 'scalarAmount', data: 'multi.jsonl' },
  { name: 'pair-non-identifiers', model: 'nonIdentifier', candidate: 'binary' },
  // The candidate's input `x` has a field of that name, which the control's input needs (by length): shared.
  { name: 'pair-control-field-by-length', model: 'nonIdentifier', candidate: 'binary', data: 'x4.jsonl' },
  { name: 'pair-zipmap', model: 'zipmap', candidate: 'binary' },
  { name: 'pair-regression', model: 'regression', candidate: 'regression', data: 'regression.jsonl' },
  { name: 'pair-multiclass', model: 'multiclass', candidate: 'multiOutput', data: 'multiclass.jsonl' },
  { name: 'pair-label-flag', model: 'binary', candidate: 'mlp', data: 'custom-label.jsonl', label: 'is_fraud' },
  { name: 'pair-fixed-batch', model: 'fixedBatch', candidate: 'score', data: 'x4.jsonl' },
  { name: 'pair-unbridgeable-input-width', model: 'binary', candidate: 'wide5', todos: 1 },
  { name: 'pair-unbridgeable-task', model: 'multiclass', candidate: 'binary', todos: 1 },
];

let ws: InitWorkspace;
beforeAll(() => {
  ws = makeInitWorkspace();
  if (update) mkdirSync(GOLDEN, { recursive: true });
});

function options(c: Case): InitOptions {
  return {
    model: `models/${c.model}.onnx`,
    candidate: c.candidate ? `models/${c.candidate}.onnx` : undefined,
    data: c.data ? `data/${c.data}` : undefined,
    label: c.label,
    output: `${c.name}.m4`,
    cwd: ws.dir,
  };
}

describe('m4c init golden texts', () => {
  it.each(CASES)('$name', async (c) => {
    const r = await generateInit(options(c));
    if (!r.ok) throw new Error(`init failed: ${r.message}\n${r.details ?? ''}`);
    expect(r.text).not.toContain(ws.dir);
    const golden = join(GOLDEN, `${c.name}.m4`);
    if (update || !existsSync(golden)) writeFileSync(golden, r.text);
    expect(r.text).toBe(readFileSync(golden, 'utf8'));
    // What `m4c fmt` would write: init's output is a fixed point of the formatter.
    const formatted = formatSource(r.text, `${c.name}.m4`);
    expect(formatted.ok && formatted.text).toBe(r.text);

    const compiled = compileSource(r.text, join(ws.dir, `${c.name}.m4`));
    const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
    expect(compiled.diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);
    expect(errors.length).toBe(c.todos ?? 0);
    expect(r.todos.length).toBe(c.todos ?? 0);
    if (c.todos) {
      // Each error sits in the declaration right under the TODO comment that quotes it.
      const lines = r.text.split('\n');
      for (const e of errors) {
        const above = lines.slice(0, e.span.line).reverse();
        const declStart = above.findIndex((l) => l.startsWith('//') || l === '');
        const rest = above.slice(declStart);
        const comments = rest.slice(
          0,
          rest.findIndex((l) => !l.startsWith('//')),
        );
        expect(comments.join(' ')).toContain(`TODO(m4 init)`);
        expect(comments.join(' ')).toContain(`error[${e.code}]`);
      }
    } else {
      expect(compiled.plan).toBeDefined();
      expect(r.text).not.toContain('TODO');
    }
  });

  it('has a golden file for every case and no stale ones', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(GOLDEN)
      .filter((f) => f.endsWith('.m4'))
      .sort();
    expect(files).toEqual(CASES.map((c) => `${c.name}.m4`).sort());
  });
});
