/**
 * Synthetic, fully deterministic data sets for the examples. Features are rounded to 3 decimals
 * when generated, so the numbers the models are trained and evaluated on are exactly those written
 * to the replay files.
 */
import { SeededRandom } from '../../tools/seeded-random.ts';

/** A binary-labelled data set, row-major features. */
export interface Dataset {
  rows: number;
  cols: number;
  /** rows × cols, row-major. */
  x: Float64Array;
  /** 0 or 1 per row. */
  y: Uint8Array;
  ids: Int32Array;
  /** A categorical attribute per row (not a model feature), when the data set has one. */
  region?: string[];
}

export const REGIONS = ['eu', 'us', 'apac', 'latam'] as const;
const REGION_SHARE = [0.35, 0.35, 0.2, 0.1];
/** Regions shift the amount-like feature (a currency effect) and the base fraud rate. */
const REGION_AMOUNT_SHIFT = [0, 0.3, -0.2, 0.6];
const REGION_LOGIT_SHIFT = [0, 0.15, -0.1, 0.45];

const round3 = (v: number): number => Math.round(v * 1000) / 1000 + 0; // + 0 turns -0 into 0

/**
 * Fraud-like transactions: 30 features (standardised scale), a label with ~30% positives that
 * depends on the features non-linearly (interactions, a quadratic and a gated term that a linear
 * model cannot express), a region among four, and an integer id.
 */
export function makeFraudData(rows: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const cols = 30;
  const x = new Float64Array(rows * cols);
  const region: string[] = new Array(rows);
  const regionIndex = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const ri = pick(rng, REGION_SHARE);
    regionIndex[r] = ri;
    region[r] = REGIONS[ri];
    const o = r * cols;
    // f0: an amount, log-normal then centred and scaled to roughly unit variance.
    x[o] = round3((Math.exp(0.75 * rng.normal()) - 1.32) / 1.1 + REGION_AMOUNT_SHIFT[ri]);
    // f1..f9: a shared "account risk" factor makes them correlated, as behavioural features are.
    const shared = rng.normal();
    for (let j = 1; j < 10; j++) x[o + j] = round3(0.6 * shared + 0.8 * rng.normal());
    for (let j = 10; j < cols; j++) x[o + j] = round3(rng.normal());
  }
  const logit = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const f = x.subarray(r * cols, (r + 1) * cols);
    logit[r] =
      1.0 * f[0] +
      0.8 * f[1] -
      0.7 * f[2] +
      0.5 * f[3] +
      0.9 * f[4] * f[5] + // interaction
      0.5 * (f[6] * f[6] - 1) + // quadratic: both tails are risky
      0.9 * Math.tanh(2 * f[7]) * f[8] + // gated: f8 matters only with f7's sign
      0.8 * Math.max(0, f[10] + f[11] - 1) + // a hinge
      0.2 * (f[12] - f[13] + f[14]) +
      REGION_LOGIT_SHIFT[regionIndex[r]];
  }
  const y = sampleLabels(rng, logit, 0.3);
  return { rows, cols, x, y, ids: ids(rows), region };
}

/**
 * A second, smaller task for the ensemble example: 16 features, ~35% positives, a label driven by
 * a few smooth non-linear terms so that an MLP and a linear model make different mistakes (which
 * is what makes averaging them worthwhile).
 */
export function makeEnsembleData(rows: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const cols = 16;
  const x = new Float64Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = round3(rng.normal());
  const logit = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const f = x.subarray(r * cols, (r + 1) * cols);
    logit[r] =
      0.9 * f[0] -
      0.7 * f[1] +
      0.5 * f[2] +
      0.4 * f[3] -
      0.3 * f[4] +
      1.5 * Math.sin(1.5 * f[5]) +
      1.1 * f[6] * f[7] -
      0.6 * Math.abs(f[8]) +
      0.5 * Math.max(0, f[9]);
  }
  const y = sampleLabels(rng, logit, 0.35);
  return { rows, cols, x, y, ids: ids(rows) };
}

/** Rows [from, to) of a data set, as a new data set. */
export function sliceRows(d: Dataset, from: number, to: number): Dataset {
  const out: Dataset = {
    rows: to - from,
    cols: d.cols,
    x: d.x.slice(from * d.cols, to * d.cols),
    y: d.y.slice(from, to),
    ids: d.ids.slice(from, to),
  };
  if (d.region) out.region = d.region.slice(from, to);
  return out;
}

function ids(rows: number): Int32Array {
  const a = new Int32Array(rows);
  for (let i = 0; i < rows; i++) a[i] = i + 1;
  return a;
}

function pick(rng: SeededRandom, shares: readonly number[]): number {
  let u = rng.next();
  for (let i = 0; i < shares.length - 1; i++) {
    if (u < shares[i]) return i;
    u -= shares[i];
  }
  return shares.length - 1;
}

/**
 * Labels ~ Bernoulli(σ(logit + c)) where the intercept c is found by bisection so that the expected
 * positive rate is `rate`: the class balance is a design choice, not an accident of the terms.
 */
function sampleLabels(rng: SeededRandom, logit: Float64Array, rate: number): Uint8Array {
  let lo = -10;
  let hi = 10;
  for (let it = 0; it < 60; it++) {
    const c = (lo + hi) / 2;
    let s = 0;
    for (let i = 0; i < logit.length; i++) s += 1 / (1 + Math.exp(-(logit[i] + c)));
    if (s / logit.length > rate) hi = c;
    else lo = c;
  }
  const c = (lo + hi) / 2;
  const y = new Uint8Array(logit.length);
  for (let i = 0; i < logit.length; i++) y[i] = rng.next() < 1 / (1 + Math.exp(-(logit[i] + c))) ? 1 : 0;
  return y;
}
