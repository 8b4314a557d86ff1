// expect: M2004
input amount: f32[batch, 1]
model m = onnx("models/multiInput.onnx")
output s = m(amount: amount)
