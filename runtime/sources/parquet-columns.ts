/**
 * Which Parquet columns the page decoder reads (parquet-pages.ts), and how a decoded leaf becomes a
 * column of the source: scalars (a primitive leaf under optional or required structs) as one typed
 * array per group plus row validity; lists of primitives (the standard 3-level LIST, or the legacy
 * 2-level form) as the concatenated elements, Int32 row offsets, row validity and null elements,
 * read off the repetition and definition levels. Strings stay a dictionary and an index per row.
 * Anything else (maps, nested lists, lists of structs, decimals, timestamps, ...) is left to
 * hyparquet's assembling reader.
 */
import type { SchemaTree } from 'hyparquet';
import type { ColumnChunk, FlatColumn } from './columnar-file.ts';
import type { LeafData, LeafKind, LeafShape } from './parquet-pages.ts';
import type { ArrayPool } from './array-pool.ts';

/** A column the page decoder can read: its leaf's path in the file and how rows sit in its levels. */
export interface FastLeaf extends LeafShape {
  /** The leaf's physical path (`tx.list.element`), as in the column chunk metadata. */
  leafPath: string[];
  /** Null for a scalar; for a list, the definition level at which the list exists (below: a null row). */
  listDef: number | null;
}

/** The page decoder's reading of the column at `names` below `root`, or null when it is not one it reads. */
export function fastLeaf(root: SchemaTree, names: readonly string[]): FastLeaf | null {
  let node = root;
  let def = 0;
  const leafPath: string[] = [];
  for (const name of names) {
    const child = node.children.find((c) => c.element.name === name);
    if (child === undefined || child.element.repetition_type === 'REPEATED') return null;
    node = child;
    leafPath.push(name);
    if (node.element.repetition_type !== 'REQUIRED') def++;
  }
  if (node.children.length === 0) {
    const kind = leafKind(node);
    return kind === null ? null : { kind, maxDef: def, maxRep: 0, leafPath, listDef: null };
  }
  const e = node.element;
  if (e.converted_type !== 'LIST' && e.logical_type?.type !== 'LIST') return null;
  if (node.children.length !== 1) return null;
  const rep = node.children[0]!;
  if (rep.element.repetition_type !== 'REPEATED') return null;
  const listDef = def;
  leafPath.push(rep.element.name);
  def++;
  let leaf = rep;
  if (rep.children.length > 0) {
    // 3-level: repeated group with one primitive child. A group named `array` or `<list>_tuple` is
    // the legacy form whose element is the group itself (a struct): not ours.
    if (rep.children.length !== 1 || rep.element.name === 'array' || rep.element.name === `${e.name}_tuple`) return null;
    leaf = rep.children[0]!;
    if (leaf.children.length > 0 || leaf.element.repetition_type === 'REPEATED') return null;
    leafPath.push(leaf.element.name);
    if (leaf.element.repetition_type !== 'REQUIRED') def++;
  }
  const kind = leafKind(leaf);
  if (kind === null || kind === 'str') return null;
  return { kind, maxDef: def, maxRep: 1, leafPath, listDef };
}

/** The kind a primitive leaf decodes to when hyparquet would hand it over unconverted (or as plain strings). */
function leafKind(node: SchemaTree): LeafKind | null {
  const e = node.element;
  const ct = e.converted_type;
  const lt = e.logical_type;
  const intOk = (bits: number): boolean =>
    (ct === undefined || ct === `INT_${bits}` || (bits === 32 && (ct === 'INT_8' || ct === 'INT_16' || ct === 'UINT_8' || ct === 'UINT_16'))) &&
    (lt === undefined || (lt.type === 'INTEGER' && (lt.isSigned || lt.bitWidth < 32)));
  switch (e.type) {
    case 'FLOAT':
      return ct === undefined && lt === undefined ? 'f32' : null;
    case 'DOUBLE':
      return ct === undefined && lt === undefined ? 'f64' : null;
    case 'INT32':
      return intOk(32) ? 'i32' : null;
    case 'INT64':
      return intOk(64) ? 'i64' : null;
    case 'BOOLEAN':
      return ct === undefined && lt === undefined ? 'bool' : null;
    case 'BYTE_ARRAY':
      return (ct === undefined || ct === 'UTF8' || ct === 'ENUM') && (lt === undefined || lt.type === 'STRING' || lt.type === 'ENUM') ? 'str' : null;
    default:
      return null;
  }
}

/** A decoded leaf as the source's column of `rows` rows (a list's row offsets from `pool` when given). */
export function leafColumn(leaf: FastLeaf, d: LeafData, rows: number, pool?: ArrayPool): ColumnChunk {
  return leaf.listDef === null ? scalarColumn(leaf, d, rows) : listColumn(leaf, d, rows, pool);
}

function scalarColumn(leaf: FastLeaf, d: LeafData, rows: number): ColumnChunk {
  if (d.count !== rows) throw new Error(`column ${leaf.leafPath.join('.')}: ${d.count} values for ${rows} rows`);
  let valid: Uint8Array | null = null;
  const def = d.def;
  if (def !== null) {
    let nulls = 0;
    for (let i = 0; i < rows; i++) if (def[i] !== leaf.maxDef) nulls++;
    if (nulls > 0) {
      valid = new Uint8Array(rows);
      for (let i = 0; i < rows; i++) valid[i] = def[i] === leaf.maxDef ? 1 : 0;
    }
  }
  if (leaf.kind === 'str') {
    let index = d.index!;
    if (valid !== null) index = spread(index, valid, -1);
    const dict = d.dict!;
    return { flat: null, strings: { dict, index }, get: (i) => (index[i]! < 0 ? null : dict[index[i]!]!) };
  }
  let values = d.values!;
  if (valid !== null) values = spreadValues(values, valid);
  const flat: FlatColumn = { values, offsets: null, width: 1, valid, elemNull: null, bool: leaf.kind === 'bool', finite: d.finite };
  const big = values instanceof BigInt64Array;
  return {
    flat,
    get: (i) => {
      if (valid !== null && valid[i] === 0) return null;
      const v = values[i]!;
      return big ? Number(v) : leaf.kind === 'bool' ? v === 1 : v;
    },
  };
}

/** Dense indices to one per row (`fill` where the row has no value). */
function spread(dense: Int32Array, valid: Uint8Array, fill: number): Int32Array {
  const out = new Int32Array(valid.length);
  let k = 0;
  for (let i = 0; i < valid.length; i++) out[i] = valid[i] === 1 ? dense[k++]! : fill;
  return out;
}

/** Dense values to one slot per row (0 where the row has no value); 64-bit values as 32-bit halves. */
function spreadValues<T extends NonNullable<LeafData['values']>>(dense: T, valid: Uint8Array): T {
  const ctor = dense.constructor as new (n: number) => T;
  const out = new ctor(valid.length);
  if (dense instanceof BigInt64Array) {
    const d = new Int32Array(dense.buffer, dense.byteOffset, dense.length * 2);
    const o = new Int32Array(out.buffer);
    let k = 0;
    for (let i = 0; i < valid.length; i++)
      if (valid[i] === 1) {
        o[2 * i] = d[2 * k]!;
        o[2 * i + 1] = d[2 * k + 1]!;
        k++;
      }
    return out;
  }
  const o = out as unknown as Float64Array;
  const s = dense as unknown as Float64Array;
  let k = 0;
  for (let i = 0; i < valid.length; i++) if (valid[i] === 1) o[i] = s[k++]!;
  return out;
}

/**
 * A list column from its levels: a row starts at repetition level 0; definition below `listDef` is a
 * null row, `listDef` an empty list, at least `listDef + 1` an element (null below `maxDef`).
 */
function listColumn(leaf: FastLeaf, d: LeafData, rows: number, pool?: ArrayPool): ColumnChunk {
  const starts = d.starts!;
  const n = d.count;
  const listDef = leaf.listDef!;
  // Every entry is written below (rows + 1 offsets).
  const offsets = pool?.take(Int32Array, rows + 1) ?? new Int32Array(rows + 1);
  let valid: Uint8Array | null = null;
  let elemNull: Uint8Array | null = null;
  let values = d.values!;
  const def = d.def ?? new Uint8Array(0);
  if (d.def === null && d.defined !== n) throw new Error(`column ${leaf.leafPath.join('.')}: a list without definition levels`);
  if (starts[0] !== 0) throw new Error(`column ${leaf.leafPath.join('.')}: the first value does not start a row`);
  if (d.defined === n) {
    // Every entry is a present element (no null row, empty list or null element): element k is value k.
    offsets.set(starts);
    offsets[rows] = n;
  } else {
    let elems = 0;
    let dense = 0;
    // Elements are the entries with def > listDef; the dense values are those with def === maxDef.
    let sparse = false;
    for (let row = 0; row < rows; row++) {
      offsets[row] = elems;
      const from = starts[row]!;
      const to = row + 1 < rows ? starts[row + 1]! : n;
      if (def[from]! < listDef) (valid ??= new Uint8Array(rows).fill(1))[row] = 0;
      for (let k = from; k < to; k++) {
        const dl = def[k]!;
        if (dl > listDef) {
          if (dl !== leaf.maxDef) sparse = true;
          else dense++;
          elems++;
        }
      }
    }
    offsets[rows] = elems;
    if (dense !== values.length) throw new Error(`column ${leaf.leafPath.join('.')}: ${values.length} values for ${dense} elements`);
    if (sparse) {
      // Null elements take a slot (value 0) and a mark, so offsets index values directly.
      const ctor = values.constructor as new (n: number) => typeof values;
      const all = new ctor(elems);
      elemNull = new Uint8Array(elems);
      let e = 0;
      let v = 0;
      for (let k = 0; k < n; k++) {
        const dl = def[k]!;
        if (dl <= listDef) continue;
        if (dl === leaf.maxDef) (all as Float64Array)[e] = (values as Float64Array)[v++]!;
        else elemNull[e] = 1;
        e++;
      }
      values = all;
    }
  }
  const flat: FlatColumn = { values, offsets, width: 0, valid, elemNull, bool: leaf.kind === 'bool', finite: d.finite };
  const big = values instanceof BigInt64Array;
  return {
    flat,
    get: (i) => {
      if (valid !== null && valid[i] === 0) return null;
      const out: unknown[] = [];
      for (let e = offsets[i]!; e < offsets[i + 1]!; e++) {
        const v = values[e]!;
        out.push(elemNull !== null && elemNull[e] === 1 ? null : big ? Number(v) : leaf.kind === 'bool' ? v === 1 : v);
      }
      return out;
    },
  };
}
