// Is binary safe to roll out in place of nonIdentifier? Written by `m4c init`; review the gates.
//
//   m4c check pair-control-field-by-length.m4
//   m4c run pair-control-field-by-length.m4
//
// `run` replays data/x4.jsonl through both models and exits 1 when a gate fails.

input `onnx::Flatten_0`: f32[batch, 4] from "x" // matched by length: the sample's list of 4 values
input label:             i64[batch] optional    // labels (found by name): present in replays, absent when serving
input segment:           str[batch]             // 3 values in the sample: every metric is also computed per value

replay "data/x4.jsonl" // the recorded traffic `m4c run` reads by default

model nonIdentifier = onnx("models/nonIdentifier.onnx") // control: the model in production
model binary        = onnx("models/binary.onnx")        // treatment: the candidate

// Task (nonIdentifier): binary, from `39` f32[N, 2]: two-column probabilities; column 1 is the positive
// class's score.
// Task (binary): binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive
// class's score (the `label` i64[N] output is a predicted class, not a score).
// binary's input `x` is fed `onnx::Flatten_0`: the models name the same data differently.
node control   = column(nonIdentifier(`onnx::Flatten_0`: `onnx::Flatten_0`).`39`, index: 1)
node treatment = column(binary(x: `onnx::Flatten_0`).probabilities, index: 1)

compare binary_vs_nonIdentifier {
  control:   control
  treatment: treatment
  label:     label
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, precision, recall, f1, auroc, auprc, log_loss, brier, agreement]
  slice_by:  segment
  gate auroc.delta >= -0.01 at 95% // non-inferiority: the whole 95% interval must hold
  gate auprc.delta >= -0.01 at 95%
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-control-field-by-length.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
