// expect: M3002
input text: f32[batch]
model pre = external(backend: "python", inputs: {TEXT: str[batch]}, outputs: {IDS: i64[batch, 16]})
output ids = pre(TEXT: text).IDS
