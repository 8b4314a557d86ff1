// expect: M0006
hello world
input x: f32[batch, 4]
output o = x
