// Is binary safe to roll out in place of nonIdentifier? Written by `m4c init`; review the gates.
//
//   m4c check pair-non-identifiers.m4
//   m4c run pair-non-identifiers.m4 --data ROWS.jsonl
//
// `run` replays the rows through both models and exits 1 when a gate fails.

input `onnx::Flatten_0`: f32[batch, 4]

model nonIdentifier = onnx("models/nonIdentifier.onnx") // control: the model in production
model binary        = onnx("models/binary.onnx")        // treatment: the candidate

// Task (nonIdentifier): binary, from `39` f32[N, 2]: two-column probabilities; column 1 is the positive
// class's score.
// Task (binary): binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive
// class's score (the `label` i64[N] output is a predicted class, not a score).
// binary's input `x` is fed `onnx::Flatten_0`: the models name the same data differently.
node control   = column(nonIdentifier(`onnx::Flatten_0`: `onnx::Flatten_0`).`39`, index: 1)
node treatment = column(binary(x: `onnx::Flatten_0`).probabilities, index: 1)

// No label: no data sample was given (--data); the gates are label-free. Give --data, or --label FIELD.
compare binary_vs_nonIdentifier {
  control:   control
  treatment: treatment
  task:      binary(threshold: 0.5)
  metrics:   [agreement, flips_to_positive, flips_to_negative, mean_abs_diff, pearson, psi]
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-non-identifiers.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
