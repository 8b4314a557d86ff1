// fixedBatch as a serving graph, written by `m4c init`.
//
//   m4c check single-fixed-batch.m4
//   m4c run single-fixed-batch.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/fixedBatch.onnx --candidate NEW.onnx --data ROWS.jsonl

input x: f32[1, 4] // a fixed batch dim: the model takes exactly 1 row per call (m4c run batches by it)

model fixedBatch = onnx("models/fixedBatch.onnx")

// Task: binary, from `score` f32[1, 1]: one score column named like a score in [0, 1].
output score = squeeze(fixedBatch(x: x).score)
