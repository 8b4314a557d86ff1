/**
 * `POST /v1/feedback`'s input, read on the main thread: the body's items, each label read as the label input's
 * dtype (a 400 names it), and the label store's key of each id. The join itself runs on the shadow arm's thread
 * (shadow-pairing.ts), where the stored rows are.
 */
import type { PlanInput } from '../../plan/plan-types.ts';
import { formatType } from '../../plan/tensor-type.ts';
import { allocData, type Tensor } from '../../stdlib/types.ts';
import { BadRow } from '../sources/bad-row.ts';
import { fixSlot, planSlots } from '../sources/input-layout.ts';
import { discoverFieldDims, writeFieldValue } from '../sources/json-value-writer.ts';
import type { PairKey, RowRef } from './pair-store.ts';
import { RowProblem, type BadInput } from './request-rows.ts';

/** The part of a generated id after the process's prefix: `ordinal` or `first+rows:i` (see ServeService.idPrefix). */
const GENERATED_ID = /^([0-9a-z]{1,10})(?:\+([0-9]{1,9}):([0-9]{1,9}))?$/;

/**
 * The label store's key of a feedback id: the row ordinal of an id this server generated (`prefix`, ordinals below
 * `nextRowId`), else the id itself. Only the exact text the server wrote (no leading zeros, an ordinal it gave)
 * names that row.
 */
export function feedbackKey(id: string, prefix: string, nextRowId: number): PairKey {
  if (!id.startsWith(prefix)) return id;
  const m = GENERATED_ID.exec(id.slice(prefix.length));
  if (m === null) return id;
  const first = parseInt(m[1]!, 36);
  let rowId = first;
  if (m[2] !== undefined) {
    const n = Number(m[2]);
    const i = Number(m[3]);
    if (i >= n) return id;
    rowId = first + i;
  }
  const canonical = m[2] === undefined ? first.toString(36) : `${first.toString(36)}+${Number(m[2])}:${Number(m[3])}`;
  if (canonical !== id.slice(prefix.length) || rowId >= nextRowId) return id;
  return rowId;
}

/** A feedback value read as the label input's dtype, or why it does not fit (`index`: the item's place in the body). */
export function readLabel(input: PlanInput, v: unknown, index: number): RowRef | RowProblem {
  const slots = planSlots([input]);
  const bad = (detail: string, reason = 'wrong-type'): RowProblem =>
    new RowProblem({
      error: 'bad-input',
      reason,
      row: index,
      input: input.name,
      field: 'label',
      expected: formatType(input.type),
      detail,
    });
  if (!Array.isArray(slots)) return bad(slots.problem);
  const dims = discoverFieldDims(slots[0]!, v);
  if (dims instanceof BadRow) return bad(dims.detail, dims.reason);
  const slot = fixSlot(slots[0]!, dims);
  const data = allocData(slot.dtype, slot.rowSize);
  const problem = writeFieldValue(slot, v, data, 0);
  if (problem !== null) return bad(problem.detail.replace(`field "${slot.label}"`, 'label'), problem.reason);
  return { tensor: { dtype: slot.dtype, data, dims: [1, ...dims] } as Tensor, row: 0 };
}

/** The items of a feedback body, or why it is refused. */
export function feedbackItems(body: unknown): { id: string; label: unknown }[] | BadInput {
  const bad = (detail: string, row = 0): BadInput => ({
    error: 'bad-input',
    reason: 'bad-body',
    row,
    input: null,
    field: null,
    expected: null,
    detail,
  });
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return bad('the body must be a JSON object: {"request_id": ..., "label": ...} or {"labels": [...]}');
  const b = body as Record<string, unknown>;
  const list = b.labels !== undefined ? b.labels : [b];
  if (!Array.isArray(list) || list.length === 0) return bad('`labels` must be a non-empty list of {"request_id": ..., "label": ...}');
  const out: { id: string; label: unknown }[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as Record<string, unknown> | null;
    if (item === null || typeof item !== 'object' || typeof item.request_id !== 'string') return bad('each label needs a string `request_id`', i);
    if (!Object.hasOwn(item, 'label')) return bad('each label needs a `label` value', i);
    out.push({ id: item.request_id, label: item.label });
  }
  return out;
}
