/**
 * Triton → {@link ImportGraph}. An ensemble's inputs become graph inputs (dtypes mapped, `-1` dims symbolic,
 * the implicit batch dim from `max_batch_size` > 0 prepended), each step a call of its member whose
 * arguments follow `input_map` and whose outputs name ensemble tensors by `output_map`, and the ensemble
 * outputs become outputs. ONNX Runtime members point at their real `model.onnx` (latest version unless the
 * step pins one); other members are declared external by their config's signature. A plain (non-ensemble)
 * model imports as a graph of one call. Problems are diagnostics at the config line that causes them.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { diag, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../../grammar/ast.ts';
import type { Dim } from '../../plan/tensor-type.ts';
import { emptyGraph, type ImportGraph, type ImportResult, type ImportStep, type ImportType } from './graph-ir.ts';
import type { TensorConfig, TritonConfig } from './pbtxt/model-config.ts';
import { adviceFor, mapDtype, memberBackend, transformHint, TritonRepository } from './triton-repo.ts';

export interface TritonImportOptions {
  /** A repository directory, or one model's directory inside it. */
  path: string;
  model?: string;
  /** Version overrides: member name → version to use (the candidate), and versions to skip (the control). */
  useVersion?: number;
  skipVersion?: number;
}

/** Where the repository is and which model to import, from a path to either. */
export function locateTriton(path: string, model: string | undefined): { repo: TritonRepository; model: string | undefined } {
  const abs = resolve(path);
  if (existsSync(join(abs, 'config.pbtxt'))) return { repo: new TritonRepository(dirname(abs)), model: model ?? basename(abs) };
  return { repo: new TritonRepository(abs), model };
}

export function importTriton(opts: TritonImportOptions, repo?: TritonRepository): ImportResult {
  const located = repo ? { repo, model: opts.model } : locateTriton(opts.path, opts.model);
  const r = located.repo;
  const diagnostics: Diagnostic[] = [];
  const fail = (reason: string): ImportResult => {
    diagnostics.push(diag('M8010', pathSpan(r.dir), { reason }));
    return { graph: null, diagnostics, sources: r.sources };
  };
  const names = r.modelNames();
  if (names.length === 0) return fail(`${r.dir} is not a Triton model repository: no NAME/config.pbtxt inside`);
  let target = located.model;
  if (target === undefined) {
    const ensembles = names.filter((n) => r.config(n)?.config?.platform?.value === 'ensemble');
    const broken = names.filter((n) => r.config(n)?.config === null);
    if (ensembles.length === 1) target = ensembles[0];
    else if (ensembles.length > 1) return fail(`the repository holds several ensembles (${ensembles.join(', ')}): choose one with --model NAME`);
    else if (names.length === 1) target = names[0];
    else {
      for (const b of broken) diagnostics.push(...r.config(b)!.diagnostics);
      return fail(
        `the repository holds no ensemble${broken.length ? ' that could be read' : ''} and several models (${names.join(', ')}): choose one with --model NAME`,
      );
    }
  }
  if (!r.has(target!)) return fail(`model \`${target}\` is not in the repository ${r.dir} (models: ${names.join(', ')})`);
  const top = r.config(target!)!;
  diagnostics.push(...top.diagnostics);
  if (!top.config) return { graph: null, diagnostics, sources: r.sources };
  const cfg = top.config;
  const isEnsemble = cfg.platform?.value === 'ensemble';
  const g = emptyGraph('triton', `Triton ${isEnsemble ? 'ensemble' : 'model'} \`${target}\` in ${r.dir}`);
  const b = new GraphBuilder(r, g, diagnostics, opts);

  for (const i of cfg.inputs) {
    g.inputs.push({ name: i.name, type: b.tensorType(i, cfg.maxBatchSize > 0, i.dims, 'symbol'), optional: i.optional, origin: i.span });
  }
  for (const u of cfg.unsupported)
    g.notes.push({ construct: u.construct, span: u.span, instead: 'imported as a stateless graph answering each request once' });
  if (isEnsemble) {
    if (!cfg.steps || cfg.steps.length === 0) return fail(`ensemble \`${target}\` has no \`ensemble_scheduling { step [...] }\``);
    for (const s of cfg.steps) b.step(s.modelName.value, s.modelName.span, s.modelVersion, s.inputMap, s.outputMap, s.span);
  } else {
    // A plain model: one call reading the inputs and producing the outputs, by their own names.
    const own = cfg.inputs.map((i) => ({ key: i.name, value: i.name, span: i.span }));
    const outs = cfg.outputs.map((o) => ({ key: o.name, value: o.name, span: o.span }));
    b.step(target!, cfg.name?.span ?? cfg.span, -1, own, outs, cfg.span);
  }
  for (const o of cfg.outputs) {
    g.outputs.push({ name: o.name, tensor: o.name, origin: o.span });
    if (!b.produced.has(o.name)) diagnostics.push(diag('M8006', o.span, { tensor: o.name, reader: `the output of \`${target}\`` }));
  }
  b.checkReads(cfg.inputs);
  b.checkCycle();
  const fatal = diagnostics.some(
    (d) => d.severity === 'error' && (d.code === 'M8001' || d.code === 'M8002' || d.code === 'M8003' || d.code === 'M8004'),
  );
  return { graph: fatal ? null : g, diagnostics, sources: r.sources };
}

type MapEntry = { key: string; value: string; span: Span };

class GraphBuilder {
  /** Ensemble tensor → where it is produced. */
  readonly produced = new Map<string, Span>();
  private readonly reads: { tensor: string; span: Span; reader: string }[] = [];
  private readonly modelKeys = new Set<string>();
  private readonly opResults = new Set<string>();

  constructor(
    private readonly r: TritonRepository,
    private readonly g: ImportGraph,
    private readonly diagnostics: Diagnostic[],
    private readonly opts: TritonImportOptions,
  ) {}

  /** An m4 type from Triton dims: the batch dim first when batching, `-1` → a symbol or `?`. */
  tensorType(t: TensorConfig, batched: boolean, dims: number[], unknown: 'symbol' | '?'): ImportType {
    const m = mapDtype(t.dataType);
    if (!m.exact)
      this.g.notes.push({
        construct: `${t.dataType} (\`${t.name}\`)`,
        span: t.span,
        instead: `declared as ${m.dtype}; convert the tensor in the model if the values matter`,
      });
    const out: Dim[] = batched ? ['batch'] : [];
    dims.forEach((d) => out.push(d === -1 ? (unknown === 'symbol' ? `${t.name}_${out.length}` : null) : d));
    return { dtype: m.dtype, dims: out };
  }

  step(member: string, memberSpan: Span, pinned: number, inputMap: MapEntry[], outputMap: MapEntry[], span: Span): void {
    const entry = this.r.config(member);
    // A step that cannot be built still produces its tensors, so readers are not reported a second time.
    const skip = () => {
      for (const e of outputMap) this.produced.set(e.value, e.span);
    };
    if (!entry) {
      this.diagnostics.push(
        diag(
          'M8004',
          memberSpan,
          { what: 'model', name: member, where: `the repository ${this.r.dir}` },
          { help: `add ${member}/config.pbtxt, or correct the name (models: ${this.r.modelNames().join(', ')})` },
        ),
      );
      return skip();
    }
    this.diagnostics.push(...entry.diagnostics);
    const c = entry.config;
    if (!c) return skip();
    const { onnx, backend } = memberBackend(c);
    for (const u of c.unsupported)
      this.g.notes.push({ construct: `${u.construct} in \`${member}\``, span: u.span, instead: 'imported as one response per request' });
    const key = this.addModel(member, c, onnx, backend, pinned);
    const st: ImportStep = { model: key, feeds: [], produces: [], origin: span };
    for (const e of inputMap) {
      this.reads.push({ tensor: e.value, span: e.span, reader: `step \`${member}\`` });
      const cin = c.inputs.find((i) => i.name === e.key);
      const fed = onnx && cin?.reshape ? this.reshapeOp(e.value, cin, c.maxBatchSize > 0, 'in', e.span) : e.value;
      st.feeds.push({ port: e.key, tensor: fed, origin: e.span });
    }
    for (const e of outputMap) {
      if (this.produced.has(e.value)) {
        this.diagnostics.push(diag('M8011', e.span, { tensor: e.value }));
        continue;
      }
      this.produced.set(e.value, e.span);
      const cout = c.outputs.find((o) => o.name === e.key);
      if (onnx && cout?.reshape && this.reshapeKind(cout.reshape, cout.dims) !== null) {
        const raw = `${e.value}__${member}_raw`;
        st.produces.push({ port: e.key, tensor: raw, origin: e.span });
        this.reshapeOp(raw, cout, c.maxBatchSize > 0, 'out', e.span, e.value);
      } else {
        st.produces.push({ port: e.key, tensor: e.value, origin: e.span });
      }
    }
    this.g.steps.push(st);
  }

  private addModel(member: string, c: TritonConfig, onnx: boolean, backend: string, pinned: number): string {
    if (!onnx) {
      const key = `${member}`;
      if (!this.modelKeys.has(key)) {
        this.modelKeys.add(key);
        const batched = c.maxBatchSize > 0;
        const sig = (ts: TensorConfig[]) => ts.map((t) => ({ name: t.name, type: this.tensorType(t, batched, t.dims, '?') }));
        this.g.models.push({
          key,
          name: member,
          kind: 'external',
          backend,
          signature: { inputs: sig(c.inputs), outputs: sig(c.outputs) },
          advice: [adviceFor(backend), transformHint(c)].filter((x) => x !== null).join(' '),
          origin: c.backend?.span ?? c.platform?.span ?? c.span,
        });
        this.diagnostics.push(diag('M8008', c.backend?.span ?? c.platform?.span ?? c.span, { model: member, backend }));
      }
      return key;
    }
    // The candidate version replaces a pinned one too: `--candidate 2` on a step pinned at 1 compares 2 with 1.
    const hasCandidate = this.opts.useVersion !== undefined && this.r.versions(member).includes(this.opts.useVersion);
    const version = hasCandidate ? this.opts.useVersion! : this.r.pickVersion(member, c, pinned, this.opts.skipVersion);
    const key = `${member}@${version ?? 'none'}`;
    if (this.modelKeys.has(key)) return key;
    this.modelKeys.add(key);
    let path: string;
    if (version === null) {
      this.diagnostics.push(
        diag('M8005', c.span, {
          model: member,
          reason: `no version directory (${member}/1/${c.defaultModelFilename ?? 'model.onnx'}) in ${this.r.dir}`,
        }),
      );
      path = this.r.modelFile(member, c, 1);
    } else {
      path = this.r.modelFile(member, c, version);
      if (!existsSync(path)) {
        this.diagnostics.push(
          diag('M8005', c.span, { model: member, reason: `${member}/${version}/${c.defaultModelFilename ?? 'model.onnx'} does not exist` }),
        );
      }
    }
    this.g.models.push({ key, name: member, kind: 'onnx', path, origin: c.span });
    return key;
  }

  /** `expand_dims` when the reshape appends a size-1 axis, `squeeze` when it drops one, null otherwise. */
  reshapeKind(from: number[], to: number[]): 'expand_dims' | 'squeeze' | null {
    const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    if (same(to, [...from, 1])) return 'expand_dims';
    if (same(from, [...to, 1])) return 'squeeze';
    return null;
  }

  /**
   * A member tensor whose `reshape` differs from its `dims`: for an input, the model sees `reshape`; for an
   * output, the model produces `reshape` and the ensemble sees `dims`. Returns the tensor to feed.
   */
  private reshapeOp(tensor: string, t: TensorConfig, batched: boolean, dir: 'in' | 'out', span: Span, result?: string): string {
    const reshape = t.reshape!;
    const [from, to] = dir === 'in' ? [t.dims, reshape] : [reshape, t.dims];
    if (from.length === to.length && from.every((x, i) => x === to[i])) return tensor;
    const kind = this.reshapeKind(from, to);
    if (kind === null || (!batched && from.length + to.length <= 1)) {
      this.g.notes.push({
        construct: `reshape [${from.join(', ')}] → [${to.join(', ')}] of \`${t.name}\``,
        span: t.span,
        instead: 'the tensor is passed as it is (m4 has no general reshape op); the compiler checks the shapes',
      });
      return tensor;
    }
    const out = result ?? `${tensor}__${t.name}_reshaped`;
    if (!this.opResults.has(out)) {
      this.opResults.add(out);
      this.g.ops.push({ op: kind, arg: tensor, result: out, origin: span });
    }
    return out;
  }

  /** Every tensor a step reads is an input or some step's output. */
  checkReads(inputs: TensorConfig[]): void {
    const known = new Set([...inputs.map((i) => i.name), ...this.produced.keys()]);
    for (const r of this.reads) if (!known.has(r.tensor)) this.diagnostics.push(diag('M8006', r.span, { tensor: r.tensor, reader: r.reader }));
  }

  /** Steps reading each other's outputs in a loop (Triton refuses to load such an ensemble). */
  checkCycle(): void {
    const producer = new Map<string, ImportStep>();
    for (const s of this.g.steps) for (const p of s.produces) producer.set(p.tensor, s);
    for (const o of this.g.ops) {
      const s = producer.get(o.arg);
      if (s) producer.set(o.result, s);
    }
    const state = new Map<ImportStep, 1 | 2>();
    const stack: ImportStep[] = [];
    const visit = (s: ImportStep): ImportStep[] | null => {
      if (state.get(s) === 2) return null;
      if (state.get(s) === 1) return stack.slice(stack.indexOf(s));
      state.set(s, 1);
      stack.push(s);
      for (const f of s.feeds) {
        const p = producer.get(f.tensor);
        const cyc = p ? visit(p) : null;
        if (cyc) return cyc;
      }
      stack.pop();
      state.set(s, 2);
      return null;
    };
    for (const s of this.g.steps) {
      const cyc = visit(s);
      if (cyc) {
        const name = (st: ImportStep) => this.g.models.find((m) => m.key === st.model)?.name ?? st.model;
        this.diagnostics.push(diag('M8009', cyc[0]!.origin, { cycle: [...cyc, cyc[0]!].map(name).join(' → ') }));
        return;
      }
    }
  }
}

function pathSpan(path: string): Span {
  return { file: path, start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };
}
