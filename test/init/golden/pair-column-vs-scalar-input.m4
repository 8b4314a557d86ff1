// Is scalarAmount safe to roll out in place of multiInput? Written by `m4c init`; review the gates.
//
//   m4c check pair-column-vs-scalar-input.m4
//   m4c run pair-column-vs-scalar-input.m4
//
// `run` replays data/multi.jsonl through both models and exits 1 when a gate fails.

input amount:   f32[batch, 1] from ["Amount"]         // the same name up to case and punctuation
input features: f32[batch, 3] from ["f1", "f2", "f3"] // 3 numeric fields gathered in order
input label:    i64[batch] optional                   // labels (found by name): present in replays, absent when serving

replay "data/multi.jsonl" // the recorded traffic `m4c run` reads by default

model multiInput   = onnx("models/multiInput.onnx")   // control: the model in production
model scalarAmount = onnx("models/scalarAmount.onnx") // treatment: the candidate

// Bridges: the candidate reads the same data, adapted to its own signature.
node amount_values = squeeze(amount) // scalarAmount takes `amount` as f32[N]

// Task: binary, from `score` f32[N, 1]: one score column named like a score in [0, 1].
node control   = squeeze(multiInput(amount: amount, features: features).score)
node treatment = squeeze(scalarAmount(amount: amount_values, features: features).score)

compare scalarAmount_vs_multiInput {
  control:   control
  treatment: treatment
  label:     label
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, precision, recall, f1, auroc, auprc, log_loss, brier, agreement]
  gate auroc.delta >= -0.01 at 95% // non-inferiority: the whole 95% interval must hold
  gate auprc.delta >= -0.01 at 95%
  gate agreement >= 0.9 // label-free: both models predict the same class on 90% of rows
  sink sqlite("results/pair-column-vs-scalar-input.db")
}

output score = control // served: the control's answer (run the candidate in shadow until the gates pass)
