/**
 * `model NAME = external(...)`: checked by its declared signature, formatted canonically, lowered into the
 * plan as external, and refused by the runtime with the node that calls it.
 */
import { describe, expect, it } from 'vitest';
import { formatSource } from '../../compiler/format.ts';
import { describeModel } from '../../lsp/describe.ts';
import { PlanError } from '../../plan/plan-schema.ts';
import { loadPlan } from '../../runtime/plan-load.ts';
import { compileInline } from '../support/compiler-harness.ts';

const GRAPH = [
  'input text: str[batch]',
  'model pre = external(backend: "python", inputs: {TEXT: str[batch]}, outputs: {FEATS: f32[batch, 4], N: i64[batch]})',
  'model lr  = onnx("models/binary.onnx")',
  'output p = lr(x: pre(TEXT: text).FEATS).probabilities',
  '',
].join('\n');

describe('external models', () => {
  it('type-checks the graph around an external model and reports it as info', () => {
    const c = compileInline(GRAPH);
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const info = c.diagnostics.find((d) => d.code === 'M2013');
    expect(info?.message).toContain('`pre` is external (python)');
    expect(c.models.get('pre')?.signature.outputs.map((o) => o.name)).toEqual(['FEATS', 'N']);
  });

  it('is described by its declared signature on hover', () => {
    const text = describeModel(compileInline(GRAPH).models.get('pre')!);
    expect(text).toContain('model pre = external(backend: "python")');
    expect(text).toContain('FEATS: f32[batch, 4]');
    expect(text).toContain('`m4c run` cannot run it');
  });

  it('reports a call that does not fit the declared signature', () => {
    const c = compileInline(`input num: f32[batch]\n${GRAPH.replace('pre(TEXT: text)', 'pre(TEXT: num)')}output t = text\n`);
    const errors = c.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual(['M3002']);
    expect(errors[0]!.notes?.join('\n')).toContain('its declared signature');
  });

  it('rejects bad arguments with M2012', () => {
    const noOutputs = compileInline('input t: str[batch]\nmodel pre = external(inputs: {T: str[batch]})\noutput o = t\n');
    expect(noOutputs.diagnostics.map((d) => d.code)).toContain('M2012');
    const withPath = compileInline('model pre = external("a.onnx", outputs: {T: str[batch]})\n');
    expect(withPath.diagnostics.find((d) => d.code === 'M2012')?.message).toContain('takes no file');
    const onnxOptions = compileInline('model m = onnx("models/binary.onnx", backend: "x")\n');
    expect(onnxOptions.diagnostics.find((d) => d.code === 'M2012')?.message).toContain('only the model file');
    const badDtype = compileInline('model pre = external(outputs: {T: f16[batch]})\n');
    expect(badDtype.diagnostics.map((d) => d.code)).toContain('M3001');
  });

  it('lowers to an external plan model with a signature digest, which the runtime refuses naming the node', () => {
    const c = compileInline(GRAPH);
    expect(c.plan).toBeDefined();
    const pre = c.plan!.models.find((m) => m.name === 'pre')!;
    expect(pre.external).toEqual({ backend: 'python' });
    expect(pre.sha256).toMatch(/^[0-9a-f]{64}$/);
    const changed = compileInline(GRAPH.replace('N: i64[batch]', 'N: i32[batch]'));
    expect(changed.plan!.plan_hash).not.toBe(c.plan!.plan_hash);
    expect(() => loadPlan(c.plan, { label: 'g.m4' })).toThrow(PlanError);
    expect(() => loadPlan(c.plan, { label: 'g.m4' })).toThrow(
      /node `p\/pre` \(test\.m4:4:\d+\) calls model `pre`, which is external \(backend python\)/,
    );
  });

  it('formats in the canonical layout, breaking a long signature one entry per line', () => {
    const r = formatSource('model pre=external( backend:"python",inputs:{T:str[ batch ]},outputs:{F:f32[batch,4]})\n');
    expect(r.ok && r.text).toBe('model pre = external(backend: "python", inputs: {T: str[batch]}, outputs: {F: f32[batch, 4]})\n');
    const long = formatSource(GRAPH.replace('N: i64[batch]', 'TOKEN_COUNT: i64[batch], ATTENTION_MASK: i64[batch, 128]'));
    expect(long.ok && long.text).toContain('model pre = external(\n  backend: "python",\n');
    const again = long.ok ? formatSource(long.text) : undefined;
    expect(again?.ok && again.changed).toBe(false);
  });
});
