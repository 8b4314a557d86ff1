// expect: M6006
input x: f32[batch, 4]
input label: i64[batch]
model v1 = onnx("models/score.onnx")
model v2 = onnx("models/score.onnx")
compare ab {
  control:   v1(x: x)
  treatment: v2(x: x)
  label:     label
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, auroc, precison]
  gate aucpr.delta >= -0.01
}
