// expect: M3007
input x: f32[batch, 4]
input v: f32[2, 4]
model one = onnx("models/fixedBatch.onnx")
node a = one(x: x)
output s = a
output t = concat(x, v)
