/**
 * KServe `InferenceGraph` → {@link ImportGraph}, evaluated from the `root` node. A `Sequence` passes the
 * request to its first step and, to a step with `data: $response`, the previous step's response; an
 * `Ensemble` sends the request to every step and answers with all their outputs; a `Splitter` with two
 * steps is a comparison (the heavier branch serves and is the control); a `Switch`'s conditions cannot be
 * evaluated: every branch is imported, the first answers and the others become extra outputs. Steps name
 * `InferenceService`s (`serviceName`), other nodes (`nodeName`) or URLs (`serviceUrl`, declared external).
 */
import { diag, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../../grammar/ast.ts';
import { Assembler, type Incoming, type Received } from './assemble.ts';
import { emptyGraph, type ImportGraph, type ImportResult } from './graph-ir.ts';
import { resolveServedModel, type ServedModel } from './served-model.ts';
import { isMap, mapAt, nodeAt, num, readResources, seqAt, str, type Node, type Resource, type YAMLMap } from './yaml-docs.ts';

export function importKserve(path: string, name: string | undefined): ImportResult {
  const set = readResources(path);
  const diagnostics = [...set.diagnostics];
  const result = (graph: ImportGraph | null): ImportResult => ({ graph, diagnostics, sources: set.sources });
  if (diagnostics.some((d) => d.severity === 'error')) return result(null);
  const ours = set.resources.filter((r) => r.apiVersion.startsWith('serving.kserve.io/'));
  const graphs = ours.filter((r) => r.kind === 'InferenceGraph');
  const services = ours.filter((r) => r.kind === 'InferenceService');
  const target = name !== undefined ? graphs.find((g) => g.name === name) : graphs.length === 1 ? graphs[0] : undefined;
  if (!target) {
    const reason =
      name !== undefined
        ? `no InferenceGraph named \`${name}\` in ${path}`
        : graphs.length > 1
          ? `several InferenceGraphs (${graphs.map((g) => g.name).join(', ')}): choose one with --model NAME`
          : `no KServe InferenceGraph in ${path}`;
    diagnostics.push(diag('M8010', { file: path, start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 }, { reason }));
    return result(null);
  }
  const ev = new GraphEvaluator(target, services, diagnostics, set.sources);
  return result(ev.run());
}

class GraphEvaluator {
  private readonly g: ImportGraph;
  private readonly a: Assembler;
  private readonly served = new Map<string, ServedModel>();
  private readonly visiting = new Set<string>();
  private readonly nodes: YAMLMap | undefined;

  constructor(
    private readonly ig: Resource,
    private readonly services: Resource[],
    private readonly diagnostics: Diagnostic[],
    private readonly sources: Map<string, string>,
  ) {
    this.g = emptyGraph('kserve', `KServe InferenceGraph \`${ig.name}\` (${ig.file})`);
    this.a = new Assembler(this.g);
    this.nodes = mapAt(ig.spec, 'nodes');
  }

  run(): ImportGraph | null {
    const root = mapAt(this.nodes, 'root');
    if (!root) {
      this.diagnostics.push(
        diag('M8010', this.ig.span(this.nodes ?? this.ig.spec ?? this.ig.root), {
          reason: `InferenceGraph \`${this.ig.name}\` has no \`root\` node (the entry point must be named root)`,
        }),
      );
      return null;
    }
    const answer = this.node('root', { kind: 'request' });
    for (const t of answer) this.g.outputs.push({ name: t.name, tensor: t.tensor, origin: this.ig.span(root) });
    for (const unread of this.a.finalize())
      this.g.notes.push({
        construct: 'a step whose answer is not returned',
        span: unread.origin,
        instead: 'left out: m4 runs only what reaches an output',
      });
    return this.g;
  }

  private span(n: Node | undefined): Span {
    return this.ig.span(n ?? this.ig.root);
  }

  /** Evaluate node `name` on what it receives; returns its response. */
  private node(name: string, request: Received): Incoming[] {
    const n = mapAt(this.nodes, name);
    if (!n) return [];
    if (this.visiting.has(name)) {
      this.diagnostics.push(diag('M8009', this.span(n), { cycle: `node \`${name}\` reaches itself through nodeName steps` }));
      return [];
    }
    this.visiting.add(name);
    const router = str(n, 'routerType') ?? 'Sequence';
    const steps = [...seqAt(n, 'steps'), ...seqAt(n, 'routes')].filter(isMap);
    let out: Incoming[] = [];
    switch (router) {
      case 'Sequence': {
        let prev: Incoming[] | null = null;
        for (const s of steps) {
          const cond = nodeAt(s, 'condition');
          if (cond) this.g.notes.push({ construct: 'a Sequence step condition', span: this.span(cond), instead: 'the step always runs' });
          const data = str(s, 'data');
          const input: Received = data === '$response' && prev !== null ? { kind: 'tensors', tensors: prev } : request;
          prev = this.step(s, input, name);
        }
        out = prev ?? [];
        break;
      }
      case 'Ensemble': {
        for (const s of steps) {
          const resp = this.step(s, request, name);
          const stepName = str(s, 'name') ?? str(s, 'serviceName') ?? str(s, 'nodeName') ?? 'step';
          // KServe answers an ensemble with each step's response under the step's name.
          for (const t of resp) out.push({ name: `${stepName}_${t.name}`, tensor: t.tensor });
        }
        break;
      }
      case 'Splitter': {
        const branches = steps.map((s) => ({ s, weight: num(s, 'weight') ?? 0 })).sort((x, y) => y.weight - x.weight);
        const responses = branches.map((b) => this.step(b.s, request, name));
        out = responses[0] ?? [];
        if (branches.length >= 2) {
          const [c, t] = [branches[0]!, branches[1]!];
          const label = (s: YAMLMap) => str(s, 'serviceName') ?? str(s, 'nodeName') ?? 'branch';
          for (const ct of responses[0]!) {
            const tt =
              responses[1]!.find((x) => x.name === ct.name) ??
              (responses[1]!.length === 1 && responses[0]!.length === 1 ? responses[1]![0] : undefined);
            if (!tt) continue;
            this.g.comparisons.push({
              name: `${label(t.s)}_vs_${label(c.s)}`,
              control: ct.tensor,
              treatment: tt.tensor,
              origin: this.span(n),
              reason: `KServe Splitter \`${name}\`: \`${label(t.s)}\` (weight ${t.weight}) against \`${label(c.s)}\` (weight ${c.weight}, the control).`,
            });
          }
          if (branches.length > 2)
            this.g.notes.push({
              construct: `a Splitter with ${branches.length} branches`,
              span: this.span(n),
              instead: 'the two heaviest branches are compared; the others are imported but not compared',
            });
        }
        break;
      }
      case 'Switch': {
        this.g.notes.push({
          construct: 'Switch conditions',
          span: this.span(n),
          instead: 'conditions are not evaluated: the first branch answers, every other branch is an extra output',
        });
        steps.forEach((s, k) => {
          const resp = this.step(s, request, name);
          if (k === 0) out = resp;
          else
            for (const t of resp)
              this.g.outputs.push({
                name: `${str(s, 'serviceName') ?? str(s, 'nodeName') ?? `branch${k}`}_${t.name}`,
                tensor: t.tensor,
                origin: this.span(s),
              });
        });
        break;
      }
      default:
        this.diagnostics.push(
          diag('M8003', this.span(nodeAt(n, 'routerType')), {
            field: 'routerType',
            reason: `${router} is not one of Sequence, Switch, Ensemble, Splitter`,
          }),
        );
    }
    this.visiting.delete(name);
    return out;
  }

  private step(s: YAMLMap, input: Received, nodeName: string): Incoming[] {
    const target = str(s, 'nodeName');
    if (target !== undefined) {
      if (!mapAt(this.nodes, target)) {
        this.diagnostics.push(
          diag('M8004', this.span(nodeAt(s, 'nodeName')), { what: 'node', name: target, where: `InferenceGraph \`${this.ig.name}\`` }),
        );
        return [];
      }
      return this.node(target, input);
    }
    const service = str(s, 'serviceName') ?? str(s, 'service');
    const url = str(s, 'serviceUrl');
    const stepName = str(s, 'name') ?? service ?? 'external';
    let served: ServedModel;
    if (service !== undefined) served = this.service(service, nodeAt(s, 'serviceName') ?? nodeAt(s, 'service'));
    else {
      served = {
        model: {
          key: `url:${url ?? stepName}`,
          name: stepName,
          kind: 'external',
          backend: 'http',
          signature: { inputs: [], outputs: [] },
          origin: this.span(s),
          advice: `A service at ${url ?? '?'}: declare its signature, or export it to ONNX.`,
        },
        signature: null,
      };
      this.diagnostics.push(diag('M8008', this.span(s), { model: stepName, backend: `HTTP service (${url ?? 'no URL'})` }));
    }
    return this.a.call(`${nodeName}.${stepName}`, served, input, this.span(s), true);
  }

  private service(name: string, at: Node | undefined): ServedModel {
    const cached = this.served.get(name);
    if (cached) return cached;
    const isvc = this.services.find((r) => r.name === name);
    if (!isvc)
      this.diagnostics.push(
        diag(
          'M8004',
          this.span(at),
          { what: 'InferenceService', name, where: 'the YAML' },
          { help: 'add its InferenceService, or put its ONNX file at models/NAME/model.onnx next to the YAML' },
        ),
      );
    const predictor = mapAt(isvc?.spec, 'predictor');
    const model = mapAt(predictor, 'model');
    const formats: string[] = [];
    let storageUri: string | undefined;
    if (model) {
      const f = str(mapAt(model, 'modelFormat') ?? model, 'name');
      if (f) formats.push(f);
      storageUri = str(model, 'storageUri');
    } else if (predictor) {
      // The older per-framework form: `predictor: { onnx: { storageUri } }`.
      for (const fw of ['onnx', 'sklearn', 'xgboost', 'lightgbm', 'tensorflow', 'pytorch', 'triton', 'pmml', 'paddle']) {
        const m = mapAt(predictor, fw);
        if (m) {
          formats.push(fw);
          storageUri = str(m, 'storageUri');
          break;
        }
      }
    }
    const served = resolveServedModel(
      { name, storageUri, formats, yamlFile: isvc?.file ?? this.ig.file, origin: isvc ? isvc.span(isvc.root) : this.span(at) },
      this.diagnostics,
      this.sources,
    );
    this.served.set(name, served);
    return served;
  }
}
