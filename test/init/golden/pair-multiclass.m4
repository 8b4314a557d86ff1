// Is multiOutput safe to roll out in place of multiclass? Written by `m4c init`; review the gates.
//
//   m4c check pair-multiclass.m4
//   m4c run pair-multiclass.m4
//
// `run` replays data/multiclass.jsonl through both models and exits 1 when a gate fails.

input x:     f32[batch, 4]
input class: i64[batch] optional // labels (found by name): present in replays, absent when serving

replay "data/multiclass.jsonl" // the recorded traffic `m4c run` reads by default

model multiclass  = onnx("models/multiclass.onnx")  // control: the model in production
model multiOutput = onnx("models/multiOutput.onnx") // treatment: the candidate

// Task: multiclass, from `probabilities` f32[N, 3]: 3 columns, a probability row per input (the `label`
// i64[N] output is a predicted class, not a score).
node control   = multiclass(x: x).probabilities
node treatment = multiOutput(x: x).probabilities

compare multiOutput_vs_multiclass {
  control:   control
  treatment: treatment
  label:     class
  task:      multiclass
  metrics:   [accuracy, f1_macro, log_loss, auroc, confusion_matrix, agreement]
  gate accuracy.delta >= -0.01 at 95% // non-inferiority: the whole 95% interval must hold
  gate f1_macro.delta >= -0.01 at 95%
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-multiclass.db")
}

output probabilities = control // served: the control's answer (run the candidate in shadow until the gates pass)
