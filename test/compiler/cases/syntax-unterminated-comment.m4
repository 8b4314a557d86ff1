// expect: M0003
input x: f32[batch, 4]
/* this comment never ends
output s = x
