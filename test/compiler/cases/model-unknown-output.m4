// expect: M2005
input x: f32[batch, 4]
model m = onnx("models/binary.onnx")
output p = m(x: x).probabilites
