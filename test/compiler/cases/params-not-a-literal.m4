// expect: M4005
input x: f32[batch, 4]
input m: f32[batch, 4]
output o = standardize(x, mean: m, std: 1.0)
