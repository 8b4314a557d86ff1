// expect: M3002
input counts: i64[batch, 4]
model m = onnx("models/score.onnx")
output s = m(x: counts)
