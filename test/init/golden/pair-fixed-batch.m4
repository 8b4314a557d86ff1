// Is score safe to roll out in place of fixedBatch? Written by `m4c init`; review the gates.
//
//   m4c check pair-fixed-batch.m4
//   m4c run pair-fixed-batch.m4
//
// `run` replays data/x4.jsonl through both models and exits 1 when a gate fails.

input x:       f32[1, 4]           // a fixed batch dim: the model takes exactly 1 row per call (m4c run batches by it)
input label:   i64[batch] optional // labels (found by name): present in replays, absent when serving
input segment: str[batch]          // 3 values in the sample: every metric is also computed per value

replay "data/x4.jsonl" // the recorded traffic `m4c run` reads by default

model fixedBatch  = onnx("models/fixedBatch.onnx") // control: the model in production
model score_model = onnx("models/score.onnx")      // treatment: the candidate

// Task: binary, from `score` f32[1, 1]: one score column named like a score in [0, 1].
node control   = squeeze(fixedBatch(x: x).score)
node treatment = squeeze(score_model(x: x).score)

compare score_model_vs_fixedBatch {
  control:   control
  treatment: treatment
  label:     label
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, precision, recall, f1, auroc, auprc, log_loss, brier, agreement]
  slice_by:  segment
  gate auroc.delta >= -0.01 at 95% // non-inferiority: the whole 95% interval must hold
  gate auprc.delta >= -0.01 at 95%
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-fixed-batch.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
