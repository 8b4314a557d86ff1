// Is mlp safe to roll out in place of binary? Written by `m4c init`; review the gates.
//
//   m4c check pair-label-flag.m4
//   m4c run pair-label-flag.m4
//
// `run` replays data/custom-label.jsonl through both models and exits 1 when a gate fails.

input x:        f32[batch, 4]
input is_fraud: i64[batch] optional // labels (--label): present in replays, absent when serving

replay "data/custom-label.jsonl" // the recorded traffic `m4c run` reads by default

model binary = onnx("models/binary.onnx") // control: the model in production
model mlp    = onnx("models/mlp.onnx")    // treatment: the candidate

// Task: binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive class's
// score (the `label` i64[N] output is a predicted class, not a score).
node control   = column(binary(x: x).probabilities, index: 1)
node treatment = column(mlp(x: x).probabilities, index: 1)

compare mlp_vs_binary {
  control:   control
  treatment: treatment
  label:     is_fraud
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, precision, recall, f1, auroc, auprc, log_loss, brier, agreement]
  gate auroc.delta >= -0.01 at 95% // non-inferiority: the whole 95% interval must hold
  gate auprc.delta >= -0.01 at 95%
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-label-flag.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
