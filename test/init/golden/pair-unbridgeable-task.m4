// Is binary safe to roll out in place of multiclass? Written by `m4c init`; review the gates.
//
//   m4c check pair-unbridgeable-task.m4
//   m4c run pair-unbridgeable-task.m4 --data ROWS.jsonl
//
// `run` replays the rows through both models and exits 1 when a gate fails.

input x: f32[batch, 4]

model multiclass = onnx("models/multiclass.onnx") // control: the model in production
model binary     = onnx("models/binary.onnx")     // treatment: the candidate

// Task (multiclass): multiclass, from `probabilities` f32[N, 3]: 3 columns, a probability row per input (the
// `label` i64[N] output is a predicted class, not a score).
// Task (binary): binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive
// class's score (the `label` i64[N] output is a predicted class, not a score).
node control   = multiclass(x: x).probabilities
node treatment = column(binary(x: x).probabilities, index: 1)

// TODO(m4 init): the two signals cannot be compared as they are: the control's signal is multiclass, the
// candidate's is binary.
// No label: no data sample was given (--data); the gates are label-free. Give --data, or --label FIELD.
// The compiler says error[M6002]: control and treatment must have the same type: f32[batch, 3] vs f32[batch]
compare binary_vs_multiclass {
  control:   control
  treatment: treatment
  task:      multiclass
  metrics:   [agreement, flips, mean_abs_diff, max_abs_diff]
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-unbridgeable-task.db")
}

output probabilities = control // served: the control's answer (run the candidate in shadow until the gates pass)
