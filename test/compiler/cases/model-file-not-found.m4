// expect: M2001
input x: f32[batch, 4]
model m = onnx("models/does-not-exist.onnx")
output s = m(x: x)
