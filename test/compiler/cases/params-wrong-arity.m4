// expect: M4004
input x: f32[batch, 4]
output o = sigmoid(x, x)
