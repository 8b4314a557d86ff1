// expect: M4002
input x: f32[batch, 4]
output o = standardize(x, mean: 0.0, stdev: 1.0)
