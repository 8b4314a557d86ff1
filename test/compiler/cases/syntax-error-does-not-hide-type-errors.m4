// expect: M3002
input x: f32[batch, 4]
input n: i64[batch, 4]
node broken = standardize(x, mean: )
model m = onnx("models/score.onnx")
output s = m(x: n)
