/**
 * A multilayer perceptron for binary classification, trained with mini-batch Adam on the log loss:
 * hidden layers with relu or tanh, then one logit (σ gives the positive-class probability, which is
 * how `mlpModel` in tools/onnx-build.ts exports a width-1 last layer).
 *
 * Written out by hand (no autodiff) because the examples must be reproducible from this repository
 * alone; layers are small, so plain loops over Float64Arrays are fast enough (~1 s).
 */
import { SeededRandom } from '../../tools/seeded-random.ts';
import type { DenseLayer } from '../../tools/onnx-build.ts';
import type { Dataset } from './synthetic-data.ts';

export interface MlpOptions {
  /** Widths of the hidden layers, e.g. [16]. */
  hidden: number[];
  activation: 'relu' | 'tanh';
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Decoupled weight decay (AdamW style), applied to weights, not biases. */
  weightDecay: number;
  seed: number;
}

/** Layers with Float64 weights, row-major [in, out], the last one of width 1. */
export interface MlpModel {
  layers: DenseLayer[];
  activation: 'relu' | 'tanh';
  trainLoss: number;
}

interface Param {
  w: Float64Array;
  b: Float64Array;
  inF: number;
  outF: number;
  gw: Float64Array;
  gb: Float64Array;
  // Adam moments
  mw: Float64Array;
  vw: Float64Array;
  mb: Float64Array;
  vb: Float64Array;
}

export function trainMlp(d: Dataset, o: MlpOptions): MlpModel {
  const rng = new SeededRandom(o.seed);
  const widths = [d.cols, ...o.hidden, 1];
  const params: Param[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const inF = widths[l];
    const outF = widths[l + 1];
    // He initialisation for relu, Xavier for tanh: keeps activations' variance near 1 at the start.
    const scale = o.activation === 'relu' ? Math.sqrt(2 / inF) : Math.sqrt(1 / inF);
    const w = Float64Array.from(rng.normalArray(inF * outF, scale));
    const n = inF * outF;
    params.push({
      w,
      b: new Float64Array(outF),
      inF,
      outF,
      gw: new Float64Array(n),
      gb: new Float64Array(outF),
      mw: new Float64Array(n),
      vw: new Float64Array(n),
      mb: new Float64Array(outF),
      vb: new Float64Array(outF),
    });
  }
  const L = params.length;
  // Per-sample activations and deltas, reused.
  const acts = widths.map((wd) => new Float64Array(wd));
  const pre = widths.map((wd) => new Float64Array(wd));
  const deltas = widths.map((wd) => new Float64Array(wd));
  const order = Int32Array.from({ length: d.rows }, (_, i) => i);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  let loss = 0;

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    rng.shuffle(order);
    loss = 0;
    for (let start = 0; start < d.rows; start += o.batchSize) {
      const end = Math.min(d.rows, start + o.batchSize);
      for (const p of params) {
        p.gw.fill(0);
        p.gb.fill(0);
      }
      for (let k = start; k < end; k++) {
        const r = order[k];
        acts[0].set(d.x.subarray(r * d.cols, (r + 1) * d.cols));
        // forward
        for (let l = 0; l < L; l++) {
          const p = params[l];
          const a = acts[l];
          const z = pre[l + 1];
          for (let j = 0; j < p.outF; j++) z[j] = p.b[j];
          for (let i = 0; i < p.inF; i++) {
            const ai = a[i];
            if (ai === 0) continue;
            const row = i * p.outF;
            for (let j = 0; j < p.outF; j++) z[j] += ai * p.w[row + j];
          }
          const out = acts[l + 1];
          if (l === L - 1) out[0] = z[0];
          else if (o.activation === 'relu') for (let j = 0; j < p.outF; j++) out[j] = z[j] > 0 ? z[j] : 0;
          else for (let j = 0; j < p.outF; j++) out[j] = Math.tanh(z[j]);
        }
        const logit = acts[L][0];
        const yv = d.y[r];
        loss += Math.max(logit, 0) - logit * yv + Math.log1p(Math.exp(-Math.abs(logit)));
        // backward
        deltas[L][0] = 1 / (1 + Math.exp(-logit)) - yv;
        for (let l = L - 1; l >= 0; l--) {
          const p = params[l];
          const a = acts[l];
          const dz = deltas[l + 1];
          for (let j = 0; j < p.outF; j++) p.gb[j] += dz[j];
          for (let i = 0; i < p.inF; i++) {
            const ai = a[i];
            const row = i * p.outF;
            let back = 0;
            for (let j = 0; j < p.outF; j++) {
              p.gw[row + j] += ai * dz[j];
              back += p.w[row + j] * dz[j];
            }
            if (l > 0) {
              const da = o.activation === 'relu' ? (pre[l][i] > 0 ? 1 : 0) : 1 - a[i] * a[i];
              deltas[l][i] = back * da;
            }
          }
        }
      }
      // Adam step on the batch mean gradient.
      step++;
      const n = end - start;
      const c1 = 1 - Math.pow(beta1, step);
      const c2 = 1 - Math.pow(beta2, step);
      for (const p of params) {
        adam(p.w, p.gw, p.mw, p.vw, n, c1, c2, o.learningRate, o.weightDecay);
        adam(p.b, p.gb, p.mb, p.vb, n, c1, c2, o.learningRate, 0);
      }
    }
  }
  return {
    layers: params.map((p) => ({ inFeatures: p.inF, outFeatures: p.outF, weights: p.w, bias: p.b })),
    activation: o.activation,
    trainLoss: loss / d.rows,
  };
}

function adam(
  w: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  n: number,
  c1: number,
  c2: number,
  lr: number,
  decay: number,
): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] / n;
    m[i] = 0.9 * m[i] + 0.1 * gi;
    v[i] = 0.999 * v[i] + 0.001 * gi * gi;
    w[i] -= lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + 1e-8) + decay * w[i]);
  }
}
