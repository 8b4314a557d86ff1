import { unaryFloatOp } from './unary-float.ts';

export const log = unaryFloatOp({
  name: 'log',
  summary: 'Natural logarithm, elementwise.',
  doc: [
    'Elementwise natural logarithm `ln(x)`.',
    '',
    '**Type rule.** `x` is f32 or f64, any shape; the result has its type.',
    '',
    '**Precision.** Computed in f64, rounded once to the input width (for f32 this can differ from',
    "numpy's float32 `log` in the last bit).",
    '',
    '**NaN.** As numpy: `log(0)` is -inf, a negative `x` gives NaN, NaN stays NaN, `log(inf)` is inf.',
  ].join('\n'),
  example: 'node log_amount = log(amount)',
  fn: Math.log,
});
