// expect: M5002
input x: f32[batch, 4]
node used = sigmoid(x)
node forgotten = exp(x)
output o = used
