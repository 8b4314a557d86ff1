// expect: M2003
input features: f32[batch, 4]
model m = onnx("models/score.onnx")
output s = m(y: features)
