// Is renamedOutputs safe to roll out in place of binary? Written by `m4c init`; review the gates.
//
//   m4c check pair-different-output-names.m4
//   m4c run pair-different-output-names.m4 --data ROWS.jsonl
//
// `run` replays the rows through both models and exits 1 when a gate fails.

input x: f32[batch, 4]

model binary         = onnx("models/binary.onnx")         // control: the model in production
model renamedOutputs = onnx("models/renamedOutputs.onnx") // treatment: the candidate

// Task (binary): binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive
// class's score (the `label` i64[N] output is a predicted class, not a score).
// Task (renamedOutputs): binary, from `output_probability` f32[N, 2]: two-column probabilities; column 1 is
// the positive class's score (the `predicted_label` i64[N] output is a predicted class, not a score).
node control   = column(binary(x: x).probabilities, index: 1)
node treatment = column(renamedOutputs(x: x).output_probability, index: 1)

// No label: no data sample was given (--data); the gates are label-free. Give --data, or --label FIELD.
compare renamedOutputs_vs_binary {
  control:   control
  treatment: treatment
  task:      binary(threshold: 0.5)
  metrics:   [agreement, flips_to_positive, flips_to_negative, mean_abs_diff, pearson, psi]
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-different-output-names.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
