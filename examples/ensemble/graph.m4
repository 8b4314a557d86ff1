// examples/ensemble/graph.m4 — a graph with several models.
//
// Two members are averaged into an ensemble (fan-out, fan-in), and a second path chains two models: an
// embedding model whose output feeds a classifier head. The comparison asks whether the ensemble can
// replace the chained model.

input features: f32[batch, 16]
input label:    i64[batch] optional

replay "data/replay.jsonl"

model member_a = onnx("models/member-a.onnx")
model member_b = onnx("models/member-b.onnx")
model embed    = onnx("models/embed.onnx")
model head     = onnx("models/head.onnx")

node p_a      = member_a(x: features).probabilities
node p_b      = member_b(x: features).probabilities
node ensemble = mean(p_a, p_b) // average of the two members

node chained = head(embedding: embed(x: features)).probabilities // model output feeds a model

compare ensemble_vs_chained {
  control:   column(chained, index: 1)
  treatment: column(ensemble, index: 1)
  label:     label
  task:      binary(threshold: 0.5)
  metrics:   [accuracy, recall, auroc, auprc, agreement]
  gate auroc.delta >= 0.0
  sink jsonl("results/ensemble.jsonl")
}

output fraud_probability = column(ensemble, index: 1)
output predicted         = argmax(ensemble)
