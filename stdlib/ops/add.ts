import { binaryArithmeticOp } from './binary-arithmetic.ts';

export const add = binaryArithmeticOp({
  name: 'add',
  summary: 'Elementwise a + b (with broadcasting), or x + by.',
  doc: [
    '`add(a, b)` adds two tensors elementwise; `add(x, by: 1.0)` adds a number to every element.',
    '',
    '**Type rule.** f32, f64, i32 or i64 (bool and str are errors with a cast hint). Both tensors have',
    'the same dtype, except f32 with f64 which gives f64. Shapes broadcast as numpy but with equal',
    'ranks: per axis the sizes are equal or one is 1 (`[batch, 2]` with `[batch, 1]` gives',
    '`[batch, 2]`); a `[batch]` tensor needs `expand_dims` first. With `by:` on an integer tensor,',
    '`by` must be an integer of that dtype.',
    '',
    '**Precision.** f32 + f32 is IEEE f32 addition, as numpy; integers wrap on overflow, as numpy.',
    '',
    '**NaN.** NaN in either operand gives NaN; inf + -inf is NaN.',
  ].join('\n'),
  example: 'node total = add(amount, fee)',
  float: (a, b) => a + b,
  i32: (a, b) => (a + b) | 0,
  i64: (a, b) => a + b,
});
