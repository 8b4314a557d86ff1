// Is wide5 safe to roll out in place of binary? Written by `m4c init`; review the gates.
//
//   m4c check pair-unbridgeable-input-width.m4
//   m4c run pair-unbridgeable-input-width.m4 --data ROWS.jsonl
//
// `run` replays the rows through both models and exits 1 when a gate fails.

input x: f32[batch, 4]

model binary = onnx("models/binary.onnx") // control: the model in production
model wide5  = onnx("models/wide5.onnx")  // treatment: the candidate

// Task: binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive class's
// score (the `label` i64[N] output is a predicted class, not a score).
node control   = column(binary(x: x).probabilities, index: 1)
// TODO(m4 init): no stdlib op bridges `x`: f32[batch, 4] for the control, f32[batch, 5] for the candidate.
// The compiler says error[M3003]: input `x` of `wide5`: shapes differ: expected f32[batch, 5], found
// f32[batch, 4]
node treatment = column(wide5(x: x).probabilities, index: 1)

// No label: no data sample was given (--data); the gates are label-free. Give --data, or --label FIELD.
compare wide5_vs_binary {
  control:   control
  treatment: treatment
  task:      binary(threshold: 0.5)
  metrics:   [agreement, flips_to_positive, flips_to_negative, mean_abs_diff, pearson, psi]
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-unbridgeable-input-width.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
