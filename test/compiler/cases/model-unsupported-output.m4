// expect: M2008
input x: f32[batch, 4]
model m = onnx("models/zipmap.onnx")
output p = m(float_input: x).output_probability
