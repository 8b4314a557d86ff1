import { unaryFloatOp } from './unary-float.ts';

export const exp = unaryFloatOp({
  name: 'exp',
  summary: 'Exponential e^x, elementwise.',
  doc: [
    'Elementwise `e^x`.',
    '',
    '**Type rule.** `x` is f32 or f64, any shape; the result has its type.',
    '',
    '**Precision.** Computed in f64, rounded once to the input width (for f32 this can differ from',
    "numpy's float32 `exp` in the last bit, which is not always correctly rounded). f32 overflows to",
    'inf above x ≈ 88.72, f64 above x ≈ 709.78.',
    '',
    '**NaN.** NaN stays NaN; -inf gives 0, +inf gives inf.',
  ].join('\n'),
  example: 'node odds = exp(log_odds)',
  fn: Math.exp,
});
