// expect: M3006
input x: f32[batch, 0]
input y: f32[batch, 2.5]
output o = concat(x, y)
