// expect: M1003
input x: f32[batch, 4]
input unused: f32[batch]
output o = sigmoid(x)
