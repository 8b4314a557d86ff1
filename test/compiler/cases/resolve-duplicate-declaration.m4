// expect: M1002
input x: f32[batch, 4]
node x = sigmoid(x)
output o = x
