// expect: M3008
input x: f32[]
output o = x
