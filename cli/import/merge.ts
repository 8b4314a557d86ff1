/**
 * A candidate graph merged into the control graph for `--candidate`: steps that call the same model on the
 * same tensors are shared (a candidate that changes one member re-runs only what depends on it), the rest
 * is added under `_candidate` names, and each output the two graphs both have becomes a comparison.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { topological, type ImportGraph, type ImportModel, type ImportStep } from './graph-ir.ts';

export function mergeCandidate(control: ImportGraph, cand: ImportGraph, suffix: string, reason: string): ImportGraph {
  const g: ImportGraph = {
    ...control,
    inputs: [...control.inputs],
    models: [...control.models],
    steps: [...control.steps],
    ops: [...control.ops],
    outputs: [...control.outputs],
    comparisons: [...control.comparisons],
    notes: [...control.notes],
  };
  const tmap = new Map<string, string>();
  for (const i of cand.inputs) {
    tmap.set(i.name, i.name);
    if (!g.inputs.some((x) => x.name === i.name)) g.inputs.push(i);
  }
  // Two repositories holding the same bytes for a member share its calls.
  const identity = (m: ImportModel) => (m.kind === 'onnx' ? `onnx:${fileDigest(m.path!)}` : `external:${m.key}`);
  const controlByIdentity = new Map(control.models.map((m) => [identity(m), m.key]));
  const candModelKey = new Map<string, string>();
  for (const m of cand.models) {
    const existing = controlByIdentity.get(identity(m));
    if (existing !== undefined) {
      candModelKey.set(m.key, existing);
      continue;
    }
    const key = `${m.key}#${suffix}`;
    candModelKey.set(m.key, key);
    g.models.push({ ...m, key, name: control.models.some((c) => c.name === m.name) ? `${m.name}_${suffix}` : m.name });
  }
  // Candidate tensors keep their names unless the control uses the same name.
  const controlTensors = new Set([
    ...control.inputs.map((i) => i.name),
    ...control.steps.flatMap((s) => s.produces.map((p) => p.tensor)),
    ...control.ops.map((o) => o.result),
  ]);
  const rename = (t: string) => (controlTensors.has(t) ? `${t}_${suffix}` : t);
  const sameFeeds = (a: ImportStep['feeds'], b: ImportStep['feeds']) =>
    a.length === b.length && a.every((f) => b.some((x) => x.port === f.port && x.tensor === f.tensor));
  for (const item of topological(cand)) {
    if (item.kind === 'op') {
      const arg = tmap.get(item.op.arg) ?? item.op.arg;
      const shared = g.ops.find((o) => control.ops.includes(o) && o.op === item.op.op && o.arg === arg);
      if (shared) {
        tmap.set(item.op.result, shared.result);
        continue;
      }
      const result = rename(item.op.result);
      tmap.set(item.op.result, result);
      g.ops.push({ ...item.op, arg, result });
      continue;
    }
    const s = item.step;
    const model = candModelKey.get(s.model) ?? s.model;
    const feeds = s.feeds.map((f) => ({ ...f, tensor: tmap.get(f.tensor) ?? f.tensor }));
    const twin = control.steps.find(
      (c) => c.model === model && sameFeeds(c.feeds, feeds) && s.produces.every((p) => c.produces.some((q) => q.port === p.port)),
    );
    if (twin) {
      for (const p of s.produces) tmap.set(p.tensor, twin.produces.find((q) => q.port === p.port)!.tensor);
      continue;
    }
    const produces = s.produces.map((p) => ({ ...p, tensor: rename(p.tensor) }));
    for (let k = 0; k < s.produces.length; k++) tmap.set(s.produces[k]!.tensor, produces[k]!.tensor);
    g.steps.push({ ...s, model, feeds, produces });
  }
  const pairs = control.outputs.flatMap((o) => {
    const c = cand.outputs.find((x) => x.name === o.name);
    const t = c ? tmap.get(c.tensor) : undefined;
    return t !== undefined && t !== o.tensor ? [{ o, t }] : [];
  });
  for (const { o, t } of pairs) {
    g.comparisons.push({
      name: pairs.length === 1 ? `${suffix}_vs_control` : `${o.name}_${suffix}_vs_control`,
      control: o.tensor,
      treatment: t,
      reason,
      origin: o.origin,
    });
  }
  for (const n of cand.notes)
    if (!g.notes.some((x) => x.construct === n.construct && x.span.file === n.span.file && x.span.start === n.span.start)) g.notes.push(n);
  return g;
}

function fileDigest(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : path;
}
