// expect: M3013
input photo: image[batch, 224, 224, 3]
output pixels = to_tensor(photo)
