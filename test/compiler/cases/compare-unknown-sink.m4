// expect: M6010
input x: f32[batch, 4]
model v1 = onnx("models/score.onnx")
model v2 = onnx("models/score.onnx")
compare ab {
  control:   v1(x: x)
  treatment: v2(x: x)
  task:      binary
  sink sqlit("results/ab.db")
}
