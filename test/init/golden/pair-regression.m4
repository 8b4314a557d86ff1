// Is regression safe to roll out in place of regression? Written by `m4c init`; review the gates.
//
//   m4c check pair-regression.m4
//   m4c run pair-regression.m4
//
// `run` replays data/regression.jsonl through both models and exits 1 when a gate fails.

input x: f32[batch, 4]
input y: f32[batch] optional // labels (found by name): present in replays, absent when serving

replay "data/regression.jsonl" // the recorded traffic `m4c run` reads by default

model regression_control   = onnx("models/regression.onnx") // control: the model in production
model regression_candidate = onnx("models/regression.onnx") // treatment: the candidate

// Task: regression, from `variable` f32[N]: one value per row named like a regression output.
node control   = regression_control(x: x).variable
node treatment = regression_candidate(x: x).variable

compare regression_candidate_vs_regression_control {
  control:   control
  treatment: treatment
  label:     y
  task:      regression
  metrics:   [mae, rmse, r2, max_error, mean_abs_diff, pearson]
  gate mae.ratio <= 1.05 at 95% // non-inferiority: at most 5% worse over the whole 95% interval
  gate rmse.ratio <= 1.05 at 95%
  gate pearson >= 0.9 // label-free: the two models' values move together
  sink sqlite("results/pair-regression.db")
}

output prediction = control // served: the control's answer (run the candidate in shadow until the gates pass)
