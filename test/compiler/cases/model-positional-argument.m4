// expect: M2007
input x: f32[batch, 4]
model m = onnx("models/score.onnx")
output s = m(x)
