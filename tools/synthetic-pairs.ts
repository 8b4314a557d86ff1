/**
 * Synthetic pair batches for a binary comparison with labels and slices (the fraud example's shape): the
 * executor's tensors as the online comparisons take them. Used by the comparisons-thread test and
 * bench/serve-judge.ts.
 */
import type { ComparisonParents } from '../runtime/comparison-batch.ts';
import type { SeededRandom } from './seeded-random.ts';

const REGIONS = ['eu', 'us', 'apac'];

/**
 * `rows` rows from row ordinal `first`: 30% positives, the treatment's scores a little more separated than the
 * control's, i64 labels and a region per row.
 */
export function syntheticPairs(rng: SeededRandom, first: number, rows: number): ComparisonParents {
  const control = new Float32Array(rows);
  const treatment = new Float32Array(rows);
  const label = new BigInt64Array(rows);
  const region: string[] = [];
  for (let i = 0; i < rows; i++) {
    const y = rng.next() < 0.3 ? 1 : 0;
    label[i] = BigInt(y);
    control[i] = 0.5 * y + 0.5 * rng.next();
    treatment[i] = 0.55 * y + 0.45 * rng.next();
    region.push(REGIONS[rng.int(REGIONS.length)]!);
  }
  return {
    control: { dtype: 'f32', data: control, dims: [rows] },
    treatment: { dtype: 'f32', data: treatment, dims: [rows] },
    label: { dtype: 'i64', data: label, dims: [rows] },
    slice: { dtype: 'str', data: region, dims: [rows] },
    rowIds: Float64Array.from({ length: rows }, (_, i) => first + i),
  };
}
