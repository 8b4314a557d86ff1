/**
 * The identity of a graph. The compiler writes it into every plan; `m4c compare` (a plan lowered from a
 * generated graph), state files and records carry it, and merge compares it.
 */
import { createHash } from 'node:crypto';
import type { Plan } from './plan-types.ts';

/**
 * The identity of a graph: what it computes, not where it was written. Spans, file paths and sinks are left
 * out, so reformatting a file or moving it keeps the hash; changing a model's bytes changes it.
 */
export function planHash(body: Pick<Plan, 'inputs' | 'models' | 'nodes' | 'edges' | 'comparisons' | 'outputs'>): string {
  const canonical = {
    inputs: body.inputs.map(({ span: _s, ...rest }) => rest),
    models: body.models.map((m) => ({ name: m.name, sha256: m.sha256, signature: m.signature })),
    nodes: body.nodes.map(({ span: _s, ...rest }) => rest),
    edges: body.edges,
    comparisons: body.comparisons.map(({ span: _s, sinks: _k, gates, ...rest }) => ({ ...rest, gates: gates.map(({ span: _g, ...g }) => g) })),
    outputs: body.outputs.map(({ span: _s, ...rest }) => rest),
  };
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}

/** JSON with object keys sorted, so equal values hash equally whatever their construction order. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}
