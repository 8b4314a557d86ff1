// multiOutput as a serving graph, written by `m4c init`.
//
//   m4c check single-label-and-probabilities.m4
//   m4c run single-label-and-probabilities.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/multiOutput.onnx --candidate NEW.onnx --data ROWS.jsonl

input x: f32[batch, 4]

model multiOutput = onnx("models/multiOutput.onnx")

// Task: multiclass, from `probabilities` f32[N, 3]: 3 columns, a probability row per input (the `label`
// i64[N] output is a predicted class, not a score).
output probabilities = multiOutput(x: x).probabilities
