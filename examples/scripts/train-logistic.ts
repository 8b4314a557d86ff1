/**
 * Binary logistic regression trained by full-batch gradient descent on the mean log loss (plus a
 * small L2 penalty so the weights stay finite on separable data). Float64 throughout; the caller
 * casts to f32 when writing ONNX.
 */
import type { Dataset } from './synthetic-data.ts';

export interface LogisticOptions {
  iterations: number;
  learningRate: number;
  l2: number;
}

export interface LogisticModel {
  weights: Float64Array;
  bias: number;
  /** Mean training log loss after the last step (for the script's printout). */
  trainLoss: number;
}

export function trainLogistic(d: Dataset, o: LogisticOptions): LogisticModel {
  const { rows, cols, x, y } = d;
  const w = new Float64Array(cols);
  let b = 0;
  const gw = new Float64Array(cols);
  let loss = 0;
  for (let it = 0; it < o.iterations; it++) {
    gw.fill(0);
    let gb = 0;
    loss = 0;
    for (let r = 0; r < rows; r++) {
      const off = r * cols;
      let z = b;
      for (let j = 0; j < cols; j++) z += w[j] * x[off + j];
      const p = 1 / (1 + Math.exp(-z));
      const err = p - y[r];
      for (let j = 0; j < cols; j++) gw[j] += err * x[off + j];
      gb += err;
      // log(1 + e^{-|z|}) form: no overflow for large |z|.
      loss += Math.max(z, 0) - z * y[r] + Math.log1p(Math.exp(-Math.abs(z)));
    }
    for (let j = 0; j < cols; j++) w[j] -= o.learningRate * (gw[j] / rows + o.l2 * w[j]);
    b -= o.learningRate * (gb / rows);
  }
  return { weights: w, bias: b, trainLoss: loss / rows };
}
