/**
 * Fixing the layout from the first good row: which optional inputs are present, and the concrete
 * size of `?` and symbolic trailing dims. Formats observe a candidate row; this file checks that the
 * observation is consistent and builds the layout.
 */
import { badRow, type BadRow } from './bad-row.ts';
import { fixSlot, type FixedSlot, type InputSlot, type SourceLayout } from './input-layout.ts';

/** What a format saw for one slot in a candidate first row: absent, or present with these dims. */
export type SlotObservation = { present: false } | { present: true; dims: number[] };

/**
 * Build the layout from per-slot observations (same order as `slots`). A symbolic dim name has one
 * size across all inputs (as in the language: `n` is one size everywhere); a row that disagrees
 * cannot fix the layout and is a `wrong-length` bad row.
 */
export function layoutFromObservation(slots: readonly InputSlot[], seen: readonly SlotObservation[]): SourceLayout | BadRow {
  const symbols = new Map<string, { size: number; label: string }>();
  const fixed: FixedSlot[] = [];
  const absentOptional: string[] = [];
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    const obs = seen[i];
    if (!obs.present) {
      absentOptional.push(slot.name);
      continue;
    }
    for (let k = 0; k < slot.trailing.length; k++) {
      const declared = slot.trailing[k];
      if (typeof declared !== 'string') continue;
      const size = obs.dims[k];
      const prior = symbols.get(declared);
      if (prior === undefined) {
        symbols.set(declared, { size, label: slot.label });
      } else if (prior.size !== size) {
        return badRow('wrong-length', `field "${slot.label}": dim ${declared} is ${size} here but ${prior.size} in field "${prior.label}"`);
      }
    }
    fixed.push(fixSlot(slot, obs.dims));
  }
  return { slots: fixed, absentOptional };
}
