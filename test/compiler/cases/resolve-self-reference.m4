// expect: M1010
input x: f32[batch, 4]
node a = sigmoid(a)
output o = a
