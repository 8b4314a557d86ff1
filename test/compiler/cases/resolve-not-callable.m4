// expect: M1005
input x: f32[batch, 4]
node a = sigmoid(x)
output o = a(x)
