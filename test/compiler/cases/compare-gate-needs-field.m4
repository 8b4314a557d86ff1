// expect: M6018
input x: f32[batch, 4]
input label: i64[batch]
model v1 = onnx("models/score.onnx")
model v2 = onnx("models/score.onnx")
compare ab {
  control:   v1(x: x)
  treatment: v2(x: x)
  label:     label
  task:      binary
  gate auroc >= 0.9
}
