// expect: M3011
input x: f32[batch, 4] from ["a", "b", "c"]
output o = x
