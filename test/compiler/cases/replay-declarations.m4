// expect: M1011
input x: f32[batch, 4]
replay "data/missing.jsonl"
replay "data/other.jsonl"
output o = sigmoid(x)
