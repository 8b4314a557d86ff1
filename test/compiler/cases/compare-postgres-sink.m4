// expect: M6015
input x: f32[batch, 4]
model v1 = onnx("models/score.onnx")
model v2 = onnx("models/score.onnx")
compare ab {
  control:   v1(x: x)
  treatment: v2(x: x)
  task:      binary
  sink postgres(env: "M4_DATABASE_URL")
  sink postgres("postgres://m4_writer@db.internal:5432/m4")
  sink postgres("mysql://u@h/db")
  sink postgres(url: "postgres://h/db")
  sink postgres(env: "not a name")
}
