// expect: M4007
input review: str[batch]
output ids = tokenize(review, tokenizer: "no/such/tokenizer.json", max_length: 16)
