// expect: M0005
input x: f32[batch, 4]
node a =
output o = x
