// expect: M3003
input x: f32[batch, 5]
model m = onnx("models/score.onnx")
output s = m(x: x)
