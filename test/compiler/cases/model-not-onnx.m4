// expect: M2002
input x: f32[batch, 4]
model m = onnx("models/not-onnx.onnx")
model t = onnx("models/truncated.onnx")
output s = m(x: x)
output u = t(x: x).probabilities
