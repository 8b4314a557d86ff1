// expect: M5001
input x: f32[batch, 4]
node a = add(x, c)
node b = sigmoid(a)
node c = exp(b)
output o = c
