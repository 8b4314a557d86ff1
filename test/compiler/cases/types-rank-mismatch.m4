// expect: M3004
input x: f32[batch]
model m = onnx("models/score.onnx")
output s = m(x: x)
