// expect: M5003
input x: f32[batch, 4]
node s = sigmoid(x)
