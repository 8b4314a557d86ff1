// expect: M4006
input x: f32[batch, 4]
output o = clip(x, min: 0.0, min: 1.0)
