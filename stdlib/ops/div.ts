import { binaryArithmeticOp } from './binary-arithmetic.ts';

export const div = binaryArithmeticOp({
  name: 'div',
  summary: 'Elementwise a / b (true division, with broadcasting), or x / by.',
  doc: [
    '`div(a, b)` divides elementwise; `div(x, by: 100.0)` divides every element by a number.',
    "This is true division: integer tensors give f64 (as numpy's `/`), never a floor.",
    '',
    '**Type rule.** As `add`: f32, f64, i32 or i64 of one dtype (f32 with f64 gives f64), equal',
    'ranks broadcasting per axis (sizes equal or 1). The result is f64 for i32 and i64 inputs.',
    '`by: 0` is an error (it would divide everything by zero).',
    '',
    '**Precision.** f32 / f32 is IEEE f32 division, as numpy; i64 values are converted to f64 first.',
    '',
    '**NaN.** NaN in either operand gives NaN. A tensor element 0 as divisor gives ±inf, or NaN for',
    '0 / 0, as IEEE and numpy (integer 0 / 0 too, since integers divide as f64).',
  ].join('\n'),
  example: 'node rate = div(clicks, impressions)',
  float: (a, b) => a / b,
  i32: null,
  i64: null,
  checkBy: (by) => (by === 0 ? 'div by: 0 would divide every value by zero' : null),
});
