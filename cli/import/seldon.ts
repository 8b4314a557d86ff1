/**
 * Seldon Core 2 → {@link ImportGraph}. A `Pipeline`'s steps call the `Model`s of the same name; a step's
 * `inputs` (`model.outputs.T`, `model.outputs`, `model`, `PIPELINE.inputs.T`, `model.inputs.T`; none means
 * the pipeline's request) arrive under their tensor names, renamed by `tensorMap`, and bind to the model's
 * inputs by name; `output.steps` become the outputs. An `Experiment` becomes a comparison: the `default`
 * (else the heaviest candidate) is the control, the other candidate — or the `mirror` — the treatment.
 * Triggers, outer/any joins and batching are reported with the line and what was done instead.
 */
import { diag, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../../grammar/ast.ts';
import { Assembler, type Incoming, type Received } from './assemble.ts';
import { emptyGraph, type ImportGraph, type ImportResult } from './graph-ir.ts';
import { mergeCandidate } from './merge.ts';
import { resolveServedModel, type ServedModel } from './served-model.ts';
import { isMap, isScalar, mapAt, nodeAt, num, readResources, seqAt, str, type Node, type Resource, type YamlSet } from './yaml-docs.ts';

export function importSeldon(path: string, name: string | undefined): ImportResult {
  const set = readResources(path);
  const diagnostics = [...set.diagnostics];
  const result = (graph: ImportGraph | null): ImportResult => ({ graph, diagnostics, sources: set.sources });
  if (diagnostics.some((d) => d.severity === 'error')) return result(null);
  const of = (kind: string) => set.resources.filter((r) => r.kind === kind && r.apiVersion.startsWith('mlops.seldon.io/'));
  const pipelines = of('Pipeline');
  const experiments = of('Experiment');
  const models = of('Model');
  const ctx = new SeldonContext(set, models, diagnostics);
  const fail = (reason: string) => {
    diagnostics.push(diag('M8010', { file: path, start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 }, { reason }));
    return result(null);
  };
  let target: Resource | undefined;
  if (name !== undefined) {
    target = [...experiments, ...pipelines, ...models].find((r) => r.name === name);
    if (!target) return fail(`no Seldon Experiment, Pipeline or Model named \`${name}\` in ${path}`);
  } else if (experiments.length === 1) target = experiments[0];
  else if (experiments.length === 0 && pipelines.length === 1) target = pipelines[0];
  else if (experiments.length === 0 && pipelines.length === 0 && models.length === 1) target = models[0];
  else {
    const all = [...experiments, ...pipelines].map((r) => `${r.kind} ${r.name}`);
    return fail(
      all.length > 0
        ? `several resources to import (${all.join(', ')}): choose one with --model NAME`
        : `no Seldon Pipeline, Experiment or Model in ${path}`,
    );
  }
  if (target.kind === 'Experiment') return result(ctx.experiment(target, pipelines));
  if (target.kind === 'Pipeline') return result(ctx.pipeline(target));
  return result(ctx.singleModel(target));
}

class SeldonContext {
  private readonly served = new Map<string, ServedModel>();

  constructor(
    private readonly set: YamlSet,
    private readonly models: Resource[],
    private readonly diagnostics: Diagnostic[],
  ) {}

  /** The Model CR `name` resolved to a file or an external declaration (once per name). */
  model(name: string, origin: Span, file: string): ServedModel {
    const cached = this.served.get(name);
    if (cached) return cached;
    const cr = this.models.find((m) => m.name === name);
    const formats = cr ? seqAt(cr.spec, 'requirements').flatMap((n) => (isScalar(n) ? [String(n.value)] : [])) : [];
    const served = resolveServedModel(
      {
        name,
        storageUri: cr?.spec ? str(cr.spec, 'storageUri') : undefined,
        formats,
        yamlFile: cr?.file ?? file,
        origin: cr ? cr.span(cr.root) : origin,
      },
      this.diagnostics,
      this.set.sources,
    );
    // Without its Model resource a step is fine if its ONNX file is next to the YAML; otherwise say what is missing.
    if (!cr && !served.signature)
      this.diagnostics.push(
        diag(
          'M8004',
          origin,
          { what: 'model', name, where: 'the YAML (no `kind: Model` with this name)' },
          { help: 'add its Model resource, or put its ONNX file at models/NAME/model.onnx next to the YAML' },
        ),
      );
    this.served.set(name, served);
    return served;
  }

  pipeline(p: Resource): ImportGraph {
    const g = emptyGraph('seldon', `Seldon Pipeline \`${p.name}\` (${p.file})`);
    const a = new Assembler(g);
    const outputs = new Map<string, Incoming[]>();
    const received = new Map<string, Received>();
    const stepNodes = seqAt(p.spec, 'steps');
    if (stepNodes.length === 0) this.diagnostics.push(diag('M8010', p.span(p.spec ?? p.root), { reason: `pipeline \`${p.name}\` has no steps` }));
    // Steps may name later steps: resolve in dependency order, a step once all it reads is known.
    const pending = stepNodes.filter(isMap);
    for (let round = 0; pending.length > 0 && round <= stepNodes.length; round++) {
      for (let i = 0; i < pending.length; i++) {
        const s = pending[i]!;
        const stepName = str(s, 'name') ?? '';
        const inputs = seqAt(s, 'inputs');
        const refs = inputs.flatMap((n) => (isScalar(n) ? [{ ref: String(n.value), node: n as Node }] : []));
        if (refs.some((r) => !this.ready(r.ref, p.name, outputs, received))) continue;
        pending.splice(i--, 1);
        this.stepNotes(g, p, s);
        const tensorMap = mapAt(s, 'tensorMap');
        const rec: Received =
          refs.length === 0
            ? { kind: 'request' }
            : { kind: 'tensors', tensors: refs.flatMap((r) => this.resolveRef(r.ref, p, outputs, received, r.node, tensorMap)) };
        received.set(stepName, rec);
        const served = this.model(stepName, p.span(nodeAt(s, 'name') ?? s), p.file);
        outputs.set(stepName, a.call(stepName, served, rec, p.span(s), false));
      }
    }
    for (const s of pending) {
      this.diagnostics.push(
        diag('M8009', p.span(s), { cycle: `step \`${str(s, 'name')}\` reads a step that reads it back (or a step that does not exist)` }),
      );
    }
    const out = mapAt(p.spec, 'output');
    const outMap = mapAt(out, 'tensorMap');
    for (const n of seqAt(out, 'steps')) {
      if (!isScalar(n)) continue;
      for (const t of this.resolveRef(String(n.value), p, outputs, received, n as Node, outMap)) {
        g.outputs.push({ name: t.name, tensor: t.tensor, origin: p.span(n as Node) });
      }
    }
    if (g.outputs.length === 0)
      this.diagnostics.push(
        diag('M8010', p.span(out ?? p.root), { reason: `pipeline \`${p.name}\` declares no \`output.steps\`: nothing to serve` }),
      );
    for (const unread of a.finalize()) {
      g.notes.push({
        construct: 'a step that reaches no pipeline output',
        span: unread.origin,
        instead: 'left out (m4 runs only what reaches an output; monitors and detectors run elsewhere)',
      });
    }
    return g;
  }

  private ready(ref: string, pipeline: string, outputs: Map<string, Incoming[]>, received: Map<string, Received>): boolean {
    const [step, section] = ref.split('.');
    if (step === pipeline) return true;
    return section === 'inputs' ? received.has(step!) : outputs.has(step!);
  }

  /** The tensors a reference names, under the names the receiver sees (after `tensorMap`). */
  private resolveRef(
    ref: string,
    p: Resource,
    outputs: Map<string, Incoming[]>,
    received: Map<string, Received>,
    node: Node,
    tensorMap: ReturnType<typeof mapAt>,
  ): Incoming[] {
    const parts = ref.split('.');
    const [step, section = 'outputs', tensor] = parts;
    const rename = (t: Incoming, full: string): Incoming => ({ name: (tensorMap && str(tensorMap, full)) ?? t.name, tensor: t.tensor });
    if (step === p.name) {
      const name = tensor ?? '';
      if (!tensor) {
        this.diagnostics.push(
          diag('M8007', p.span(node), {
            construct: `\`${ref}\` (the whole pipeline request)`,
            instead: 'each model reading it gets the request tensors named as its inputs',
          }),
        );
        return [];
      }
      return [rename({ name, tensor: name }, ref)];
    }
    let list: Incoming[];
    if (section === 'inputs') {
      const r = received.get(step!);
      list = r?.kind === 'tensors' ? r.tensors : [];
    } else list = outputs.get(step!) ?? [];
    if (tensor !== undefined) {
      const hit = list.find((t) => t.name === tensor) ?? (section === 'outputs' ? { name: tensor, tensor: `${step}.${tensor}` } : undefined);
      if (!hit) {
        this.diagnostics.push(diag('M8006', p.span(node), { tensor: ref, reader: `pipeline \`${p.name}\`` }));
        return [];
      }
      return [rename(hit, ref)];
    }
    return list.map((t) => rename(t, `${ref}.${t.name}`));
  }

  private stepNotes(g: ImportGraph, p: Resource, s: NonNullable<ReturnType<typeof mapAt>>): void {
    const triggers = nodeAt(s, 'triggers');
    if (triggers)
      g.notes.push({ construct: 'step triggers', span: p.span(triggers), instead: 'the step runs on every request, whatever its triggers' });
    const join = str(s, 'inputsJoinType') ?? str(s, 'joinType');
    if (join && join !== 'inner')
      g.notes.push({
        construct: `\`${join}\` join`,
        span: p.span(nodeAt(s, 'inputsJoinType') ?? nodeAt(s, 'joinType')),
        instead: 'imported as an inner join: every input is required',
      });
    const batch = nodeAt(s, 'batch');
    if (batch) g.notes.push({ construct: 'step batching', span: p.span(batch), instead: 'ignored: m4 batches rows itself' });
  }

  /** A graph of one model: its inputs are the request, its outputs the graph's. */
  singleModel(m: Resource): ImportGraph {
    const g = emptyGraph('seldon', `Seldon Model \`${m.name}\` (${m.file})`);
    const a = new Assembler(g);
    const served = this.model(m.name, m.span(m.root), m.file);
    for (const o of a.call(m.name, served, { kind: 'request' }, m.span(m.root), false))
      g.outputs.push({ name: o.name, tensor: o.tensor, origin: m.span(m.root) });
    a.finalize();
    return g;
  }

  experiment(e: Resource, pipelines: Resource[]): ImportGraph | null {
    const candidates = seqAt(e.spec, 'candidates')
      .filter(isMap)
      .map((c) => ({ name: str(c, 'name') ?? str(c, 'modelName') ?? '', weight: num(c, 'weight') ?? 0, node: c as Node }));
    const mirror = mapAt(e.spec, 'mirror');
    const def = e.spec ? str(e.spec, 'default') : undefined;
    const byWeight = [...candidates].sort((x, y) => y.weight - x.weight);
    const control = candidates.find((c) => c.name === def) ?? byWeight[0];
    const others = byWeight.filter((c) => c !== control);
    const treatment = others[0]
      ? { name: others[0].name, node: others[0].node, how: `candidate (weight ${others[0].weight})` }
      : mirror
        ? { name: str(mirror, 'name') ?? '', node: mirror as Node, how: `mirror (${num(mirror, 'percent') ?? 100}% of traffic)` }
        : undefined;
    if (!control || !treatment) {
      this.diagnostics.push(
        diag('M8010', e.span(e.spec ?? e.root), { reason: `experiment \`${e.name}\` needs two candidates, or a candidate and a mirror, to compare` }),
      );
      return null;
    }
    if (others.length > 1) {
      this.diagnostics.push(
        diag('M8007', e.span(e.spec ?? e.root), {
          construct: `more than two candidates (${others
            .slice(1)
            .map((c) => c.name)
            .join(', ')} too)`,
          instead: 'the two heaviest are compared',
        }),
      );
    }
    if (mirror && others[0])
      this.diagnostics.push(
        diag('M8007', e.span(mirror), {
          construct: 'a mirror next to two candidates',
          instead: 'the two heaviest candidates are compared; the mirror is left out',
        }),
      );
    const isPipeline = (e.spec && str(e.spec, 'resourceType')) === 'pipeline';
    const graphOf = (name: string, node: Node): ImportGraph | null => {
      if (isPipeline) {
        const p = pipelines.find((x) => x.name === name);
        if (!p) {
          this.diagnostics.push(diag('M8004', e.span(node), { what: 'pipeline', name, where: 'the YAML' }));
          return null;
        }
        return this.pipeline(p);
      }
      const m = this.models.find((x) => x.name === name);
      if (m) return this.singleModel(m);
      const g = emptyGraph('seldon', `Seldon Model \`${name}\``);
      const a = new Assembler(g);
      for (const o of a.call(name, this.model(name, e.span(node), e.file), { kind: 'request' }, e.span(node), false))
        g.outputs.push({ name: o.name, tensor: o.tensor, origin: e.span(node) });
      a.finalize();
      return g;
    };
    const cg = graphOf(control.name, control.node);
    const tg = graphOf(treatment.name, treatment.node);
    if (!cg || !tg) return null;
    const merged = mergeCandidate(
      cg,
      tg,
      treatment.name,
      `Seldon Experiment \`${e.name}\`: \`${treatment.name}\` (${treatment.how}) against \`${control.name}\` (${control.name === def ? 'the default' : `weight ${control.weight}`}).`,
    );
    merged.title = `Seldon Experiment \`${e.name}\` (${e.file})`;
    return merged;
  }
}
