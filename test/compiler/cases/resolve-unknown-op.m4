// expect: M1004
input x: f32[batch, 4]
output o = sigmoud(x)
