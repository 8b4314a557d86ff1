// expect: M2012
input text: str[batch]
model pre = external(backend: "python", inputz: {TEXT: str[batch]}, outputs: {IDS: i64[batch, 16]})
output ids = pre(TEXT: text).IDS
