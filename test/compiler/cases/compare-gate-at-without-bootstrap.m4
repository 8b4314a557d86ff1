// expect: M6011
input x: f32[batch, 4]
input label: i64[batch]
model v1 = onnx("models/score.onnx")
model v2 = onnx("models/score.onnx")
compare ab {
  control:   v1(x: x)
  treatment: v2(x: x)
  label:     label
  task:      binary
  bootstrap: 0
  gate recall.delta >= -0.01 at 95%
  gate auroc.delta >= -0.01 at 120%
}
