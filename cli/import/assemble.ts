/**
 * Building an {@link ImportGraph} from platforms that pass whole V2 requests between models by tensor
 * name (Seldon pipelines, KServe graphs): a call binds each model input to the incoming tensor of the same
 * name; graph inputs are created on demand from the signature of the first model that reads the request;
 * a step produces only the outputs something reads.
 */
import type { Span } from '../../grammar/ast.ts';
import type { ImportGraph, ImportStep, ImportTensorSig } from './graph-ir.ts';
import type { ServedModel } from './served-model.ts';

/** A tensor arriving at a step, under the name the receiving model sees. */
export interface Incoming {
  name: string;
  tensor: string;
}

/** What a step receives: the graph's request (inputs by name) or named tensors. */
export type Received = { kind: 'request' } | { kind: 'tensors'; tensors: Incoming[] };

export class Assembler {
  private readonly outputsOf = new Map<ImportStep, ImportTensorSig[]>();
  private readonly stepIds = new Set<string>();
  private readonly idOf = new Map<ImportStep, string>();
  private readonly unknown = new Set<ImportStep>();

  constructor(readonly g: ImportGraph) {}

  /** The graph input `name`, declared with `type` the first time a model asks for it. */
  requestTensor(sig: ImportTensorSig, origin: Span): string {
    if (!this.g.inputs.some((i) => i.name === sig.name)) this.g.inputs.push({ name: sig.name, type: sig.type, optional: false, origin });
    return sig.name;
  }

  /**
   * Call `served` on what it receives. Inputs bind by name; with `lenient`, a model with one input
   * receiving one tensor of another name takes it (KServe passes `$response` whole). Returns the
   * step's outputs as tensors named `STEP.OUTPUT`.
   */
  call(stepId: string, served: ServedModel, received: Received, origin: Span, lenient: boolean): Incoming[] {
    let id = stepId;
    for (let k = 2; this.stepIds.has(id); k++) id = `${stepId}_${k}`;
    this.stepIds.add(id);
    if (!this.g.models.some((m) => m.key === served.model.key)) this.g.models.push(served.model);
    const step: ImportStep = { model: served.model.key, feeds: [], produces: [], origin };
    const sig = served.signature;
    if (sig) {
      for (const input of sig.inputs) {
        if (received.kind === 'request') {
          step.feeds.push({ port: input.name, tensor: this.requestTensor(input, origin), origin });
          continue;
        }
        let hit = received.tensors.find((t) => t.name === input.name);
        if (!hit && lenient && sig.inputs.length === 1 && received.tensors.length === 1) hit = received.tensors[0];
        if (hit) step.feeds.push({ port: input.name, tensor: hit.tensor, origin });
      }
    }
    this.g.steps.push(step);
    this.idOf.set(step, id);
    if (!sig) this.unknown.add(step);
    const outs = sig?.outputs ?? [];
    this.outputsOf.set(step, outs);
    return outs.map((o) => ({ name: o.name, tensor: `${id}.${o.name}` }));
  }

  /** Give each step the outputs something reads (feeds, outputs, comparisons); returns the steps nothing reads. */
  finalize(): ImportStep[] {
    const read = new Set<string>([
      ...this.g.steps.flatMap((s) => s.feeds.map((f) => f.tensor)),
      ...this.g.outputs.map((o) => o.tensor),
      ...this.g.comparisons.flatMap((c) => [c.control, c.treatment]),
      ...this.g.ops.map((o) => o.arg),
    ]);
    for (const [step, outs] of this.outputsOf) {
      const prefix = `${this.idOf.get(step)!}.`;
      // A model without a known signature produces whatever the graph reads of it (the compiler then asks for its signature).
      const ports = this.unknown.has(step)
        ? [...read].filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length))
        : outs.map((o) => o.name);
      step.produces = ports.filter((p) => read.has(`${prefix}${p}`)).map((p) => ({ port: p, tensor: `${prefix}${p}`, origin: step.origin }));
    }
    const unread = this.g.steps.filter((s) => s.produces.length === 0);
    this.g.steps = this.g.steps.filter((s) => s.produces.length > 0);
    this.g.models = this.g.models.filter((m) => this.g.steps.some((s) => s.model === m.key));
    return unread;
  }
}
