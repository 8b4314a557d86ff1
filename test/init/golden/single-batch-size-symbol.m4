// batchSize as a serving graph, written by `m4c init`.
//
//   m4c check single-batch-size-symbol.m4
//   m4c run single-batch-size-symbol.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/batchSize.onnx --candidate NEW.onnx --data ROWS.jsonl

input float_input: f32[batch, 4]

model batchSize = onnx("models/batchSize.onnx")

// Task: binary, from `probabilities` f32[batch_size, 2]: two-column probabilities; column 1 is the positive
// class's score (the `label` i64[batch_size] output is a predicted class, not a score).
output score = column(batchSize(float_input: float_input).probabilities, index: 1)
