// examples/fraud/ab.m4 — is fraud-v2 safe to roll out?
//
// Both versions see the same pre-processed transactions; the comparison measures the candidate against
// production on a recorded replay (labels present) and blocks the release if a gate fails.
//
//   npx m4c run examples/fraud/ab.m4          (replays data/replay.jsonl; --data PATH overrides)

input tx:     f32[batch, 30]
input label:  i64[batch] optional // present in replays, absent when serving
input region: str[batch]          // for per-segment metrics

replay "data/replay.jsonl" // the recorded traffic `m4c run` reads by default

model v1 = onnx("models/fraud-v1.onnx") // production: logistic regression
model v2 = onnx("models/fraud-v2.onnx") // candidate: a small MLP

// Shared pre-processing: the features are already on a standard scale; clip outliers.
node scaled = clip(tx, min: -6.0, max: 6.0)

// Post-processing: the fraud probability is column 1 of each model's probabilities.
node control = column(v1(x: scaled).probabilities, index: 1)
node treat   = column(v2(x: scaled).probabilities, index: 1)

compare v2_vs_v1 {
  control:   control
  treatment: treat
  label:     label
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, precision, recall, f1, auroc, auprc, log_loss, agreement, flips_to_positive, flips_to_negative]
  slice_by:  region
  gate auroc.delta >= -0.005 at 95% // non-inferiority: the whole 95% interval must hold
  gate recall.delta >= -0.02        // absolute change against control
  gate agreement >= 0.75
  sink sqlite("results/ab.db")
}

output score = treat
