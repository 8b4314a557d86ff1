// expect: M6001
input x: f32[batch, 4]
model m = onnx("models/score.onnx")
node c = column(m(x: x), index: 0)
compare ab {
  control: c
}
