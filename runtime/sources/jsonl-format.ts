/**
 * JSONL: one JSON object per line. Rows go through the fast scanner first; whatever it declines is
 * re-read on the reference path (`JSON.parse` + the value writer), which alone decides verdicts.
 */
import type { TensorData } from '../../stdlib/types.ts';
import { BadRow, badRow } from './bad-row.ts';
import { allocSlotData } from './batch-builder.ts';
import type { FixedSlot, InputSlot, SourceLayout } from './input-layout.ts';
import { lookupPath, MISSING, parseJsonRow, PathBlocked } from './json-row.ts';
import { discoverFieldDims, explainProblem, prefixed, Problem, storeJsonScalar, writeFieldValue } from './json-value-writer.ts';
import { JsonlFastScanner } from './jsonl-fast-scanner.ts';
import { layoutFromObservation, type SlotObservation } from './layout-discovery.ts';
import type { RowFormat } from './row-format.ts';
import type { ByteStringCache } from './byte-string-cache.ts';

/** Options of the JSONL format (tests and benchmarks switch the fast scanner off). */
export interface JsonlFormatOptions {
  /** Use the fast scanner (default true). Off: every row takes the reference path (tests, baselines). */
  fast?: boolean;
}

/** The JSONL `RowFormat`: a record is a line holding one JSON object. */
export class JsonlFormat implements RowFormat {
  readonly innerLines = 0;
  readonly wantsHeader = false;
  private layout: SourceLayout | null = null;
  private scanner: JsonlFastScanner | null = null;
  private data: TensorData[] = [];
  private readonly useFast: boolean;

  constructor(
    private readonly slots: readonly InputSlot[],
    private readonly strings: ByteStringCache,
    opts: JsonlFormatOptions = {},
  ) {
    this.useFast = opts.fast ?? true;
  }

  beginBlock(): void {
    // JSONL keeps no per-block state.
  }

  recordEnd(b: Buffer, pos: number, eof: boolean): number {
    const nl = b.indexOf(10, pos);
    if (nl >= 0) return nl;
    return eof ? b.length : -1;
  }

  header(): void {
    // JSONL has no header.
  }

  discover(b: Buffer, start: number, end: number): SourceLayout | BadRow {
    const row = parseJsonRow(b.toString('utf8', start, end));
    if (row instanceof BadRow) return row;
    return discoverObjectLayout(this.slots, row);
  }

  setLayout(layout: SourceLayout): void {
    this.layout = layout;
    this.scanner = this.useFast ? JsonlFastScanner.build(layout, this.strings) : null;
  }

  bind(data: TensorData[]): void {
    this.data = data;
    this.scanner?.bind(data);
  }

  readRow(b: Buffer, start: number, end: number, row: number): BadRow | null {
    if (this.scanner !== null && this.scanner.scanRow(b, start, end, row)) return null;
    const obj = parseJsonRow(b.toString('utf8', start, end));
    if (obj instanceof BadRow) return obj;
    return this.writeParsed(obj, this.layout!, this.data, row);
  }

  /** The reference path: every check in plan order, first failure wins. */
  private writeParsed(obj: object, layout: SourceLayout, data: TensorData[], row: number): BadRow | null {
    return writeObjectRow(obj, layout, data, row);
  }
}

/**
 * What a parsed row says about one slot: absent (an optional input), present with these trailing dims, or
 * why the row cannot fix the layout. Shared by replay rows and `m4c serve` request rows.
 */
export function observeSlot(slot: InputSlot, row: object): SlotObservation | BadRow {
  const values = slot.paths.map((p) => lookupPath(row, p));
  const blocked = values.find((v) => v instanceof PathBlocked);
  if (blocked) return badRow('wrong-type', (blocked as PathBlocked).detail);
  const missing = values.findIndex((v) => v === MISSING);
  if (missing >= 0) {
    if (slot.optional && values.every((v) => v === MISSING)) return { present: false };
    return missingField(slot.paths[missing]);
  }
  if (slot.kind === 'columns') return { present: true, dims: [slot.paths.length] };
  const dims = discoverFieldDims(slot, values[0]);
  if (dims instanceof BadRow) return dims;
  return { present: true, dims };
}

/** The layout a parsed row fixes (see layout-discovery.ts), checked by writing the row once. */
export function discoverObjectLayout(slots: readonly InputSlot[], row: object): SourceLayout | BadRow {
  const seen: SlotObservation[] = [];
  for (const slot of slots) {
    const obs = observeSlot(slot, row);
    if (obs instanceof BadRow) return obs;
    seen.push(obs);
  }
  const layout = layoutFromObservation(slots, seen);
  if (layout instanceof BadRow) return layout;
  const bad = writeObjectRow(row, layout, allocSlotData(layout, 1), 0);
  return bad ?? layout;
}

/** Write a parsed row into row `row` of `data` (one array per layout slot): every check in plan order, first failure wins. */
export function writeObjectRow(obj: object, layout: SourceLayout, data: TensorData[], row: number): BadRow | null {
  for (let i = 0; i < layout.slots.length; i++) {
    const bad = writeObjectSlot(obj, layout.slots[i], data[i], row);
    if (bad) return bad;
  }
  return null;
}

/** Write one slot of a parsed row at row `row` of the slot's array; null when it is good. */
export function writeObjectSlot(obj: object, slot: FixedSlot, data: TensorData, row: number): BadRow | null {
  const off = row * slot.rowSize;
  if (slot.kind === 'field') {
    const v = lookupPath(obj, slot.paths[0]);
    if (v === MISSING) return missingField(slot.paths[0]);
    if (v instanceof PathBlocked) return badRow('wrong-type', v.detail);
    return writeFieldValue(slot, v, data, off);
  }
  for (let j = 0; j < slot.paths.length; j++) {
    const path = slot.paths[j];
    const v = lookupPath(obj, path);
    if (v === MISSING) return missingField(path);
    if (v instanceof PathBlocked) return badRow('wrong-type', v.detail);
    const p = storeJsonScalar(slot.dtype, v, data, off + j);
    if (p !== Problem.None) return explainColumn(path, p, v);
  }
  return null;
}

function explainColumn(path: readonly string[], p: Problem, v: unknown): BadRow {
  return prefixed(`field "${path.join('.')}" `, explainProblem(p, v))!;
}

function missingField(path: readonly string[]): BadRow {
  return badRow('missing-field', `field "${path.join('.')}" is missing`);
}
