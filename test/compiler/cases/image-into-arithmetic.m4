// expect: M3012
input photo: bytes[batch]
output doubled = mul(decode_image(photo), by: 2.0)
