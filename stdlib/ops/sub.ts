import { binaryArithmeticOp } from './binary-arithmetic.ts';

export const sub = binaryArithmeticOp({
  name: 'sub',
  summary: 'Elementwise a - b (with broadcasting), or x - by.',
  doc: [
    '`sub(a, b)` subtracts `b` from `a` elementwise; `sub(x, by: 1.0)` subtracts a number.',
    '',
    '**Type rule.** As `add`: f32, f64, i32 or i64 of one dtype (f32 with f64 gives f64), equal',
    'ranks broadcasting per axis (sizes equal or 1); an integer `by:` for integer tensors.',
    '',
    '**Precision.** f32 - f32 is IEEE f32 subtraction, as numpy; integers wrap on overflow, as numpy.',
    '',
    '**NaN.** NaN in either operand gives NaN; inf - inf is NaN.',
  ].join('\n'),
  example: 'node score_diff = sub(treat_score, control_score)',
  float: (a, b) => a - b,
  i32: (a, b) => (a - b) | 0,
  i64: (a, b) => a - b,
});
