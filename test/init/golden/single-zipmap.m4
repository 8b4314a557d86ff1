// zipmap as a serving graph, written by `m4c init`.
//
//   m4c check single-zipmap.m4
//   m4c run single-zipmap.m4 --data ROWS.jsonl --out predictions.jsonl
//
// To compare a candidate model against it:
//
//   m4c init models/zipmap.onnx --candidate NEW.onnx --data ROWS.jsonl

input float_input: f32[batch, 4]

model zipmap = onnx("models/zipmap.onnx")

// Task: binary, from `output_label` i64[N], the only output m4 can read (`output_probability` is
// seq(map(int64,tensor(float))), not a tensor): the compared score is the predicted class (0 or 1), so
// ranking metrics are coarse; re-export the model with a probability tensor (skl2onnx: options={'zipmap':
// False}) to compare scores.
output score = cast(zipmap(float_input: float_input).output_label, to: "f32")
