// expect: M6002
input x: f32[batch, 4]
model v1 = onnx("models/binary.onnx")
model v2 = onnx("models/multiclass.onnx")
compare ab {
  control:   v1(x: x).probabilities
  treatment: v2(x: x).probabilities
  task:      multiclass
}
