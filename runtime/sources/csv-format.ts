/**
 * CSV with a header row. A field path names a column (`['f3']`; a nested path `['payload', 'tx']`
 * names the column `payload.tx`, as flattening tools write it). Cells are text: numbers are parsed
 * with the decimal grammar `Number()` accepts, booleans are true/false/1/0 in any case, a list input
 * reads a JSON array written inside its cell. An empty cell counts as a missing field.
 */
import type { TensorData } from '../../stdlib/types.ts';
import { BadRow, badRow } from './bad-row.ts';
import { allocSlotData } from './batch-builder.ts';
import { CsvRecordReader } from './csv-record.ts';
import { pathLabel, type FixedSlot, type InputSlot, type SourceLayout } from './input-layout.ts';
import { JsonSyntaxError, parseJsonLenient } from './json-row.ts';
import { discoverFieldDims, explainProblem, prefixed, Problem, storeNumber, writeFieldValue } from './json-value-writer.ts';
import { layoutFromObservation, type SlotObservation } from './layout-discovery.ts';
import { decodeBase64Text } from './bytes-value.ts';
import { isNanSpelling, parseDecimalCell } from './number-text.ts';
import type { RowFormat } from './row-format.ts';
import { SourceError } from './source-error.ts';
import type { ByteStringCache } from './byte-string-cache.ts';

/** The CSV `RowFormat`: the header maps paths to columns, then each record fills one batch row. */
export class CsvFormat implements RowFormat {
  readonly wantsHeader = true;
  private readonly rec = new CsvRecordReader();
  private headerLength = 0;
  /** Per slot (in `slots` order), the column index of each path, -1 when not in the header. */
  private columns: Int32Array[] = [];
  private layout: SourceLayout | null = null;
  /** Per layout slot, its column indices. */
  private layoutColumns: Int32Array[] = [];
  private data: TensorData[] = [];

  constructor(
    private readonly file: string,
    private readonly slots: readonly InputSlot[],
    private readonly strings: ByteStringCache,
  ) {}

  get innerLines(): number {
    return this.rec.innerLines;
  }

  beginBlock(): void {
    this.rec.beginBlock();
  }

  recordEnd(b: Buffer, pos: number, eof: boolean): number {
    return this.rec.recordEnd(b, pos, eof);
  }

  header(b: Buffer, start: number, end: number, line: number): void {
    const err = this.rec.split(b, start, end);
    if (err !== null) throw new SourceError(this.file, line, 'bad-csv', `header: ${err}`);
    const names = new Map<string, number>();
    const duplicates = new Set<string>();
    for (let k = 0; k < this.rec.count; k++) {
      const name = this.rec.cell(k);
      if (names.has(name)) duplicates.add(name);
      else names.set(name, k);
    }
    this.headerLength = this.rec.count;
    this.columns = this.slots.map((slot) => {
      const idx = new Int32Array(slot.paths.length);
      slot.paths.forEach((path, j) => {
        const name = columnName(path);
        if (duplicates.has(name)) {
          throw new SourceError(this.file, line, 'unsupported', `column "${name}" appears more than once in the header`);
        }
        idx[j] = names.get(name) ?? -1;
        if (idx[j] < 0 && !slot.optional) {
          const known = [...names.keys()];
          const list = known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ');
          throw new SourceError(this.file, line, 'missing-field', `column "${name}" (input "${slot.name}") is not in the header (columns: ${list})`);
        }
      });
      return idx;
    });
  }

  discover(b: Buffer, start: number, end: number): SourceLayout | BadRow {
    const bad = this.splitChecked(b, start, end);
    if (bad) return bad;
    const seen: SlotObservation[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      const cols = this.columns[i];
      let missing = -1;
      let present = 0;
      for (let j = 0; j < cols.length; j++) {
        if (cols[j] < 0 || this.rec.isBlank(cols[j])) {
          if (missing < 0) missing = j;
        } else present++;
      }
      if (missing >= 0) {
        if (slot.optional && present === 0) {
          seen.push({ present: false });
          continue;
        }
        return missingCell(slot.paths[missing]);
      }
      if (slot.kind === 'columns' || slot.trailing.length === 0) {
        seen.push({ present: true, dims: slot.kind === 'columns' ? [cols.length] : [] });
        continue;
      }
      const v = this.listCell(slot, cols[0]);
      if (v instanceof BadRow) return v;
      const dims = discoverFieldDims(slot, v);
      if (dims instanceof BadRow) return dims;
      seen.push({ present: true, dims });
    }
    const layout = layoutFromObservation(this.slots, seen);
    if (layout instanceof BadRow) return layout;
    const written = this.writeCells(layout, this.columnsFor(layout), allocSlotData(layout, 1), 0);
    return written ?? layout;
  }

  setLayout(layout: SourceLayout): void {
    this.layout = layout;
    this.layoutColumns = this.columnsFor(layout);
  }

  bind(data: TensorData[]): void {
    this.data = data;
  }

  readRow(b: Buffer, start: number, end: number, row: number): BadRow | null {
    return this.splitChecked(b, start, end) ?? this.writeCells(this.layout!, this.layoutColumns, this.data, row);
  }

  private columnsFor(layout: SourceLayout): Int32Array[] {
    return layout.slots.map((slot) => this.columns[this.slots.findIndex((s) => s.name === slot.name)]);
  }

  private splitChecked(b: Buffer, start: number, end: number): BadRow | null {
    const err = this.rec.split(b, start, end);
    if (err !== null) return badRow('bad-csv', err);
    if (this.rec.count !== this.headerLength) {
      return fieldCountProblem(this.headerLength, this.rec.count);
    }
    return null;
  }

  private writeCells(layout: SourceLayout, columns: Int32Array[], data: TensorData[], row: number): BadRow | null {
    for (let i = 0; i < layout.slots.length; i++) {
      const slot = layout.slots[i];
      const cols = columns[i];
      const off = row * slot.rowSize;
      if (slot.kind === 'field' && slot.dims.length > 0) {
        if (this.rec.isBlank(cols[0])) return missingCell(slot.paths[0]);
        const v = this.listCell(slot, cols[0]);
        if (v instanceof BadRow) return v;
        const bad = writeFieldValue(slot, v, data[i], off);
        if (bad) return bad;
        continue;
      }
      for (let j = 0; j < cols.length; j++) {
        const bad = this.scalarCell(slot, slot.paths[j], cols[j], data[i], off + j);
        if (bad) return bad;
      }
    }
    return null;
  }

  /** A scalar cell of `slot` into `data[at]`. */
  private scalarCell(slot: FixedSlot, path: readonly string[], k: number, data: TensorData, at: number): BadRow | null {
    const rec = this.rec;
    if (rec.isBlank(k)) return missingCell(path);
    const dtype = slot.dtype;
    if (dtype === 'str') {
      (data as string[])[at] = rec.kinds[k] === 2 ? rec.cell(k) : this.strings.get(rec.block, rec.starts[k], rec.ends[k]);
      return null;
    }
    if (dtype === 'bytes') {
      const text = rec.cell(k);
      const bytes = decodeBase64Text(text);
      if (bytes === null) return badRow('bad-base64', `column "${columnName(path)}" is ${quoteCell(text)}, which is not base64`);
      (data as Uint8Array[])[at] = bytes;
      return null;
    }
    if (dtype === 'bool') {
      const t = rec.cell(k).trim().toLowerCase();
      if (t === 'true' || t === '1') {
        (data as Uint8Array)[at] = 1;
        return null;
      }
      if (t === 'false' || t === '0') {
        (data as Uint8Array)[at] = 0;
        return null;
      }
      return explainCellText(path, rec.cell(k), true);
    }
    const v = rec.kinds[k] === 2 ? NaN : parseDecimalCell(rec.block, rec.starts[k], rec.ends[k], dtype === 'f32');
    if (v !== v) return explainCellText(path, rec.cell(k), false);
    const p = storeNumber(dtype, v, data, at);
    return p === Problem.None ? null : explainCellNumber(path, p, v);
  }

  /** The JSON list written in the cell of a list-valued input. */
  private listCell(slot: InputSlot, k: number): unknown {
    const text = this.rec.cell(k);
    const v = parseJsonLenient(text);
    if (v instanceof JsonSyntaxError || !Array.isArray(v)) {
      return badRow('wrong-type', `column "${slot.label}" is ${quoteCell(text)}, expected a JSON list like [1, 2, 3]`);
    }
    return v;
  }
}

/** A one-element path is a column name; a nested path names its dotted column (`payload.tx`). */
function columnName(path: readonly string[]): string {
  return pathLabel(path);
}

// Cold paths below: messages are built outside the per-row functions (a template literal inside
// them makes V8 generate much slower code for the whole function).

function fieldCountProblem(expected: number, got: number): BadRow {
  return badRow('bad-csv', `expected ${expected} fields (as in the header), got ${got}`);
}

function explainCellNumber(path: readonly string[], p: Problem, v: number): BadRow {
  return prefixed(`column "${pathLabel(path)}" `, explainProblem(p, v))!;
}

/** A cell that is not a number (or, for `bool`, not a boolean). */
function explainCellText(path: readonly string[], text: string, bool: boolean): BadRow {
  if (bool) return badRow('wrong-type', `column "${pathLabel(path)}" is ${quoteCell(text)}, expected true/false or 0/1`);
  if (isNanSpelling(text)) return badRow('nan', `column "${pathLabel(path)}" is ${text.trim()}`);
  return badRow('non-numeric', `column "${pathLabel(path)}" is ${quoteCell(text)}, expected a number`);
}

function missingCell(path: readonly string[]): BadRow {
  return badRow('missing-field', `column "${pathLabel(path)}" is empty`);
}

function quoteCell(text: string): string {
  return JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…` : text);
}
