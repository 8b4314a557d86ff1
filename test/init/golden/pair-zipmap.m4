// Is binary safe to roll out in place of zipmap? Written by `m4c init`; review the gates.
//
//   m4c check pair-zipmap.m4
//   m4c run pair-zipmap.m4 --data ROWS.jsonl
//
// `run` replays the rows through both models and exits 1 when a gate fails.

input float_input: f32[batch, 4]

model zipmap = onnx("models/zipmap.onnx") // control: the model in production
model binary = onnx("models/binary.onnx") // treatment: the candidate

// Task (zipmap): binary, from `output_label` i64[N], the only output m4 can read (`output_probability` is
// seq(map(int64,tensor(float))), not a tensor): the compared score is the predicted class (0 or 1), so
// ranking metrics are coarse; re-export the model with a probability tensor (skl2onnx: options={'zipmap':
// False}) to compare scores.
// Task (binary): binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive
// class's score (the `label` i64[N] output is a predicted class, not a score).
// binary's input `x` is fed `float_input`: the models name the same data differently.
node control   = cast(zipmap(float_input: float_input).output_label, to: "f32")
node treatment = column(binary(x: float_input).probabilities, index: 1)

// No label: no data sample was given (--data); the gates are label-free. Give --data, or --label FIELD.
compare binary_vs_zipmap {
  control:   control
  treatment: treatment
  task:      binary(threshold: 0.5)
  metrics:   [agreement, flips_to_positive, flips_to_negative, mean_abs_diff, pearson, psi]
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-zipmap.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
