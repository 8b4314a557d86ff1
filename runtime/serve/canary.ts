/**
 * Which arm answers a row. `shadow`: always the control. `canary`: P% of rows go to the treatment,
 * chosen by a hash of the `--sticky-by` field (so a user keeps their arm) or, without one, of the
 * request id. `control`: the treatment never runs.
 */
import { lookupPath, MISSING, PathBlocked } from '../sources/json-row.ts';
import type { Arm } from './arm-plans.ts';

export type ServeMode = 'shadow' | 'canary' | 'control';

export const SERVE_MODES: readonly ServeMode[] = ['shadow', 'canary', 'control'];

/** 32-bit FNV-1a over the UTF-16 code units, finished with murmur3's avalanche so nearby keys spread. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Percent granularity: 0.01%. */
const BUCKETS = 10_000;

/** The arm for a key in canary mode at `percent` (0–100). Deterministic. */
export function canaryArm(key: string, percent: number): Arm {
  return hashKey(key) % BUCKETS < Math.round(percent * 100) ? 'treatment' : 'control';
}

/** Chooses the answering arm of each row. */
export class ArmChooser {
  private readonly path: string[] | null;

  constructor(
    readonly mode: ServeMode,
    readonly percent: number,
    stickyBy: string | undefined,
  ) {
    this.path = stickyBy === undefined ? null : stickyBy.split('.');
  }

  /** `treatmentOff`: the treatment takes no traffic (stopped by a failing gate). */
  choose(row: object, requestId: string, treatmentOff: boolean): Arm {
    if (this.mode !== 'canary' || treatmentOff) return 'control';
    let key = requestId;
    if (this.path !== null) {
      const v = lookupPath(row, this.path);
      // A row without the field falls back to its request id: still deterministic per request.
      if (v !== MISSING && !(v instanceof PathBlocked) && v !== null) key = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return canaryArm(key, this.percent);
  }
}
