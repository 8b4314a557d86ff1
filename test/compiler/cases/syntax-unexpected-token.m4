// expect: M0004
input x: f32[batch, 4]
node a = standardize(x mean: 1.0, std: 2.0)
output o = a
