// int64Input as a serving graph, written by `m4c init`.
//
//   m4c check single-int64-inputs.m4
//   m4c run single-int64-inputs.m4 --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/int64Input.onnx --candidate NEW.onnx --data ROWS.jsonl

input counts: i64[batch, 3]

replay "data/counts.jsonl" // the recorded traffic `m4c run` reads by default

model int64Input = onnx("models/int64Input.onnx")

// Task: binary, from `score` f32[N, 1]: one score column named like a score in [0, 1].
output score = squeeze(int64Input(counts: counts).score)
