// expect: M6004
input x: f32[batch, 4]
input y: f32[batch]
model v1 = onnx("models/regression.onnx")
model v2 = onnx("models/regression.onnx")
compare ab {
  control:   v1(x: x)
  treatment: v2(x: x)
  label:     y
  task:      regression
  metrics:   [mae, auroc]
}
