// expect: M3001
input x: float32[batch, 4]
output o = x
