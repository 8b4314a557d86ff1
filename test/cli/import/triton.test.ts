/**
 * `m4c import` on self-made Triton repositories (members built with tools/onnx-build): chains, fan-out and
 * fan-in, a tensor read by two steps, max_batch_size 0 and > 0, -1 dims, reshape, optional inputs, string
 * inputs, a python member, a candidate version. Each imported file checks, and `m4c run` on it gives the
 * outputs of running the members by hand with onnxruntime-node.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { runImport, type ImportOutcome } from '../../../cli/import/run-import.ts';
import { compileSource } from '../../../compiler/compile.ts';
import { runM4c } from '../../support/run-cli.ts';
import { affineModel, idFeatureModel, sumModel, twoColumnModel, vocabModel, writeEnsemble, writeMember } from './support/triton-fixture.ts';

let dir: string;

function importRepo(name: string, extra: { model?: string; candidate?: string } = {}): ImportOutcome {
  return runImport({ path: name, cwd: dir, output: `${name}.m4`, command: `m4c import ${name}`, ...extra });
}

function writeOut(r: ImportOutcome): string {
  writeFileSync(r.outFile!, r.text!);
  return r.outFile!;
}

/** Rows through `m4c run --out`, as parsed objects. */
function runGraph(file: string, rows: object[]): Record<string, unknown>[] {
  const data = `${file}.data.jsonl`;
  writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n'));
  const out = `${file}.out.jsonl`;
  const res = runM4c(['run', file, '--data', data, '--out', out], { cwd: dir });
  expect(res.stderr).not.toMatch(/error/i);
  expect(res.code).toBe(0);
  return readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Run one member by hand. */
async function member(path: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(path);
  return s.run(feeds) as Promise<Record<string, ort.Tensor>>;
}

const f32 = (rows: number[][]) => new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);

function expectClose(actual: unknown, expected: ArrayLike<number>): void {
  const flat = (actual as unknown[]).flat(3) as number[];
  expect(flat.length).toBe(expected.length);
  flat.forEach((v, i) => expect(v).toBeCloseTo(Number(expected[i]), 6));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-import-triton-'));
  // chain, max_batch_size > 0, two versions of the classifier
  writeMember(join(dir, 'chain'), {
    name: 'pre',
    maxBatchSize: 8,
    inputs: [{ name: 'RAW', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'FEATS', type: 'TYPE_FP32', dims: [4] }],
    versions: { 1: affineModel({ input: 'RAW', output: 'FEATS', dims: ['N', 4], factor: 2, offset: -1 }) },
  });
  writeMember(join(dir, 'chain'), {
    name: 'clf',
    maxBatchSize: 8,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'probabilities', type: 'TYPE_FP32', dims: [2] }],
    versions: {
      1: twoColumnModel({ input: 'x', output: 'probabilities', width: 4 }),
      2: twoColumnModel({ input: 'x', output: 'probabilities', width: 4, sign: -1 }),
    },
  });
  writeEnsemble(join(dir, 'chain'), {
    name: 'scoring',
    maxBatchSize: 8,
    inputs: [{ name: 'RAW', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'PROB', type: 'TYPE_FP32', dims: [2] }],
    steps: [
      { model: 'pre', inputMap: { RAW: 'RAW' }, outputMap: { FEATS: 'feats' } },
      { model: 'clf', inputMap: { x: 'feats' }, outputMap: { probabilities: 'PROB' } },
    ],
  });

  writeMember(join(dir, 'chain_v2'), {
    name: 'pre',
    maxBatchSize: 8,
    inputs: [{ name: 'RAW', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'FEATS', type: 'TYPE_FP32', dims: [4] }],
    versions: { 1: affineModel({ input: 'RAW', output: 'FEATS', dims: ['N', 4], factor: 2, offset: -1 }) },
  });
  writeMember(join(dir, 'chain_v2'), {
    name: 'clf',
    maxBatchSize: 8,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'probabilities', type: 'TYPE_FP32', dims: [2] }],
    versions: { 1: twoColumnModel({ input: 'x', output: 'probabilities', width: 4 }) },
  });
  writeEnsemble(join(dir, 'chain_v2'), {
    name: 'scoring',
    maxBatchSize: 8,
    inputs: [{ name: 'RAW', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'PROB', type: 'TYPE_FP32', dims: [2] }],
    steps: [
      { model: 'pre', inputMap: { RAW: 'RAW' }, outputMap: { FEATS: 'feats' } },
      { model: 'clf', inputMap: { x: 'feats' }, outputMap: { probabilities: 'PROB' } },
    ],
  });

  // fan-out and fan-in: `t` is read by two steps, whose outputs are summed; max_batch_size 0 with -1 dims
  const fan = join(dir, 'fan');
  writeMember(fan, {
    name: 'a',
    maxBatchSize: 0,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [-1, 3] }],
    outputs: [{ name: 'y', type: 'TYPE_FP32', dims: [-1, 3] }],
    versions: { 1: affineModel({ input: 'x', output: 'y', dims: ['N', 3], factor: 3 }) },
  });
  writeMember(fan, {
    name: 'b',
    maxBatchSize: 0,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [-1, 3] }],
    outputs: [{ name: 'y', type: 'TYPE_FP32', dims: [-1, 3] }],
    versions: { 1: affineModel({ input: 'x', output: 'y', dims: ['N', 3], factor: -1, offset: 0.5 }) },
  });
  writeMember(fan, {
    name: 'c',
    maxBatchSize: 0,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [-1, 3] }],
    outputs: [{ name: 'y', type: 'TYPE_FP32', dims: [-1, 3] }],
    versions: { 2: affineModel({ input: 'x', output: 'y', dims: ['N', 3], factor: 10 }) },
  });
  writeMember(fan, {
    name: 'sum',
    maxBatchSize: 0,
    inputs: [
      { name: 'l', type: 'TYPE_FP32', dims: [-1, 3] },
      { name: 'r', type: 'TYPE_FP32', dims: [-1, 3] },
    ],
    outputs: [{ name: 's', type: 'TYPE_FP32', dims: [-1, 3] }],
    versions: { 1: sumModel({ a: 'l', b: 'r', output: 's', dims: ['N', 3] }) },
  });
  writeEnsemble(fan, {
    name: 'fan',
    maxBatchSize: 0,
    inputs: [{ name: 'IN', type: 'TYPE_FP32', dims: [-1, 3] }],
    outputs: [
      { name: 'OUT', type: 'TYPE_FP32', dims: [-1, 3] },
      { name: 'T', type: 'TYPE_FP32', dims: [-1, 3] },
    ],
    steps: [
      { model: 'sum', inputMap: { l: 'u', r: 'v' }, outputMap: { s: 'OUT' } }, // listed first: the order of steps does not matter
      { model: 'a', inputMap: { x: 'IN' }, outputMap: { y: 'T' } },
      { model: 'b', inputMap: { x: 'T' }, outputMap: { y: 'u' } },
      { model: 'c', inputMap: { x: 'T' }, outputMap: { y: 'v' } },
    ],
  });

  // reshape (a size-1 axis added for the model and dropped again), an optional input
  const rs = join(dir, 'reshape');
  writeMember(rs, {
    name: 'col',
    maxBatchSize: 4,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [4], reshape: [4, 1] }],
    outputs: [{ name: 'y', type: 'TYPE_FP32', dims: [4], reshape: [4, 1] }],
    versions: { 1: affineModel({ input: 'x', output: 'y', dims: ['N', 4, 1], factor: 0.5 }) },
  });
  writeMember(rs, {
    name: 'add',
    maxBatchSize: 4,
    inputs: [
      { name: 'l', type: 'TYPE_FP32', dims: [4] },
      { name: 'r', type: 'TYPE_FP32', dims: [4], optional: true },
    ],
    outputs: [{ name: 's', type: 'TYPE_FP32', dims: [4] }],
    versions: { 1: sumModel({ a: 'l', b: 'r', output: 's', dims: ['N', 4] }) },
  });
  writeEnsemble(rs, {
    name: 'rs',
    maxBatchSize: 4,
    inputs: [
      { name: 'X', type: 'TYPE_FP32', dims: [4] },
      { name: 'B', type: 'TYPE_FP32', dims: [4], optional: true },
    ],
    outputs: [{ name: 'Y', type: 'TYPE_FP32', dims: [4] }],
    steps: [
      { model: 'col', inputMap: { x: 'X' }, outputMap: { y: 'h' } },
      { model: 'add', inputMap: { l: 'h', r: 'B' }, outputMap: { s: 'Y' } },
    ],
  });

  // string inputs: words → ids (LabelEncoder) → a feature column
  const txt = join(dir, 'text');
  writeMember(txt, {
    name: 'vocab',
    maxBatchSize: 0,
    inputs: [{ name: 'w', type: 'TYPE_STRING', dims: [-1] }],
    outputs: [{ name: 'id', type: 'TYPE_INT64', dims: [-1] }],
    versions: { 3: vocabModel({ input: 'w', output: 'id', words: ['low', 'mid', 'high'] }) },
  });
  writeMember(txt, {
    name: 'feat',
    maxBatchSize: 0,
    inputs: [{ name: 'ids', type: 'TYPE_INT64', dims: [-1] }],
    outputs: [{ name: 'col', type: 'TYPE_FP32', dims: [-1, 1] }],
    versions: { 1: idFeatureModel({ input: 'ids', output: 'col' }) },
  });
  writeEnsemble(txt, {
    name: 'text',
    maxBatchSize: 0,
    inputs: [{ name: 'WORD', type: 'TYPE_STRING', dims: [-1] }],
    outputs: [{ name: 'F', type: 'TYPE_FP32', dims: [-1, 1] }],
    steps: [
      { model: 'vocab', inputMap: { w: 'WORD' }, outputMap: { id: 'ids' } },
      { model: 'feat', inputMap: { ids: 'ids' }, outputMap: { col: 'F' } },
    ],
  });

  // a python member between two ONNX members
  const py = join(dir, 'py');
  writeMember(py, {
    name: 'tok',
    backend: 'python',
    maxBatchSize: 8,
    inputs: [{ name: 'TEXT', type: 'TYPE_STRING', dims: [1] }],
    outputs: [{ name: 'FEATS', type: 'TYPE_FP32', dims: [4] }],
  });
  writeMember(py, {
    name: 'clf',
    maxBatchSize: 8,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'probabilities', type: 'TYPE_FP32', dims: [2] }],
    versions: { 1: twoColumnModel({ input: 'x', output: 'probabilities', width: 4 }) },
  });
  writeEnsemble(py, {
    name: 'py',
    maxBatchSize: 8,
    inputs: [{ name: 'TEXT', type: 'TYPE_STRING', dims: [1] }],
    outputs: [{ name: 'P', type: 'TYPE_FP32', dims: [2] }],
    steps: [
      { model: 'tok', inputMap: { TEXT: 'TEXT' }, outputMap: { FEATS: 'f' } },
      { model: 'clf', inputMap: { x: 'f' }, outputMap: { probabilities: 'P' } },
    ],
  });
});

describe('m4c import: Triton repositories', () => {
  it('a chain with max_batch_size > 0: batch dim prepended, latest version, runs like the members', async () => {
    const r = importRepo('chain');
    expect(r.diagnostics).toEqual([]);
    expect(r.exit).toBe(0);
    expect(r.text).toContain('input RAW: f32[batch, 4]');
    expect(r.text).toContain('model clf = onnx("chain/clf/2/model.onnx")');
    const file = writeOut(r);
    expect(compileSource(r.text!, file).diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const rows = [
      [1, 2, 3, 4],
      [0.5, -1, 0, 2],
      [0, 0, 0, 0],
    ];
    const got = runGraph(
      file,
      rows.map((RAW) => ({ RAW })),
    );
    const pre = await member(join(dir, 'chain/pre/1/model.onnx'), { RAW: f32(rows) });
    const clf = await member(join(dir, 'chain/clf/2/model.onnx'), { x: pre.FEATS! });
    expectClose(
      got.map((g) => g.PROB),
      clf.probabilities!.data as Float32Array,
    );
  });

  it('fan-out, fan-in and a tensor read by two steps, with max_batch_size 0 and -1 dims', async () => {
    const r = importRepo('fan');
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toMatch(/input IN: f32\[IN_0, 3\]/);
    expect(r.text).toContain('model c   = onnx("fan/c/2/model.onnx")');
    const rows = [
      [1, 2, 3],
      [-1, 0, 1],
    ];
    const got = runGraph(
      writeOut(r),
      rows.map((IN) => ({ IN })),
    );
    const t = (await member(join(dir, 'fan/a/1/model.onnx'), { x: f32(rows) })).y!;
    const u = (await member(join(dir, 'fan/b/1/model.onnx'), { x: t })).y!;
    const v = (await member(join(dir, 'fan/c/2/model.onnx'), { x: t })).y!;
    const s = (await member(join(dir, 'fan/sum/1/model.onnx'), { l: u, r: v })).s!;
    expectClose(
      got.map((g) => g.OUT),
      s.data as Float32Array,
    );
    expectClose(
      got.map((g) => g.T),
      t.data as Float32Array,
    );
  });

  it('reshape to and from a size-1 axis becomes expand_dims and squeeze; optional inputs stay optional', async () => {
    const r = importRepo('reshape');
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toContain('input B: f32[batch, 4] optional');
    expect(r.text).toMatch(/= expand_dims\(X\)/);
    expect(r.text).toMatch(/= squeeze\(/);
    const rows = [
      { X: [1, 2, 3, 4], B: [1, 1, 1, 1] },
      { X: [0, -2, 4, 8], B: [0, 1, 0, 1] },
    ];
    const got = runGraph(writeOut(r), rows);
    const x = new ort.Tensor('float32', Float32Array.from(rows.flatMap((x) => x.X)), [2, 4, 1]);
    const h = (await member(join(dir, 'reshape/col/1/model.onnx'), { x })).y!;
    const h2 = new ort.Tensor('float32', h.data as Float32Array, [2, 4]);
    const y = (await member(join(dir, 'reshape/add/1/model.onnx'), { l: h2, r: f32(rows.map((x) => x.B)) })).s!;
    expectClose(
      got.map((g) => g.Y),
      y.data as Float32Array,
    );
  });

  it('string inputs map TYPE_STRING to str and run through an ONNX string model', async () => {
    const r = importRepo('text');
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toMatch(/input WORD: str\[WORD_0\]/);
    const words = ['mid', 'high', 'unknown', 'low'];
    const got = runGraph(
      writeOut(r),
      words.map((WORD) => ({ WORD })),
    );
    const ids = (await member(join(dir, 'text/vocab/3/model.onnx'), { w: new ort.Tensor('string', words, [4]) })).id!;
    const f = (await member(join(dir, 'text/feat/1/model.onnx'), { ids })).col!;
    expectClose(
      got.map((g) => g.F),
      f.data as Float32Array,
    );
  });

  it('a python member is declared external: the file checks, the summary says what to do, run refuses naming the node', () => {
    const r = importRepo('py');
    expect(r.exit).toBe(1);
    expect(r.diagnostics.map((d) => `${d.code} ${d.span.file}:${d.span.line}`)).toEqual(['M8008 py/tok/config.pbtxt:3']);
    expect(r.text).toContain('model tok = external(backend: "python", inputs: {TEXT: str[batch, 1]}, outputs: {FEATS: f32[batch, 4]})');
    expect(r.text).toMatch(/\/\/ TODO\(m4 import\): python backend: m4 cannot run it\. A python model: export/);
    expect(r.finished!.externals.map((m) => m.name)).toEqual(['tok']);
    const file = writeOut(r);
    const check = runM4c(['check', file], { cwd: dir });
    expect(check.code).toBe(0);
    writeFileSync(join(dir, 'py.jsonl'), '{"TEXT":["a"]}\n');
    const run = runM4c(['run', 'py.m4', '--data', 'py.jsonl'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/node `f` \(py\.m4:\d+:\d+\) calls model `tok`, which is external \(backend python\)/);
  });

  it('--candidate VERSION compares the new version of the members that have it, sharing what does not change', () => {
    const r = importRepo('chain', { candidate: '2' });
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toContain('model clf           = onnx("chain/clf/1/model.onnx")');
    expect(r.text).toContain('model clf_candidate = onnx("chain/clf/2/model.onnx")');
    expect(r.text).toContain('node PROB_candidate = clf_candidate(x: feats).probabilities');
    expect(r.text).not.toContain('pre_candidate');
    expect(r.text).toMatch(
      /compare candidate_vs_control \{\n {2}control: +column\(PROB, index: 1\)\n {2}treatment: +column\(PROB_candidate, index: 1\)\n {2}task: +binary\(threshold: 0\.5\)\n {2}gate agreement >= 0\.9\n/,
    );
    expect(compileSource(r.text!, join(dir, 'chain.m4')).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('--candidate PATH compares another repository of the same ensemble, sharing identical members', () => {
    const r = importRepo('chain', { candidate: 'chain_v2' });
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toContain('model clf_candidate = onnx("chain_v2/clf/1/model.onnx")');
    expect(r.text).not.toContain('pre_candidate');
    expect(r.text).toContain('compare candidate_vs_control {');
  });

  it('--candidate PATH with nothing in common is refused', () => {
    const r = importRepo('chain', { candidate: 'fan' });
    // Nothing in common with the control (different inputs and outputs): no comparison can be made.
    expect(r.exit).toBe(2);
    expect(r.diagnostics.at(-1)!.message).toMatch(/the candidate computes the same outputs|nothing to compare/);
  });
});
