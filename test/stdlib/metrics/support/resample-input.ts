/**
 * A binary comparison's resample input (resample-engine.ts's `ResampleInput`) built straight from
 * seeded synthetic rows: stored rows in canonical order, their joint cells and both rankings.
 */
import type { ResampleInput } from '../../../../stdlib/metrics/resample-engine.ts';
import { rankColumn } from '../../../../stdlib/metrics/ranking.ts';
import { BinaryFamily } from '../../../../stdlib/metrics/binary-family.ts';
import { prng, specFor } from './synthetic.ts';

export interface BinaryInputOptions {
  /** Round scores to multiples of 1/ties (0: continuous). */
  ties: number;
  /** Put one control and one treatment score outside [0, 1]. */
  outOfRange: boolean;
  seed: number;
  /** Resamples in the spec. */
  bootstrap?: number;
  /** Added to every row id (ids from 2^32 up exercise keys with a non-zero high word). */
  idOffset?: number;
  /** Row ids idOffset + i (a replay in order) instead of idOffset + 3i + 7. */
  consecutive?: boolean;
}

export function binaryResampleInput(n: number, metrics: string[], opts: BinaryInputOptions): ResampleInput {
  const r = prng(opts.seed);
  const label = new Uint8Array(n),
    control = new Float32Array(n),
    treatment = new Float32Array(n),
    rowIds = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    label[i] = +(r() < 0.3);
    const q = (x: number): number => (opts.ties > 0 ? Math.round(x * opts.ties) / opts.ties : x);
    control[i] = q(Math.min(1, Math.max(0, 0.5 * r() + 0.4 * label[i]!)));
    treatment[i] = q(Math.min(1, Math.max(0, 0.45 * r() + 0.45 * label[i]!)));
    // Canonical order; ids need not be dense.
    rowIds[i] = (opts.idOffset ?? 0) + (opts.consecutive === true ? i : 3 * i + 7);
  }
  if (opts.outOfRange) {
    control[5] = 1.25;
    treatment[n - 3] = -0.5;
  }
  const spec = specFor('binary', { metrics, bootstrap: opts.bootstrap ?? 13, hasSlices: false, seed: 1234 });
  const family = new BinaryFamily(0.5, true, metrics);
  const cells = new Float64Array(family.layout.jointCells);
  for (let i = 0; i < n; i++) cells[(label[i]! << 2) | (+(control[i]! >= 0.5) << 1) | +(treatment[i]! >= 0.5)]!++;
  return {
    spec,
    width: 1,
    cells,
    store: { n, width: 1, control, treatment, label, rowIds },
    rc: rankColumn(control, 1, 0, null, n),
    rt: rankColumn(treatment, 1, 0, null, n),
  };
}
