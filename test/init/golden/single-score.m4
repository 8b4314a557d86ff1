// score as a serving graph, written by `m4c init`.
//
//   m4c check single-score.m4
//   m4c run single-score.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/score.onnx --candidate NEW.onnx --data ROWS.jsonl

input x: f32[batch, 4]

model score_model = onnx("models/score.onnx")

// Task: binary, from `score` f32[N, 1]: one score column named like a score in [0, 1].
output score = squeeze(score_model(x: x).score)
