// expect: M1006
input x: f32[batch, 4]
model m = onnx("models/score.onnx")
output o = sigmoid(m)
