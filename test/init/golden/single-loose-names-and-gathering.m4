// multiInput as a serving graph, written by `m4c init`.
//
//   m4c check single-loose-names-and-gathering.m4
//   m4c run single-loose-names-and-gathering.m4 --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/multiInput.onnx --candidate NEW.onnx --data ROWS.jsonl

input amount:   f32[batch, 1] from ["Amount"]         // the same name up to case and punctuation
input features: f32[batch, 3] from ["f1", "f2", "f3"] // 3 numeric fields gathered in order

replay "data/multi.jsonl" // the recorded traffic `m4c run` reads by default

model multiInput = onnx("models/multiInput.onnx")

// Task: binary, from `score` f32[N, 1]: one score column named like a score in [0, 1].
output score = squeeze(multiInput(amount: amount, features: features).score)
