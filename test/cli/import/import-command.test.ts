/**
 * `m4c import` as a command: exit codes 0/1/2, the summary, and bad input — truncated or garbled pbtxt and
 * YAML, missing member configs and files, cycles, a member named in a step but absent, type errors in the
 * source graph — each a diagnostic at the source's line, never a stack trace.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as importCmd from '../../../cli/commands/import.ts';
import { runCli } from '../../../cli/program.ts';
import { hasStackTrace, type CliResult } from '../../support/run-cli.ts';
import { affineModel, twoColumnModel, writeEnsemble, writeMember } from './support/triton-fixture.ts';

let dir: string;

async function m4cImport(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const cwd = process.cwd();
  process.chdir(dir);
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await runCli(['node', 'm4c', 'import', ...args], [importCmd]);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
    process.chdir(cwd);
  }
}

/** A good two-step repository at `name`, to be damaged by a test. */
function goodRepo(name: string): string {
  const repo = join(dir, name);
  rmSync(repo, { recursive: true, force: true });
  writeMember(repo, {
    name: 'pre',
    maxBatchSize: 8,
    inputs: [{ name: 'RAW', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'FEATS', type: 'TYPE_FP32', dims: [4] }],
    versions: { 1: affineModel({ input: 'RAW', output: 'FEATS', dims: ['N', 4], factor: 2 }) },
  });
  writeMember(repo, {
    name: 'clf',
    maxBatchSize: 8,
    inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'probabilities', type: 'TYPE_FP32', dims: [2] }],
    versions: { 1: twoColumnModel({ input: 'x', output: 'probabilities', width: 4 }) },
  });
  writeEnsemble(repo, {
    name: 'ens',
    maxBatchSize: 8,
    inputs: [{ name: 'RAW', type: 'TYPE_FP32', dims: [4] }],
    outputs: [{ name: 'PROB', type: 'TYPE_FP32', dims: [2] }],
    steps: [
      { model: 'pre', inputMap: { RAW: 'RAW' }, outputMap: { FEATS: 'feats' } },
      { model: 'clf', inputMap: { x: 'feats' }, outputMap: { probabilities: 'PROB' } },
    ],
  });
  return repo;
}

function edit(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`nothing to replace in ${file}`);
  writeFileSync(file, next);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-import-cmd-'));
});

describe('m4c import: exit codes and summary', () => {
  it('0: written, checks clean; the summary says what was written and what to run next', async () => {
    goodRepo('ok');
    const r = await m4cImport(['ok', '-o', 'ok.m4']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('wrote ok.m4: 1 input, 2 models, 2 calls, 1 output\nnext: m4c check ok.m4 && m4c run ok.m4 --data ROWS.jsonl\n');
    expect(readFileSync(join(dir, 'ok.m4'), 'utf8')).toMatch(/^\/\/ Imported from Triton ensemble `ens` in ok by `m4c import ok`\./);
  });

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    goodRepo('ok');
    writeFileSync(join(dir, 'exists.m4'), 'keep');
    const r = await m4cImport(['ok', '-o', 'exists.m4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exists.m4 already exists: pass --force to overwrite it');
    expect(readFileSync(join(dir, 'exists.m4'), 'utf8')).toBe('keep');
    expect((await m4cImport(['ok', '-o', 'exists.m4', '--force'])).code).toBe(0);
  });

  it('1: a type error in the source graph is written with a TODO and reported at the input_map line', async () => {
    const repo = goodRepo('dtype');
    writeMember(repo, {
      name: 'clf',
      maxBatchSize: 8,
      inputs: [{ name: 'x', type: 'TYPE_FP32', dims: [3] }],
      outputs: [{ name: 'probabilities', type: 'TYPE_FP32', dims: [2] }],
      versions: { 1: twoColumnModel({ input: 'x', output: 'probabilities', width: 3 }) },
    });
    const r = await m4cImport(['dtype', '-o', 'dtype.m4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[M3003]: input `x` of `clf`: shapes differ: expected f32[batch, 3], found f32[batch, 4]');
    expect(r.stderr).toMatch(/--> dtype\/ens\/config\.pbtxt:\d+:\d+\n.*\n\d+ \| +input_map \{ key: "x" value: "feats" \}/);
    expect(readFileSync(join(dir, 'dtype.m4'), 'utf8')).toContain('// TODO(m4 import): error[M3003]');
    expect(r.stderr).toContain('1 TODO in the file');
  });

  it('1: a member whose version directory has no model.onnx', async () => {
    const repo = goodRepo('nofile');
    rmSync(join(repo, 'clf/1/model.onnx'));
    const r = await m4cImport(['nofile', '-o', '-']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[M8005]: no model file for `clf`: clf/1/model.onnx does not exist');
    expect(r.stdout).toContain('// TODO(m4 import): error[M2001]');
  });
});

describe('m4c import: members m4 cannot run', () => {
  it('a python member whose config shows a simple transform is listed with the stdlib op that can replace it', async () => {
    const repo = goodRepo('pyscale');
    writeMember(repo, {
      name: 'pre',
      backend: 'python',
      maxBatchSize: 8,
      inputs: [{ name: 'RAW', type: 'TYPE_FP32', dims: [4] }],
      outputs: [{ name: 'FEATS', type: 'TYPE_FP32', dims: [4] }],
    });
    rmSync(join(repo, 'pre/1/model.onnx'), { force: true });
    const r = await m4cImport(['pyscale', '-o', 'pyscale.m4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'members m4 cannot run (declared external; `m4c run` refuses the graph until they are replaced):\n  pre (python backend, pyscale/pre/config.pbtxt:3): A python model:',
    );
    expect(r.stderr).toContain(
      'Its config shows one f32 tensor in and one of the same shape out: if it scales or normalizes, `standardize(x, mean: M, std: S)`',
    );
    expect(readFileSync(join(dir, 'pyscale.m4'), 'utf8')).toContain(
      'model pre = external(backend: "python", inputs: {RAW: f32[batch, 4]}, outputs: {FEATS: f32[batch, 4]})',
    );
  });
});

describe('m4c import: bad input is a diagnostic, never a stack trace', () => {
  const cases: [string, (repo: string) => void, RegExp][] = [
    [
      'truncated pbtxt',
      (repo) => writeFileSync(join(repo, 'ens/config.pbtxt'), readFileSync(join(repo, 'ens/config.pbtxt'), 'utf8').slice(0, 200)),
      /error\[M8001\]: config\.pbtxt: the file ends too early: expected .*\n.*--> trunc\/ens\/config\.pbtxt:\d+:\d+/,
    ],
    [
      'garbled pbtxt',
      (repo) => edit(join(repo, 'ens/config.pbtxt'), 'max_batch_size: 8', 'max_batch_size = 8'),
      /error\[M8001\]: config\.pbtxt: unexpected character "="\n\s*--> garbled\/ens\/config\.pbtxt:3:16/,
    ],
    [
      'a step naming a member absent from the repository',
      (repo) => edit(join(repo, 'ens/config.pbtxt'), 'model_name: "clf"', 'model_name: "classifier"'),
      /error\[M8004\]: model `classifier` is not in the repository absent\n\s*--> absent\/ens\/config\.pbtxt:\d+:7[\s\S]*help: add classifier\/config\.pbtxt, or correct the name \(models: clf, ens, pre\)/,
    ],
    ['a missing member config', (repo) => rmSync(join(repo, 'pre/config.pbtxt')), /error\[M8004\]: model `pre` is not in the repository/],
    [
      'a cycle between steps',
      (repo) => edit(join(repo, 'ens/config.pbtxt'), 'input_map { key: "RAW" value: "RAW" }', 'input_map { key: "RAW" value: "PROB" }'),
      /error\[M8009\]: these steps form a cycle: pre → clf → pre/,
    ],
    [
      'an unknown field in a member',
      (repo) => edit(join(repo, 'clf/config.pbtxt'), 'max_batch_size: 8', 'max_batch: 8'),
      /error\[M8002\]: `ModelConfig` \(model_config\.proto\) has no field `max_batch`\n\s*--> unknown\/clf\/config\.pbtxt:4:1/,
    ],
    [
      'a tensor name .m4 cannot write',
      (repo) => edit(join(repo, 'ens/config.pbtxt'), 'output_map { key: "probabilities"', 'output_map { key: "prob`s"'),
      /error\[M8003\]: `name`: "prob`s" cannot be written in \.m4/,
    ],
  ];
  const names = ['trunc', 'garbled', 'absent', 'noconfig', 'cycle', 'unknown', 'backtick'];
  cases.forEach(([what, damage, expected], k) => {
    it(what, async () => {
      const repo = goodRepo(names[k]!);
      damage(repo);
      const r = await m4cImport([names[k]!, '-o', '-']);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(r.stderr).toMatch(expected);
      if (what !== 'a cycle between steps') {
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain('m4c import: nothing written');
      } else {
        // Triton refuses a cyclic ensemble; the graph is still written so the cycle can be read in m4 terms.
        expect(r.code).toBe(1);
      }
    });
  });

  it('several ensembles without --model, an unknown --model, and a path that is not a repository', async () => {
    const repo = goodRepo('two');
    writeEnsemble(repo, {
      name: 'other',
      maxBatchSize: 8,
      inputs: [{ name: 'RAW', type: 'TYPE_FP32', dims: [4] }],
      outputs: [{ name: 'F', type: 'TYPE_FP32', dims: [4] }],
      steps: [{ model: 'pre', inputMap: { RAW: 'RAW' }, outputMap: { FEATS: 'F' } }],
    });
    const several = await m4cImport(['two', '-o', '-']);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('the repository holds several ensembles (ens, other): choose one with --model NAME');
    expect((await m4cImport(['two', '--model', 'other', '-o', '-'])).code).toBe(0);
    const unknown = await m4cImport(['two', '--model', 'nope', '-o', '-']);
    expect(unknown.stderr).toContain('model `nope` is not in the repository two (models: clf, ens, other, pre)');
    mkdirSync(join(dir, 'empty'), { recursive: true });
    const empty = await m4cImport(['empty']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('empty holds neither a Triton repository (NAME/config.pbtxt) nor Seldon or KServe YAML');
    const badFrom = await m4cImport(['two', '--from', 'torchserve']);
    expect(badFrom).toMatchObject({ code: 2, stderr: 'm4c: --from torchserve: expected one of triton, seldon, kserve\n' });
  });

  it('truncated and garbled YAML', async () => {
    mkdirSync(join(dir, 'yaml-bad'), { recursive: true });
    writeFileSync(
      join(dir, 'yaml-bad/p.yaml'),
      'apiVersion: mlops.seldon.io/v1alpha1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  steps:\n    - name: a\n   - name: b\n',
    );
    const r = await m4cImport(['yaml-bad', '-o', '-']);
    expect(r.code).toBe(2);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toMatch(/error\[M8001\]: YAML: .+\n\s*--> yaml-bad\/p\.yaml:8:\d+/);
    writeFileSync(join(dir, 'yaml-bad/p.yaml'), 'apiVersion: serving.kserve.io/v1alpha1\nkind: InferenceGraph\nmetadata: {name: g\nspec:\n');
    const t = await m4cImport(['yaml-bad', '-o', '-']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/error\[M8001\]: YAML: /);
  });
});
