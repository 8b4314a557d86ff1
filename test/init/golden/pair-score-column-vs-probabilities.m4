// Is score safe to roll out in place of binary? Written by `m4c init`; review the gates.
//
//   m4c check pair-score-column-vs-probabilities.m4
//   m4c run pair-score-column-vs-probabilities.m4
//
// `run` replays data/columns.csv through both models and exits 1 when a gate fails.

input x:      f32[batch, 4] from ["f0", "f1", "f2", "f3"] // 4 numeric fields gathered in order
input y:      i64[batch] optional                         // labels (found by name): present in replays, absent when serving
input region: str[batch]                                  // 2 values in the sample: every metric is also computed per value

replay "data/columns.csv" // the recorded traffic `m4c run` reads by default

model binary      = onnx("models/binary.onnx") // control: the model in production
model score_model = onnx("models/score.onnx")  // treatment: the candidate

// Task (binary): binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive
// class's score (the `label` i64[N] output is a predicted class, not a score).
// Task (score_model): binary, from `score` f32[N, 1]: one score column named like a score in [0, 1].
node control   = column(binary(x: x).probabilities, index: 1)
node treatment = squeeze(score_model(x: x).score)

compare score_model_vs_binary {
  control:   control
  treatment: treatment
  label:     y
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, precision, recall, f1, auroc, auprc, log_loss, brier, agreement]
  slice_by:  region
  gate auroc.delta >= -0.01 at 95% // non-inferiority: the whole 95% interval must hold
  gate auprc.delta >= -0.01 at 95%
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-score-column-vs-probabilities.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
