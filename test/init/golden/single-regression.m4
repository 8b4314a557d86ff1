// regression as a serving graph, written by `m4c init`.
//
//   m4c check single-regression.m4
//   m4c run single-regression.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/regression.onnx --candidate NEW.onnx --data ROWS.jsonl

input x: f32[batch, 4]

model regression = onnx("models/regression.onnx")

// Task: regression, from `variable` f32[N]: one value per row named like a regression output.
output prediction = regression(x: x).variable
