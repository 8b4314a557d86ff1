/**
 * Correlation from a replica's moments, shared by the families that report `pearson`.
 */
import type { ReplicaView } from './replica-bank.ts';
import { undef, type Outcome } from './metric-value.ts';

/**
 * Pearson correlation of variables (a, b) whose co-moments are pairs (aa, bb, ab) in the view.
 * Undefined when either variable is constant (detected exactly from min/max, not by a tolerance).
 */
export function pearsonFromMoments(v: ReplicaView, a: number, b: number, aa: number, bb: number, ab: number): Outcome {
  if (v.W < 2) return undef('fewer than two rows: correlation is undefined');
  if (v.constant(a)) return undef('control scores are constant: correlation is undefined');
  if (v.constant(b)) return undef('treatment scores are constant: correlation is undefined');
  const caa = v.comoment(aa),
    cbb = v.comoment(bb),
    cab = v.comoment(ab);
  if (!(caa > 0) || !(cbb > 0)) return undef('zero variance: correlation is undefined');
  // One square root of the product keeps r = 1 exactly for identical inputs (√(x²) = x in IEEE).
  const r = cab / Math.sqrt(caa * cbb);
  if (!Number.isFinite(r)) return undef('correlation is not finite');
  return r > 1 ? 1 : r < -1 ? -1 : r;
}
