import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  clearSignatureCache,
  dtypeOfOnnxElemType,
  parseSignature,
  readOnnxSignature,
  type OnnxSignature,
  type SignatureResult,
} from '../../compiler/onnx-signature.ts';
import { logisticRegressionModel } from '../../tools/onnx-build.ts';
import { ONNX_FIXTURE_NAMES, makeOnnxFixtures, type OnnxFixtureName } from '../support/onnx-fixtures.ts';

const { onnx } = onnxProto;

let dir: string;
let fx: Record<OnnxFixtureName, string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'm4-onnx-signature-'));
  fx = makeOnnxFixtures(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => clearSignatureCache());

function signatureOf(name: OnnxFixtureName): OnnxSignature {
  const r = readOnnxSignature(fx[name]);
  if (!r.ok) throw new Error(`${name}: ${r.kind}: ${r.message}`);
  return r.signature;
}

/** `name: f32[N, 4]` lines: compact to compare and readable when a test fails. */
function brief(s: OnnxSignature): { inputs: string[]; outputs: string[] } {
  const fmt = (v: OnnxSignature['inputs'][number]) => `${v.name}: ${v.type.dtype}[${v.type.dims.map((d) => (d === null ? '?' : d)).join(', ')}]`;
  return { inputs: s.inputs.map(fmt), outputs: s.outputs.map(fmt) };
}

describe('readOnnxSignature on every fixture', () => {
  const expected: Partial<Record<OnnxFixtureName, { inputs: string[]; outputs: string[] }>> = {
    score: { inputs: ['x: f32[N, 4]'], outputs: ['score: f32[N, 1]'] },
    binary: { inputs: ['x: f32[N, 4]'], outputs: ['label: i64[N]', 'probabilities: f32[N, 2]'] },
    binary30: { inputs: ['x: f32[N, 30]'], outputs: ['label: i64[N]', 'probabilities: f32[N, 2]'] },
    mlp: { inputs: ['x: f32[N, 4]'], outputs: ['label: i64[N]', 'probabilities: f32[N, 2]'] },
    multiclass: { inputs: ['x: f32[N, 4]'], outputs: ['label: i64[N]', 'probabilities: f32[N, 3]'] },
    regression: { inputs: ['x: f32[N, 4]'], outputs: ['variable: f32[N]'] },
    multiInput: { inputs: ['amount: f32[N, 1]', 'features: f32[N, 3]'], outputs: ['score: f32[N, 1]'] },
    int64Input: { inputs: ['counts: i64[N, 3]'], outputs: ['score: f32[N, 1]'] },
    nonIdentifier: { inputs: ['onnx::Flatten_0: f32[N, 4]'], outputs: ['39: f32[N, 2]'] },
    fixedBatch: { inputs: ['x: f32[1, 4]'], outputs: ['score: f32[1, 1]'] },
    batchSize: {
      inputs: ['float_input: f32[batch_size, 4]'],
      outputs: ['label: i64[batch_size]', 'probabilities: f32[batch_size, 2]'],
    },
    multiOutput: {
      inputs: ['x: f32[N, 4]'],
      outputs: ['embedding: f32[N, 8]', 'logits: f32[N, 3]', 'probabilities: f32[N, 3]', 'label: i64[N]'],
    },
    zipmap: { inputs: ['float_input: f32[N, 4]'], outputs: ['output_label: i64[N]'] },
    allTypes: {
      inputs: ['a_f32: f32[N, 2]', 'b_f64: f64[N]', 'c_i32: i32[N]', 'd_i64: i64[N, 3]', 'e_bool: bool[N]', 'f_str: str[N]'],
      outputs: ['a_f32_out: f32[N, 2]', 'b_f64_out: f64[N]', 'c_i32_out: i32[N]', 'd_i64_out: i64[N, 3]', 'e_bool_out: bool[N]', 'f_str_out: str[N]'],
    },
    unknownDim: { inputs: ['x: f32[?, 4]'], outputs: ['y: f32[?, 4]'] },
    initializerAsInput: { inputs: ['x: f32[N, 4]'], outputs: ['score: f32[N, 1]'] },
    unsupportedOutputs: { inputs: ['x: f32[N, 4]'], outputs: ['y: f32[N, 4]'] },
  };

  for (const [name, want] of Object.entries(expected) as [OnnxFixtureName, { inputs: string[]; outputs: string[] }][]) {
    it(`${name}: ${want.inputs.join(', ')} → ${want.outputs.join(', ')}`, () => {
      const s = signatureOf(name);
      expect(brief(s)).toEqual(want);
      expect(s.opset).toBe(17);
      expect(s.irVersion).toBe(8);
    });
  }

  it('keeps dims typed: numbers, symbol strings and null', () => {
    expect(signatureOf('fixedBatch').inputs[0].type.dims).toStrictEqual([1, 4]);
    expect(signatureOf('batchSize').inputs[0].type.dims).toStrictEqual(['batch_size', 4]);
    expect(signatureOf('unknownDim').inputs[0].type.dims).toStrictEqual([null, 4]);
  });

  it('maps element types and keeps the ONNX number', () => {
    const s = signatureOf('allTypes');
    expect(s.inputs.map((v) => [v.type.dtype, v.onnxElemType])).toEqual([
      ['f32', 1],
      ['f64', 11],
      ['i32', 6],
      ['i64', 7],
      ['bool', 9],
      ['str', 8],
    ]);
    expect(dtypeOfOnnxElemType(10)).toBeUndefined();
  });

  it('names the producer and every imported opset', () => {
    expect(signatureOf('batchSize').producer).toBe('skl2onnx 1.16.0');
    expect(signatureOf('nonIdentifier').producer).toBe('pytorch 2.3.0');
    expect(signatureOf('score').producer).toBe('m4-onnx-build 0.1.0');
    expect(signatureOf('zipmap').opsets).toEqual({ '': 17, 'ai.onnx.ml': 3 });
  });

  it('reports non-tensor and unsupported outputs by name, keeping the others usable', () => {
    expect(signatureOf('zipmap').unsupportedOutputs).toEqual([
      { name: 'output_probability', reason: 'is seq(map(int64,tensor(float))), not a tensor' },
    ]);
    const u = signatureOf('unsupportedOutputs').unsupportedOutputs;
    expect(u.map((o) => o.name)).toEqual(['half', 'shapeless']);
    expect(u[0].reason).toMatch(/element type FLOAT16, which m4 does not support/);
    expect(u[1].reason).toMatch(/no declared shape/);
    expect(signatureOf('binary').unsupportedOutputs).toEqual([]);
  });

  it('rejects a model whose input has an unsupported element type, naming input and type', () => {
    const r = readOnnxSignature(fx.float16Input);
    expect(r).toMatchObject({ ok: false, kind: 'unsupported' });
    expect(!r.ok && r.message).toMatch(/input `h` has element type FLOAT16/);
  });

  it('agrees with a full decode by onnx-proto on every model fixture', () => {
    for (const name of ONNX_FIXTURE_NAMES) {
      const r = readOnnxSignature(fx[name]);
      if (!r.ok) continue;
      const g = onnx.ModelProto.decode(readFileSync(fx[name])).graph!;
      const inits = new Set(g.initializer!.map((t) => t.name));
      const tensorIo = (vs: onnxProto.onnx.IValueInfoProto[]) =>
        vs
          .filter((v) => v.type?.tensorType?.shape && dtypeOfOnnxElemType(v.type.tensorType.elemType ?? 0))
          .map((v) => ({
            name: v.name,
            elem: v.type!.tensorType!.elemType,
            dims: v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : null)),
          }));
      const mine = (vs: readonly OnnxSignature['inputs'][number][]) => vs.map((v) => ({ name: v.name, elem: v.onnxElemType, dims: v.type.dims }));
      expect(mine(r.signature.inputs), name).toEqual(tensorIo(g.input!.filter((v) => !inits.has(v.name!))));
      expect(mine(r.signature.outputs), name).toEqual(tensorIo(g.output!));
    }
  });
});

describe('files that are not usable models never throw and say why', () => {
  it.each([
    ['missing', () => join(dir, 'no-such-model.onnx'), 'missing', /does not exist/],
    ['a missing directory on the way', () => join(dir, 'nope', 'model.onnx'), 'missing', /does not exist/],
    ['a directory', () => dir, 'unreadable', /is a directory/],
    ['an empty file', () => fx.empty, 'not-onnx', /is empty/],
    ['a text file', () => fx.notOnnx, 'not-onnx', /not a valid ONNX model/],
    ['a truncated model', () => fx.truncated, 'not-onnx', /truncated/],
  ] as const)('%s', (_label, path, kind, message) => {
    const r = readOnnxSignature(path());
    expect(r).toMatchObject({ ok: false, kind });
    expect(!r.ok && r.message).toMatch(message);
    expect(!r.ok && r.message).not.toContain(dir); // messages are path-free, for stable golden files
  });

  it('a file without read permission is unreadable', (ctx) => {
    if (process.getuid?.() === 0) ctx.skip(); // root reads everything
    const p = join(dir, 'locked.onnx');
    writeFileSync(p, readFileSync(fx.binary));
    chmodSync(p, 0o000);
    try {
      expect(readOnnxSignature(p)).toMatchObject({ ok: false, kind: 'unreadable' });
    } finally {
      chmodSync(p, 0o644);
    }
  });

  it('a FIFO (or any non-regular file) is unreadable rather than a blocking read', (ctx) => {
    const p = join(dir, 'fifo.onnx');
    if (spawnSync('mkfifo', [p]).status !== 0) ctx.skip();
    expect(readOnnxSignature(p)).toMatchObject({ ok: false, kind: 'unreadable', message: expect.stringMatching(/not a regular file/) });
  });

  it('valid protobuf that is not a ModelProto with a graph is not-onnx', () => {
    const noGraph = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }] }).finish();
    expect(parseSignature(noGraph)).toMatchObject({ ok: false, kind: 'not-onnx', message: expect.stringMatching(/no graph/) });
    // A TensorProto is valid protobuf; as a ModelProto its fields have the wrong wire types.
    const tensor = onnx.TensorProto.encode({ name: 'w', dims: [2], dataType: 1, floatData: [1, 2] }).finish();
    expect(parseSignature(tensor)).toMatchObject({ ok: false, kind: 'not-onnx' });
    const noOpset = onnx.ModelProto.encode({ irVersion: 8, graph: { output: [{ name: 'y' }] } }).finish();
    expect(parseSignature(noOpset)).toMatchObject({ ok: false, message: expect.stringMatching(/imports no operator set/) });
    const noOutputs = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 17 }], graph: { name: 'g' } }).finish();
    expect(parseSignature(noOutputs)).toMatchObject({ ok: false, message: expect.stringMatching(/declares no outputs/) });
  });

  it('random bytes are never a model and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 512 }), (bytes) => {
        const r = parseSignature(bytes);
        return !r.ok && r.kind === 'not-onnx' && r.message.length > 0;
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it('a model truncated anywhere or with one byte changed never throws', () => {
    const bytes = readFileSync(fx.multiOutput);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }), (cut, at, value) => {
        const truncated = parseSignature(bytes.subarray(0, cut));
        expect(truncated.ok).toBe(false);
        const mutated = Uint8Array.from(bytes);
        mutated[at] = value;
        const r: SignatureResult = parseSignature(mutated);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('cache', () => {
  it('returns the same object until the mtime or size changes, and a fresh one after', () => {
    const p = join(dir, 'cached.onnx');
    logisticRegressionModel({ weights: [1, 2], bias: 0 }).writeModel(p);
    const first = readOnnxSignature(p);
    expect(readOnnxSignature(p)).toBe(first);

    const t = statSync(p).mtime;
    utimesSync(p, t, new Date(t.getTime() + 5000));
    const afterTouch = readOnnxSignature(p);
    expect(afterTouch).not.toBe(first);
    expect(afterTouch).toEqual(first);
    expect(readOnnxSignature(p)).toBe(afterTouch);

    logisticRegressionModel({ weights: [1, 2, 3], bias: 0 }).writeModel(p);
    utimesSync(p, t, t); // same mtime as the first read, but a different size
    const changed = readOnnxSignature(p);
    expect(changed.ok && changed.signature.inputs[0].type.dims).toEqual(['N', 3]);

    clearSignatureCache();
    expect(readOnnxSignature(p)).not.toBe(changed);
  });

  it('hashes the file bytes with sha256', () => {
    const r = readOnnxSignature(fx.binary);
    expect(r.ok && r.sha256).toBe(createHash('sha256').update(readFileSync(fx.binary)).digest('hex'));
  });

  it('freezes cached results so no caller can corrupt them for the next', () => {
    const r = readOnnxSignature(fx.binary);
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(() => {
        (r.signature.inputs[0].type.dims as unknown[]).push(1);
      }).toThrow(TypeError);
  });
});

describe('start-up cost', () => {
  it('imports nothing but node built-ins, type-only stdlib and its own skim (no onnxruntime, no protobuf runtime)', () => {
    for (const file of ['onnx-signature.ts', 'onnx-model-skim.ts']) {
      const src = readFileSync(new URL(`../../compiler/${file}`, import.meta.url), 'utf8');
      const imports = [...src.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((m) => `${m[1] ? 'type ' : ''}${m[2]}`);
      expect(imports.length, file).toBeGreaterThan(0);
      for (const i of imports) expect(i.startsWith('node:') || i.startsWith('type ') || i === './onnx-model-skim.ts', `${file}: ${i}`).toBe(true);
    }
  });
});
