// examples/multimodal/ab.m4 — a review's text and its poster, one model per modality and a fusion:
// is fusion-v2 (text and image weighed equally) safe to roll out in place of fusion-v1?
input review: str[batch]
input poster: bytes[batch] // base64 PNG or JPEG in the replay
input label:  i64[batch] optional

model text      = onnx("models/text.onnx")
model vision    = onnx("models/vision.onnx")
model fusion_v1 = onnx("models/fusion-v1.onnx")
model fusion_v2 = onnx("models/fusion-v2.onnx")

replay "data/replay.jsonl"

// Text: WordPiece ids and mask from the tokenizer the example script wrote (encoded once).
node ids  = tokenize(review, tokenizer: "tokenizer.json", max_length: 24)
node mask = tokenize(review, tokenizer: "tokenizer.json", max_length: 24, result: "attention_mask")

// Image: decoded and resized in sharp's thread pool, then normalized per channel.
node pixels = standardize(
  to_tensor(resize(decode_image(poster), width: 32, height: 32, fit: "fill")),
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.25, 0.25],
  axis: 1
)

node text_p  = text(input_ids: ids, attention_mask: mask).probabilities
node image_p = vision(pixels: pixels).probabilities
node both    = concat(text_p, image_p)
node control = column(fusion_v1(x: both).probabilities, index: 1)
node treat   = column(fusion_v2(x: both).probabilities, index: 1)

compare fusion_v2_vs_v1 {
  control:   control
  treatment: treat
  label:     label
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, auroc, auprc, agreement]
  gate auroc.delta >= -0.02 at 95%
  gate agreement >= 0.6
}

output score = control
