// expect: M2011
input x: f32[batch, 4]
node s = sigmoid(x)
output p = s.probabilities
