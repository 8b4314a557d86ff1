// expect: M1008
input x: f32[batch, 4]
model m = tflite("models/score.onnx")
output o = x
