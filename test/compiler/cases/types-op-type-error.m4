// expect: M3005
input ids: i64[batch, 3]
output p = softmax(ids)
