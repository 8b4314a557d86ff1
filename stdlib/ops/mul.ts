import { binaryArithmeticOp } from './binary-arithmetic.ts';

export const mul = binaryArithmeticOp({
  name: 'mul',
  summary: 'Elementwise a * b (with broadcasting), or x * by.',
  doc: [
    '`mul(a, b)` multiplies elementwise; `mul(x, by: 0.5)` scales every element by a number.',
    '',
    '**Type rule.** As `add`: f32, f64, i32 or i64 of one dtype (f32 with f64 gives f64), equal',
    'ranks broadcasting per axis (sizes equal or 1); an integer `by:` for integer tensors.',
    '',
    '**Precision.** f32 * f32 is IEEE f32 multiplication, as numpy; integers wrap on overflow',
    '(the low 32 or 64 bits of the product), as numpy.',
    '',
    '**NaN.** NaN in either operand gives NaN; 0 * inf is NaN.',
  ].join('\n'),
  example: 'node weighted = mul(probs, expand_dims(weight))',
  float: (a, b) => a * b,
  // Math.imul keeps the low 32 bits exactly; a * b in f64 would lose them past 2^53.
  i32: (a, b) => Math.imul(a, b),
  i64: (a, b) => a * b,
});
