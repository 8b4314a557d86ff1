// expect: M1001
input features: f32[batch, 4]
model m = onnx("models/score.onnx")
output s = m(x: featurse)
