/**
 * The grammar on its own: spans on every node, quoted names, comments kept, and per-declaration recovery.
 */
import { describe, expect, it } from 'vitest';
import { IncrementalParser } from '../../grammar/incremental-parse.ts';
import { MAX_NESTING, parse } from '../../grammar/parse.ts';
import type { CompareDecl, NodeDecl } from '../../grammar/ast.ts';

describe('parse', () => {
  it('gives every node a span that covers its text', () => {
    const text = 'input tx: f32[batch, 30]\nnode c = column(v1(x: tx).probabilities, index: 1)\n';
    const { program, problems } = parse(text, 'a.m4');
    expect(problems).toEqual([]);
    const node = program.decls[1] as NodeDecl;
    expect(text.slice(node.span.start, node.span.end)).toBe('node c = column(v1(x: tx).probabilities, index: 1)');
    expect(node.span).toMatchObject({ line: 2, column: 1, endLine: 2 });
    const call = node.expr!;
    expect(call.kind).toBe('call');
    if (call.kind !== 'call') return;
    const inner = call.args[0]!.value!;
    expect(text.slice(inner.span.start, inner.span.end)).toBe('v1(x: tx).probabilities');
    expect(call.args[1]!.name!.text).toBe('index');
  });

  it('reads quoted names, negative numbers and gates with a confidence', () => {
    const text = 'node o = pt(`onnx::Flatten_0`: f).`39`\ncompare c { gate recall.delta >= -0.01 at 95% }\n';
    const { program, problems } = parse(text, 'q.m4');
    expect(problems).toEqual([]);
    const o = program.decls[0] as NodeDecl;
    expect(o.expr).toMatchObject({
      kind: 'member',
      member: { text: '39', quoted: true },
      object: { args: [{ name: { text: 'onnx::Flatten_0', quoted: true } }] },
    });
    const gate = (program.decls[1] as CompareDecl).gates[0]!;
    expect(gate).toMatchObject({ op: '>=', bound: { value: -0.01 }, at: { value: 95 }, text: 'recall.delta >= -0.01 at 95%' });
  });

  it('keeps comments with their spans', () => {
    const { program } = parse('// one\ninput x: f32[b] /* two */\n', 'c.m4');
    expect(program.comments.map((c) => [c.text, c.block, c.span.line])).toEqual([
      ['// one', false, 1],
      ['/* two */', true, 2],
    ]);
  });

  it('recovers per declaration: the declarations around a broken one still parse', () => {
    const { program, problems } = parse('input x: f32[b]\nnode a = f(x,\nnode b = g(x)\noutput o = b\n', 'r.m4');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.span.line).toBe(2);
    expect(program.decls.map((d) => `${d.kind}:${d.name?.text}`)).toEqual(['input:x', 'node:a', 'node:b', 'output:o']);
  });
});

describe('the nesting limit', () => {
  const compare = (open: string) =>
    `input s: f32[batch]\ncompare ab {\n  control: s\n  treatment: s\n  task: regression\n  metrics: [${open}\n  gate pearson >= 0.9\n}\nnode after = s\n`;

  it('150 unclosed `[` inside `metrics: [` give one too-deep problem at the first bracket past the limit', () => {
    const text = compare('['.repeat(150));
    const { program, problems } = parse(text, 'a.m4');
    expect(problems.map((p) => p.kind)).toEqual(['too-deep']);
    const p = problems[0]!;
    // `compare {` and `metrics: [` open two levels: the limit is passed at the (MAX_NESTING - 1)th `[` after them.
    expect(text[p.span.start]).toBe('[');
    expect(p.span.start).toBe(text.indexOf('metrics: [') + 'metrics: '.length + MAX_NESTING - 1);
    // The declarations around it still parse.
    expect(program.decls.map((d) => d.kind)).toEqual(['input', 'node']);
  });

  it('just under the limit, the same unclosed brackets are an incomplete declaration, not a stack overflow', () => {
    const kinds = parse(compare('['.repeat(MAX_NESTING - 3)), 'a.m4').problems.map((p) => p.kind);
    expect(kinds).not.toContain('too-deep');
    expect(kinds.length).toBeGreaterThan(0);
  });

  it('the incremental parser agrees, and so does a parse started deep in a caller stack', () => {
    const text = compare('['.repeat(150));
    expect(new IncrementalParser('a.m4').parse(text)).toEqual(parse(text, 'a.m4'));
    const deep = (n: number): string[] => (n === 0 ? parse(text, 'a.m4').problems.map((p) => p.kind) : deep(n - 1));
    expect(deep(3000)).toEqual(['too-deep']);
  });
});
