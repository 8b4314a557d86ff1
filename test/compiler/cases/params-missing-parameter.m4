// expect: M4003
input p: f32[batch, 2]
output o = column(p)
