// nonIdentifier as a serving graph, written by `m4c init`.
//
//   m4c check single-non-identifiers.m4
//   m4c run single-non-identifiers.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/nonIdentifier.onnx --candidate NEW.onnx --data ROWS.jsonl

input `onnx::Flatten_0`: f32[batch, 4]

model nonIdentifier = onnx("models/nonIdentifier.onnx")

// Task: binary, from `39` f32[N, 2]: two-column probabilities; column 1 is the positive class's score.
output score = column(nonIdentifier(`onnx::Flatten_0`: `onnx::Flatten_0`).`39`, index: 1)
