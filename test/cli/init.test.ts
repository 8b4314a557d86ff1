/**
 * `m4c init` as a command: files written or refused, exit codes, one-line errors that write nothing,
 * the non-terminal path, and `init` then `run` end to end through the real binary.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as init from '../../cli/commands/init.ts';
import { runCli } from '../../cli/program.ts';
import { compileSource } from '../../compiler/compile.ts';
import { makeInitWorkspace, type InitWorkspace } from '../init/support/init-workspace.ts';
import { M4C, ROOT, hasStackTrace, type CliResult } from '../support/run-cli.ts';

/** Run `m4c init ...` in this process (fast), capturing what it prints. */
async function runInit(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await runCli(['node', 'm4c', 'init', ...args], [init]);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Run the real binary without blocking, so independent runs overlap. */
function m4c(args: string[], cwd = ROOT): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [M4C, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.stdin.end();
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

let ws: InitWorkspace;
let out: string;
beforeAll(() => {
  ws = makeInitWorkspace('m4-init-cli-');
  out = mkdtempSync(join(tmpdir(), 'm4-init-out-'));
});
afterEach(() => vi.restoreAllMocks());

describe('m4c init (in process)', () => {
  it('writes the file, says what to run next, and refuses to overwrite it without --force', async () => {
    const file = join(out, 'ab.m4');
    const args = [ws.model('binary'), '--candidate', ws.model('mlp'), '--data', join(ws.dir, 'data/x4.jsonl'), '-o', file];
    const r = await runInit(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wrote ${file}\nnext: m4c check ${file} && m4c run ${file}\n`);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('replay "');
    expect(compileSource(text, file).plan).toBeDefined();

    writeFileSync(file, 'keep me\n');
    const again = await runInit(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`m4c: ${file} already exists: pass --force to overwrite it\n`);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');

    const forced = await runInit([...args, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('-o - writes the text to stdout, with paths relative to the working directory, and no file', async () => {
    const before = readdirSync(process.cwd()).length;
    const r = await runInit([join(ws.dir, 'models/binary.onnx'), '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('output score = column(binary(x: x).probabilities, index: 1)\n');
    expect(compileSource(r.stdout, join(process.cwd(), 'binary.m4')).plan).toBeDefined();
    expect(readdirSync(process.cwd()).length).toBe(before);
  });

  it('writes a file with TODOs when the models differ in a way no op bridges: exit 1, each TODO listed', async () => {
    const file = join(out, 'todo.m4');
    const r = await runInit([ws.model('binary'), '--candidate', ws.model('wide5'), '-o', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wrote .*todo\.m4 with 1 TODO: the models differ in ways no stdlib op bridges/);
    expect(r.stderr).toMatch(/ {2}line \d+: error\[M3003\]: input `x` of `wide5`: shapes differ: expected f32\[batch, 5\], found f32\[batch, 4\]/);
    expect(readFileSync(file, 'utf8')).toContain('// TODO(m4 init): no stdlib op bridges `x`');
  });

  it('bad input writes nothing: one line, exit 2', async () => {
    const file = join(out, 'never.m4');
    const cases: [string[], string][] = [
      [[join(ws.dir, 'nope.onnx')], `m4c: ${join(ws.dir, 'nope.onnx')}: the file does not exist\n`],
      [
        [ws.model('notOnnx')],
        `m4c: ${ws.model('notOnnx')}: not a valid ONNX model: it is not a protobuf ModelProto (unsupported wire type 4 at byte 0)\n`,
      ],
      [[ws.model('binary'), '--candidate', ws.model('empty')], `m4c: ${ws.model('empty')}: the file is empty, not an ONNX model\n`],
      [
        [ws.model('binary'), '--data', join(ws.dir, 'data/unrelated.jsonl')],
        `m4c: ${join(ws.dir, 'data/unrelated.jsonl')}: no field matches model input \`x\` f32[batch, 4] by name, by length or as 4 gathered numeric fields (fields: name (text), tags (2 text values))\n`,
      ],
      [[ws.model('binary'), '--data', join(ws.dir, 'data/missing.jsonl')], `m4c: ${join(ws.dir, 'data/missing.jsonl')}: no such file\n`],
      [[ws.model('binary'), '--candidate', ws.model('mlp'), '--data', join(ws.dir, 'data/x4.jsonl'), '--label', 'outcome'], ''],
    ];
    for (const [args, stderr] of cases) {
      const r = await runInit([...args, '-o', file]);
      expect(r.code).toBe(2);
      if (stderr) expect(r.stderr).toBe(stderr);
      else
        expect(r.stderr).toMatch(
          /^m4c: --label outcome: .*x4\.jsonl has no such field \(fields: id \(integer\), x \(4 numbers\), label \(integer\), segment \(text\)\)\n$/,
        );
      expect(r.stdout).toBe('');
      expect(existsSync(file)).toBe(false);
    }
  });
});

describe('m4c init (the real binary)', () => {
  it('bad input: one line on stderr, exit 2, nothing written, no stack trace; no model and no terminal: usage, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-init-bin-'));
    const o = join(dir, 'x.m4');
    const runs = await Promise.all([
      m4c(['init', join(dir, 'missing.onnx'), '-o', o]),
      m4c(['init', ws.model('notOnnx'), '-o', o]),
      m4c(['init', ws.model('binary'), '--data', join(ws.dir, 'data/unrelated.jsonl'), '-o', o]),
      m4c(['init'], dir),
    ]);
    for (const r of runs.slice(0, 3)) {
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^m4c: /);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    const usage = runs[3]!;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage: m4c init [options] [model]');
    expect(usage.stderr).toContain('give a model, or run it on a terminal');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('init then run on the fraud example: two commands, no flags for the second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-init-e2e-'));
    const file = join(dir, 'ab.m4');
    const i = await m4c([
      'init',
      'examples/fraud/models/fraud-v1.onnx',
      '--candidate',
      'examples/fraud/models/fraud-v2.onnx',
      '--data',
      'examples/fraud/data/replay.jsonl',
      '-o',
      file,
    ]);
    expect(i.stderr).toContain(`wrote ${file}`);
    expect(i.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('input x:      f32[batch, 30] from "tx"');
    expect(text).toContain('slice_by:  region');

    const r = await m4c(['run', file], dir);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).toContain('5,000 rows');
    // The replay and models are deterministic: v2 is better on every labelled metric, so both
    // non-inferiority gates pass, but the models agree on only ~82% of rows, so the default agreement
    // gate fails and `run` exits 1 — the verdict a CI job acts on.
    const report = r.stdout + r.stderr;
    expect(report).toMatch(/PASS\s+auroc\.delta >= -0\.01 at 95%/);
    expect(report).toMatch(/PASS\s+auprc\.delta >= -0\.01 at 95%/);
    expect(report).toMatch(/FAIL\s+agreement >= 0\.9/);
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'results/ab.db'))).toBe(true);
  }, 60_000);
});
