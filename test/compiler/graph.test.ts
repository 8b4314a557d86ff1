/** The graph pass's graphlib DAG (built on first read) holds every declaration and every reference edge. */
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';

describe('graph pass', () => {
  it('exposes the declarations and their edges as a graphlib graph', () => {
    const c = compileSource('input x: f32[batch, 3]\nnode a = sigmoid(x)\nnode b = add(a, x)\noutput o = b\n', 'g.m4', { noPlan: true });
    const g = c.graph.graph;
    expect(g.nodes().sort()).toEqual(['a', 'b', 'o', 'x']);
    expect(
      g
        .edges()
        .map((e) => `${e.v}->${e.w}`)
        .sort(),
    ).toEqual(['a->b', 'b->o', 'x->a', 'x->b']);
    expect(g.node('a')).toMatchObject({ name: 'a', kind: 'node' });
    expect(c.graph.graph).toBe(g);
    expect(c.graph.order).toEqual(['x', 'a', 'b', 'o']);
  });
});
