/**
 * `m4c import` on Seldon Core 2 and KServe samples written from their documentation's field reference:
 * pipelines with tensorMap, triggers and joins; experiments with candidates and a mirror; InferenceGraphs
 * with Sequence, Splitter, Ensemble and Switch nodes. Models are ONNX files next to the YAML.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectPlatform, runImport, type ImportOutcome } from '../../../cli/import/run-import.ts';
import { compileSource } from '../../../compiler/compile.ts';
import { runM4c } from '../../support/run-cli.ts';
import { affineModel, twoColumnModel } from './support/triton-fixture.ts';

let dir: string;

function imp(path: string, extra: { model?: string; candidate?: string } = {}): ImportOutcome {
  return runImport({ path, cwd: dir, output: '-', command: `m4c import ${path}`, ...extra });
}

const errorsOf = (r: ImportOutcome) => compileSource(r.text!, join(dir, 'x.m4')).diagnostics.filter((d) => d.severity === 'error');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-import-yaml-'));
  const model = (rel: string, b: { writeModel(p: string): unknown }) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    b.writeModel(join(dir, rel));
  };
  model('seldon/models/pre/model.onnx', affineModel({ input: 'RAW', output: 'FEATS', dims: ['N', 4], factor: 2 }));
  model('seldon/clf-store/1/model.onnx', twoColumnModel({ input: 'x', output: 'probabilities', width: 4 }));
  model('seldon/models/clf2/model.onnx', twoColumnModel({ input: 'x', output: 'probabilities', width: 4, sign: -1 }));
  writeFileSync(
    join(dir, 'seldon/models.yaml'),
    `apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata:
  name: pre
spec:
  storageUri: "gs://seldon-models/scoring/pre"
  requirements:
  - onnx
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata:
  name: clf
spec:
  storageUri: "./clf-store"
  requirements: [onnx]
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata:
  name: clf2
spec:
  storageUri: "gs://seldon-models/scoring/clf2"
  requirements: [onnx]
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata:
  name: drift
spec:
  storageUri: "gs://seldon-models/drift"
  requirements: [alibi-detect]
`,
  );
  writeFileSync(
    join(dir, 'seldon/pipeline.yaml'),
    `apiVersion: mlops.seldon.io/v1alpha1
kind: Pipeline
metadata:
  name: scoring
spec:
  steps:
    - name: pre
    - name: clf
      inputs:
      - pre.outputs.FEATS
      tensorMap:
        pre.outputs.FEATS: x
    - name: drift
      inputs: [scoring.inputs.RAW]
      triggers: [clf.outputs.probabilities]
  output:
    steps:
    - clf.outputs.probabilities
`,
  );
  mkdirSync(join(dir, 'seldon-exp'), { recursive: true });
  writeFileSync(
    join(dir, 'seldon-exp/exp.yaml'),
    `${readFileSync(join(dir, 'seldon/models.yaml'), 'utf8')
      .replace(/\.\/clf-store/, '../seldon/clf-store')
      .replace(/gs:\/\/seldon-models\/scoring\/(\w+)/g, '../seldon/models/$1')}---
apiVersion: mlops.seldon.io/v1alpha1
kind: Experiment
metadata:
  name: clf-ab
spec:
  default: clf
  candidates:
  - name: clf
    weight: 80
  - name: clf2
    weight: 20
`,
  );

  model('kserve/models/pre/model.onnx', affineModel({ input: 'RAW', output: 'x', dims: ['N', 4], factor: 2 }));
  model('kserve/models/clf/model.onnx', twoColumnModel({ input: 'x', output: 'probabilities', width: 4 }));
  model('kserve/models/clf2/model.onnx', twoColumnModel({ input: 'x', output: 'probabilities', width: 4, sign: -1 }));
  const isvc = (name: string) => `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: ${name}
spec:
  predictor:
    model:
      modelFormat:
        name: onnx
      storageUri: gs://kserve-models/${name}
`;
  writeFileSync(join(dir, 'kserve/services.yaml'), ['pre', 'clf', 'clf2'].map(isvc).join('---\n'));
  writeFileSync(
    join(dir, 'kserve/graph.yaml'),
    `apiVersion: serving.kserve.io/v1alpha1
kind: InferenceGraph
metadata:
  name: scoring
spec:
  nodes:
    root:
      routerType: Sequence
      steps:
      - serviceName: pre
        name: pre
      - nodeName: split
        data: $response
    split:
      routerType: Splitter
      steps:
      - serviceName: clf
        weight: 90
      - serviceName: clf2
        weight: 10
`,
  );
  mkdirSync(join(dir, 'kserve-switch'), { recursive: true });
  writeFileSync(
    join(dir, 'kserve-switch/graph.yaml'),
    `${['pre', 'clf', 'clf2']
      .map(isvc)
      .join('---\n')
      .replace(/gs:\/\/kserve-models\/(\w+)/g, '../kserve/models/$1')}---
apiVersion: serving.kserve.io/v1alpha1
kind: InferenceGraph
metadata:
  name: routed
spec:
  nodes:
    root:
      routerType: Sequence
      steps:
      - serviceName: pre
      - nodeName: pick
        data: $response
    pick:
      routerType: Switch
      steps:
      - serviceName: clf
        condition: "[@this].#(segment==\\"a\\")"
      - serviceName: clf2
        condition: "[@this].#(segment==\\"b\\")"
`,
  );
});

describe('m4c import: Seldon Core 2', () => {
  it('detects the format from apiVersion', () => {
    expect(detectPlatform(join(dir, 'seldon'))).toBe('seldon');
    expect(detectPlatform(join(dir, 'kserve'))).toBe('kserve');
  });

  it('a pipeline: request inputs from the first model, tensorMap, output steps; triggers reported; the file checks and runs', async () => {
    const r = imp('seldon', { model: 'scoring' });
    expect(r.text).toContain('input RAW: f32[N, 4]');
    expect(r.text).toContain('model pre = onnx("seldon/models/pre/model.onnx")');
    expect(r.text).toContain('model clf = onnx("seldon/clf-store/1/model.onnx")');
    expect(r.text).toMatch(/node pre_FEATS += pre\(RAW: RAW\)\.FEATS/);
    expect(r.text).toMatch(/output probabilities = clf\(x: pre_FEATS\)\.probabilities/);
    expect(r.graph!.notes.map((n) => `${n.construct} @${n.span.line}`)).toEqual(['step triggers @15', 'a step that reaches no pipeline output @13']);
    expect(r.exit).toBe(1);
    expect(errorsOf(r)).toEqual([]);
    // run it and compare with the members run by hand
    writeFileSync(join(dir, 'scoring.m4'), r.text!);
    writeFileSync(join(dir, 'scoring.jsonl'), '{"RAW":[1,2,3,4]}\n{"RAW":[-1,0,1,0]}\n');
    const run = runM4c(['run', 'scoring.m4', '--data', 'scoring.jsonl', '--out', 'scoring.out.jsonl'], { cwd: dir });
    expect(run.code).toBe(0);
    const got = readFileSync(join(dir, 'scoring.out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { probabilities: number[] }).probabilities)
      .flat();
    const pre = await (
      await ort.InferenceSession.create(join(dir, 'seldon/models/pre/model.onnx'))
    ).run({ RAW: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, -1, 0, 1, 0]), [2, 4]) });
    const clf = await (await ort.InferenceSession.create(join(dir, 'seldon/clf-store/1/model.onnx'))).run({ x: pre.FEATS! });
    [...(clf.probabilities!.data as Float32Array)].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
  });

  it('an Experiment is a comparison: the default is the control, the other candidate the treatment', () => {
    const r = imp('seldon-exp');
    expect(r.diagnostics).toEqual([]);
    expect(r.exit).toBe(0);
    expect(r.text).toContain('model clf2 = onnx("seldon/models/clf2/model.onnx")');
    expect(r.text).toMatch(
      /compare clf2_vs_control \{\n {2}control: +column\(probabilities, index: 1\)\n {2}treatment: +column\(clf2_probabilities, index: 1\)/,
    );
    expect(r.text).toContain('Seldon Experiment `clf-ab`: `clf2` (candidate (weight 20)) against `clf` (the default).');
    expect(errorsOf(r)).toEqual([]);
  });

  it('a model with no ONNX file and no signature is external with a TODO, never dropped', () => {
    writeFileSync(
      join(dir, 'seldon/only-drift.yaml'),
      `apiVersion: mlops.seldon.io/v1alpha1
kind: Pipeline
metadata:
  name: watch
spec:
  steps:
  - name: drift
  output:
    steps: [drift.outputs.is_drift]
`,
    );
    const r = imp('seldon', { model: 'watch' });
    expect(r.exit).toBe(1);
    expect(r.text).toMatch(/model drift = external\(backend: "alibi-detect", inputs: \{\}, outputs: \{\}\)/);
    expect(r.text).toMatch(/TODO\(m4 import\): error\[M2012\]: model `drift`: it needs `outputs: \{NAME: TYPE, \.\.\.\}`/);
    expect(r.diagnostics.find((d) => d.code === 'M8008')?.span.file).toBe('seldon/models.yaml');
  });
});

describe('m4c import: Seldon Core 2 mirror', () => {
  it('an Experiment with one candidate and a mirror compares the mirror with the candidate', () => {
    mkdirSync(join(dir, 'seldon-mirror'), { recursive: true });
    writeFileSync(
      join(dir, 'seldon-mirror/exp.yaml'),
      readFileSync(join(dir, 'seldon-exp/exp.yaml'), 'utf8').replace(
        / {2}candidates:\n {2}- name: clf\n {4}weight: 80\n {2}- name: clf2\n {4}weight: 20\n/,
        '  candidates:\n  - name: clf\n    weight: 100\n  mirror:\n    name: clf2\n    percent: 25\n',
      ),
    );
    const r = imp('seldon-mirror');
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toContain('// Seldon Experiment `clf-ab`: `clf2` (mirror (25% of traffic)) against `clf` (the default).');
    expect(r.text).toContain('compare clf2_vs_control {');
    expect(errorsOf(r)).toEqual([]);
  });
});

describe('m4c import: KServe', () => {
  it("an Ensemble sends the request to every step and answers with each step's outputs", () => {
    mkdirSync(join(dir, 'kserve-ens'), { recursive: true });
    writeFileSync(
      join(dir, 'kserve-ens/graph.yaml'),
      `${readFileSync(join(dir, 'kserve-switch/graph.yaml'), 'utf8').split('---\napiVersion: serving.kserve.io/v1alpha1')[0]}---
apiVersion: serving.kserve.io/v1alpha1
kind: InferenceGraph
metadata:
  name: both
spec:
  nodes:
    root:
      routerType: Ensemble
      steps:
      - serviceName: clf
        name: a
      - serviceName: clf2
        name: b
`,
    );
    const r = imp('kserve-ens');
    expect(r.diagnostics).toEqual([]);
    expect(r.exit).toBe(0);
    expect(r.text).toContain('input x: f32[N, 4]');
    expect(r.graph!.outputs.map((o) => o.name)).toEqual(['a_probabilities', 'b_probabilities']);
    expect(r.text).toMatch(/output a_probabilities = clf\(x: x\)\.probabilities/);
    expect(errorsOf(r)).toEqual([]);
  });

  it('a Sequence passes $response on; a two-branch Splitter is a comparison (the heavier branch is the control)', () => {
    const r = imp('kserve');
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toContain('input RAW: f32[N, 4]');
    expect(r.text).toMatch(/node root_pre_x += pre\(RAW: RAW\)\.x/);
    expect(r.text).toMatch(/output probabilities = clf\(x: root_pre_x\)\.probabilities/);
    expect(r.text).toMatch(
      /compare clf2_vs_clf \{\n {2}control: +column\(probabilities, index: 1\)\n {2}treatment: +column\(split_clf2_probabilities, index: 1\)/,
    );
    expect(errorsOf(r)).toEqual([]);
  });

  it('a Switch imports every branch and reports that conditions are not evaluated', () => {
    const r = imp('kserve-switch');
    expect(r.graph!.notes.map((n) => n.construct)).toEqual(['Switch conditions']);
    expect(r.graph!.outputs.map((o) => o.name)).toEqual(['clf2_probabilities', 'probabilities']);
    expect(r.exit).toBe(1);
    expect(errorsOf(r)).toEqual([]);
  });
});
