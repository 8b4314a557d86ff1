// expect: M4001
input x: f32[batch, 4]
node n = normalize(x, norm: "l3")
node c = column(x, index: 1.5)
output o = concat(n, c)
