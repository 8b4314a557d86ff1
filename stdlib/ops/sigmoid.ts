import { unaryFloatOp } from './unary-float.ts';

/**
 * The logistic function without overflow: for x < 0 it is written `e^x / (1 + e^x)` so `exp`
 * only ever sees non-positive arguments.
 */
function expit(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x); // NaN also lands here and stays NaN.
  return e / (1 + e);
}

export const sigmoid = unaryFloatOp({
  name: 'sigmoid',
  summary: 'The logistic function 1 / (1 + e^-x), elementwise.',
  doc: [
    'Elementwise `1 / (1 + exp(-x))`, written so that `exp` never overflows (as `scipy.special.expit`):',
    '`sigmoid(-1000)` is 0 and `sigmoid(1000)` is 1.',
    '',
    '**Type rule.** `x` is f32 or f64, any shape; the result has its type.',
    '',
    '**Precision.** Computed in f64, rounded once to the input width.',
    '',
    '**NaN.** NaN stays NaN; -inf gives 0 and +inf gives 1.',
  ].join('\n'),
  example: 'node prob = sigmoid(logit)',
  fn: expit,
});
