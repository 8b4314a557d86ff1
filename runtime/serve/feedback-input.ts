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

/**
 * A feedback value read as the label input's dtype, or why it does not fit (`index`: the item's place in the body;
 * `field`: where the value was, `label` or `labels.<input>`).
 */
export function readLabel(input: PlanInput, v: unknown, index: number, field = 'label'): RowRef | RowProblem {
  const slots = planSlots([input]);
  const bad = (detail: string, reason = 'wrong-type'): RowProblem =>
    new RowProblem({
      error: 'bad-input',
      reason,
      row: index,
      input: input.name,
      field,
      expected: formatType(input.type),
      detail,
    });
  if (!Array.isArray(slots)) return bad(slots.problem);
  const dims = discoverFieldDims(slots[0]!, v);
  if (dims instanceof BadRow) return bad(dims.detail, dims.reason);
  const slot = fixSlot(slots[0]!, dims);
  const data = allocData(slot.dtype, slot.rowSize);
  const problem = writeFieldValue(slot, v, data, 0);
  if (problem !== null) return bad(problem.detail.replace(`field "${slot.label}"`, field), problem.reason);
  return { tensor: { dtype: slot.dtype, data, dims: [1, ...dims] } as Tensor, row: 0 };
}

/** A feedback item as sent: one `label` (the graph's only label input) or `labels` by input name. */
export type FeedbackBodyItem =
  { id: string; label: unknown; labels?: undefined } | { id: string; label?: undefined; labels: Record<string, unknown> };

/**
 * A feedback item's labels by label input, each read as its input's dtype: `label` is the graph's only label
 * input's; `labels` names its inputs, each one a comparison reads its label from.
 */
export function readLabels(inputs: ReadonlyMap<string, PlanInput>, item: FeedbackBodyItem, index: number): Record<string, RowRef> | RowProblem {
  const names = [...inputs.keys()].map((n) => `\`${n}\``).join(', ');
  const bad = (field: string, input: string | null, detail: string, reason = 'bad-body'): RowProblem =>
    new RowProblem({ error: 'bad-input', reason, row: index, input, field, expected: null, detail });
  const values: [string, unknown][] = [];
  if (item.labels === undefined) {
    if (inputs.size > 1)
      return bad('label', null, `the comparisons take their labels from several inputs (${names}): send \`labels\`: {"<input>": value, ...}`);
    values.push([[...inputs.keys()][0]!, item.label]);
  } else values.push(...Object.entries(item.labels));
  const out: Record<string, RowRef> = {};
  for (const [name, v] of values) {
    const field = item.labels === undefined ? 'label' : `labels.${name}`;
    const input = inputs.get(name);
    if (input === undefined) return bad(field, name, `no comparison takes its label from \`${name}\`: the label inputs are ${names}`, 'not-a-label');
    const label = readLabel(input, v, index, field);
    if (label instanceof RowProblem) return label;
    out[name] = label;
  }
  return out;
}

/**
 * The items of a feedback body, or why it is refused. A body is one item or `{"labels": [item, ...]}`; an item is
 * `{"request_id", "label"}` or `{"request_id", "labels": {"<input>": value, ...}}` (an object, so a single item's
 * `labels` is told from a batch's list by its type).
 */
export function feedbackItems(body: unknown): FeedbackBodyItem[] | BadInput {
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
  const list = b.labels !== undefined && !Object.hasOwn(b, 'request_id') ? b.labels : [b];
  if (!Array.isArray(list) || list.length === 0) return bad('`labels` must be a non-empty list of {"request_id": ..., "label": ...}');
  const out: FeedbackBodyItem[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as Record<string, unknown> | null;
    if (item === null || typeof item !== 'object' || typeof item.request_id !== 'string') return bad('each label needs a string `request_id`', i);
    const one = Object.hasOwn(item, 'label');
    const many = Object.hasOwn(item, 'labels');
    if (one === many) return bad('each item needs either a `label` value or a `labels` object ({"<label input>": value, ...})', i);
    if (one) out.push({ id: item.request_id, label: item.label });
    else {
      const labels = item.labels;
      if (labels === null || typeof labels !== 'object' || Array.isArray(labels) || Object.keys(labels).length === 0)
        return bad('`labels` must be a non-empty object: {"<label input>": value, ...}', i);
      out.push({ id: item.request_id, labels: labels as Record<string, unknown> });
    }
  }
  return out;
}
