// expect: M6003
input x: f32[batch, 4]
model v1 = onnx("models/multiclass.onnx")
model v2 = onnx("models/multiclass.onnx")
compare ab {
  control:   v1(x: x).probabilities
  treatment: v2(x: x).probabilities
  task:      binary(threshold: 0.5)
}
