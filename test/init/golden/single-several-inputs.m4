// multiInput as a serving graph, written by `m4c init`.
//
//   m4c check single-several-inputs.m4
//   m4c run single-several-inputs.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/multiInput.onnx --candidate NEW.onnx --data ROWS.jsonl

input amount:   f32[batch, 1]
input features: f32[batch, 3]

model multiInput = onnx("models/multiInput.onnx")

// Task: binary, from `score` f32[N, 1]: one score column named like a score in [0, 1].
output score = squeeze(multiInput(amount: amount, features: features).score)
