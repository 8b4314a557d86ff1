/**
 * Drawing a plan (`m4c graph`): exactly its nodes and edges, as Graphviz dot or Mermaid. Each edge is labelled with the
 * tensor type it carries (and the model output it comes from, when a model has several).
 */
import type { Plan, PlanNode, PlanRef } from './plan-types.ts';
import { formatType } from './tensor-type.ts';

interface Drawable {
  id: string;
  label: string;
  shape: 'input' | 'op' | 'model' | 'compare' | 'output';
}

function drawables(plan: Plan): { nodes: Drawable[]; edges: { from: string; to: string; label: string }[] } {
  const byId = new Map<string, PlanNode>(plan.nodes.map((n) => [n.id, n]));
  const typeOf = (r: PlanRef) => {
    const n = byId.get(r.node);
    const o = n?.outputs.find((x) => x.name === r.output);
    const t = o ? formatType(o.type) : '?';
    return n?.kind === 'model' ? `.${r.output} ${t}` : t;
  };
  const nodes: Drawable[] = plan.nodes.map((n) => ({
    id: n.id,
    label: n.kind === 'input' ? `input ${n.id}` : n.kind === 'op' ? `${n.id}\n${n.op}(...)` : `${n.id}\nmodel ${n.model}`,
    shape: n.kind,
  }));
  for (const c of plan.comparisons) nodes.push({ id: `compare:${c.name}`, label: `compare ${c.name}\n${c.task.kind}`, shape: 'compare' });
  for (const o of plan.outputs) nodes.push({ id: `output:${o.name}`, label: `output ${o.name}`, shape: 'output' });
  const edges = plan.edges.map((e) => ({ from: e.from.node, to: e.to, label: typeOf(e.from) }));
  return { nodes, edges };
}

export function planToDot(plan: Plan): string {
  const { nodes, edges } = drawables(plan);
  const shapes: Record<Drawable['shape'], string> = { input: 'ellipse', op: 'box', model: 'box3d', compare: 'hexagon', output: 'doublecircle' };
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph m4 {', '  rankdir=LR;', '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const n of nodes) lines.push(`  ${q(n.id)} [label=${q(n.label)}, shape=${shapes[n.shape]}];`);
  for (const e of edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.label)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function planToMermaid(plan: Plan): string {
  const { nodes, edges } = drawables(plan);
  const ids = new Map<string, string>();
  nodes.forEach((n, i) => ids.set(n.id, `n${i}`));
  const text = (s: string) => s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>');
  const open: Record<Drawable['shape'], [string, string]> = {
    input: ['([', '])'],
    op: ['[', ']'],
    model: ['[[', ']]'],
    compare: ['{{', '}}'],
    output: ['((', '))'],
  };
  const lines = ['flowchart LR'];
  for (const n of nodes) {
    const [a, b] = open[n.shape];
    lines.push(`  ${ids.get(n.id)}${a}"${text(n.label)}"${b}`);
  }
  for (const e of edges) lines.push(`  ${ids.get(e.from)} -->|"${text(e.label)}"| ${ids.get(e.to)}`);
  return `${lines.join('\n')}\n`;
}
