// expect: M3009
input x: f32[batch, 4]
output o = sigmoid(0.5)
