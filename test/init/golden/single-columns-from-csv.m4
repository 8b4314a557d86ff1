// binary as a serving graph, written by `m4c init`.
//
//   m4c check single-columns-from-csv.m4
//   m4c run single-columns-from-csv.m4 --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/binary.onnx --candidate NEW.onnx --data ROWS.jsonl

input x: f32[batch, 4] from ["f0", "f1", "f2", "f3"] // 4 numeric fields gathered in order

replay "data/columns.csv" // the recorded traffic `m4c run` reads by default

model binary = onnx("models/binary.onnx")

// Task: binary, from `probabilities` f32[N, 2]: two-column probabilities; column 1 is the positive class's
// score (the `label` i64[N] output is a predicted class, not a score).
output score = column(binary(x: x).probabilities, index: 1)
