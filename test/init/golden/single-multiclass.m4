// multiclass as a serving graph, written by `m4c init`.
//
//   m4c check single-multiclass.m4
//   m4c run single-multiclass.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/multiclass.onnx --candidate NEW.onnx --data ROWS.jsonl

input x: f32[batch, 4]

model multiclass = onnx("models/multiclass.onnx")

// Task: multiclass, from `probabilities` f32[N, 3]: 3 columns, a probability row per input (the `label`
// i64[N] output is a predicted class, not a score).
output probabilities = multiclass(x: x).probabilities
