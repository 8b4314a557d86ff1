// expect: M3007
input x: f32[batch, 4]
model one = onnx("models/fixedBatch.onnx")
model many = onnx("models/score.onnx")
node a = one(x: x)
node b = many(x: x)
output s = mean(a, b)
input y: f32[batch, 4]
output t = concat(x, y)
