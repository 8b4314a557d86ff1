/**
 * The metrics benchmarks' deterministic data (bench/metrics.ts, bench/result-threads.ts): 30% positives, float32
 * scores in [0, 1] that separate the classes partly, row ids 0..n-1.
 */
export function binaryScores(n: number, seed: number): { label: Uint8Array; control: Float32Array; treatment: Float32Array; ids: Float64Array } {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const label = new Uint8Array(n),
    control = new Float32Array(n),
    treatment = new Float32Array(n),
    ids = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = rnd() < 0.3 ? 1 : 0;
    label[i] = y;
    control[i] = Math.min(1, Math.max(0, 0.35 * y + 0.65 * rnd()));
    treatment[i] = Math.min(1, Math.max(0, 0.4 * y + 0.6 * rnd()));
    ids[i] = i;
  }
  return { label, control, treatment, ids };
}
