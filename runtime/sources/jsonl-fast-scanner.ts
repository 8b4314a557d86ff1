/**
 * A hand-written JSONL row scanner that reads only the fields the plan needs, from the file's bytes
 * straight into the batch's typed arrays, and validates the rest of the line without building it.
 *
 * Why: `JSON.parse` builds an object per row and an array per list, which makes it the bottleneck
 * of the whole system for small models (PERFORMANCE.md, fact 4).
 *
 * Contract: `scanRow` returns true only for a row that the reference path (`JSON.parse` + the
 * value writer) accepts, after writing exactly the values it would write. On anything else —
 * syntax errors, escapes in keys or read strings, duplicate keys, missing fields, wrong lengths,
 * non-finite or non-integer values, deep nesting — it returns false WITHOUT a verdict, and the
 * caller re-reads the row on the reference path, which decides. Partial writes are harmless: the
 * reference path overwrites the same slots, and a bad row's slots are reused by the next row.
 */
import type { TensorData } from '../../stdlib/types.ts';
import type { ByteStringCache } from './byte-string-cache.ts';
import type { FixedSlot, SourceLayout } from './input-layout.ts';
import { stridesOf } from './input-layout.ts';
import { NUM, scanJsonNumber, skipJsonNumber } from './number-text.ts';

const MAX_DEPTH = 64;

/** Where one needed field's value goes. */
interface Leaf {
  slot: number;
  /** `columns` inputs: the column index in the last axis; `field` inputs: -1. */
  column: number;
  dtype: FixedSlot['dtype'];
  dims: number[];
  strides: number[];
  rowSize: number;
}

/** A key on a needed path: either a leaf or an object whose keys are searched further. */
interface KeyNode {
  key: Buffer;
  hash: number;
  id: number;
  leaf: Leaf | null;
  children: KeyNode[];
}

function hashBytes(key: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key[i]) | 0;
  return h;
}

/** One per source and layout; `bind` it to each batch's arrays, then `scanRow` each line. */
export class JsonlFastScanner {
  private readonly root: KeyNode[];
  private readonly leafCount: number;
  private readonly stamps: Float64Array;
  private serial = 0;
  private found = 0;
  private data: TensorData[] = [];
  private b: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;

  private constructor(
    root: KeyNode[],
    nodeCount: number,
    leafCount: number,
    private readonly strings: ByteStringCache,
  ) {
    this.root = root;
    this.leafCount = leafCount;
    this.stamps = new Float64Array(nodeCount).fill(-1);
  }

  /**
   * Build a scanner for a fixed layout, or null when the layout reads one field twice or a field
   * inside another (the reference path handles those rare plans alone).
   */
  static build(layout: SourceLayout, strings: ByteStringCache): JsonlFastScanner | null {
    const root: KeyNode[] = [];
    let nodeCount = 0;
    let leafCount = 0;
    for (let si = 0; si < layout.slots.length; si++) {
      const slot = layout.slots[si];
      for (let col = 0; col < slot.paths.length; col++) {
        const path = slot.paths[col];
        let level = root;
        for (let k = 0; k < path.length; k++) {
          const key = Buffer.from(path[k], 'utf8');
          let node = level.find((n) => n.key.equals(key));
          const isLast = k === path.length - 1;
          if (!node) {
            node = { key, hash: hashBytes(key), id: nodeCount++, leaf: null, children: [] };
            level.push(node);
          } else if (isLast || node.leaf) {
            return null; // same field twice, or a field that is also an object on another path
          }
          if (isLast) {
            const dims = slot.kind === 'columns' ? [] : slot.dims;
            node.leaf = {
              slot: si,
              column: slot.kind === 'columns' ? col : -1,
              dtype: slot.dtype,
              dims,
              strides: stridesOf(dims),
              rowSize: slot.rowSize,
            };
            leafCount++;
          }
          level = node.children;
        }
      }
    }
    return new JsonlFastScanner(root, nodeCount, leafCount, strings);
  }

  /** Point the scanner at this batch's arrays (`data[i]` for `layout.slots[i]`). */
  bind(data: TensorData[]): void {
    this.data = data;
  }

  /** Read the row `b[start, end)` into batch row `row`. See the module contract for `false`. */
  scanRow(b: Buffer, start: number, end: number, row: number): boolean {
    this.b = b;
    this.pos = start;
    this.end = end;
    this.serial++;
    this.found = 0;
    if (this.ws() !== 123 /* { */) return false;
    if (!this.object(this.root, row, 0)) return false;
    this.ws();
    return this.pos === this.end && this.found === this.leafCount;
  }

  /** Skip JSON whitespace; returns the byte at the new position, or -1 at the end of the line. */
  private ws(): number {
    const b = this.b;
    const end = this.end;
    let p = this.pos;
    while (p < end) {
      const c = b[p];
      if (c === 32 || c === 9 || c === 13 || c === 10) {
        p++;
        continue;
      }
      this.pos = p;
      return c;
    }
    this.pos = p;
    return -1;
  }

  /** An object whose keys may be needed; `this.pos` is at `{`. */
  private object(nodes: KeyNode[], row: number, depth: number): boolean {
    const b = this.b;
    const end = this.end;
    this.pos++;
    let c = this.ws();
    if (c === 125 /* } */) {
      this.pos++;
      return true;
    }
    for (;;) {
      if (c !== 34 /* " */) return false;
      // Read the key, hashing it on the way; escapes and control characters send the row to the reference path.
      const ks = this.pos + 1;
      let i = ks;
      let h = 0;
      for (;;) {
        if (i >= end) return false;
        const k = b[i];
        if (k === 34) break;
        if (k === 92 || k < 32) return false;
        h = (Math.imul(h, 31) + k) | 0;
        i++;
      }
      const klen = i - ks;
      this.pos = i + 1;
      if (this.ws() !== 58 /* : */) return false;
      this.pos++;
      c = this.ws();
      let node: KeyNode | null = null;
      for (let n = 0; n < nodes.length; n++) {
        const cand = nodes[n];
        if (cand.hash === h && cand.key.length === klen && sameBytes(cand.key, b, ks)) {
          node = cand;
          break;
        }
      }
      if (node === null) {
        if (!this.skipValue(c, depth + 1)) return false;
      } else {
        if (this.stamps[node.id] === this.serial) return false; // duplicate key: JSON.parse keeps the last one
        this.stamps[node.id] = this.serial;
        if (node.leaf !== null) {
          if (!this.leaf(node.leaf, row)) return false;
          this.found++;
        } else {
          if (c !== 123 || depth >= MAX_DEPTH) return false;
          if (!this.object(node.children, row, depth + 1)) return false;
        }
      }
      c = this.ws();
      if (c === 44 /* , */) {
        this.pos++;
        c = this.ws();
        continue;
      }
      if (c === 125) {
        this.pos++;
        return true;
      }
      return false;
    }
  }

  private leaf(leaf: Leaf, row: number): boolean {
    const data = this.data[leaf.slot];
    if (leaf.column >= 0) return this.scalar(leaf.dtype, data, row * leaf.rowSize + leaf.column);
    const off = row * leaf.rowSize;
    if (leaf.dims.length === 0) return this.scalar(leaf.dtype, data, off);
    return this.list(leaf, 0, data, off);
  }

  private list(leaf: Leaf, level: number, data: TensorData, off: number): boolean {
    if (this.ws() !== 91 /* [ */) return false;
    this.pos++;
    const n = leaf.dims[level];
    if (level === leaf.dims.length - 1) {
      switch (leaf.dtype) {
        case 'f32':
          return this.f32Items(data as Float32Array, off, n);
        case 'f64':
          return this.f64Items(data as Float64Array, off, n);
        default:
          return this.otherItems(leaf.dtype, data, off, n);
      }
    }
    const stride = leaf.strides[level];
    for (let i = 0; i < n; i++) {
      if (!this.list(leaf, level + 1, data, off + i * stride)) return false;
      if (!this.separator(i === n - 1)) return false;
    }
    return true;
  }

  /** After an item: `,` before the next one, `]` after the last. */
  private separator(last: boolean): boolean {
    const c = this.ws();
    if (c !== (last ? 93 : 44)) return false;
    this.pos++;
    return true;
  }

  /**
   * The hot loop for `f32[rows, n]` lists. Compact JSON (`[0.1,0.2]`) takes the inline checks;
   * whitespace around items drops to `ws()`.
   */
  private f32Items(arr: Float32Array, off: number, n: number): boolean {
    const b = this.b;
    const end = this.end;
    let pos = this.pos;
    const last = n - 1;
    for (let i = 0; i < n; i++) {
      let c = b[pos];
      if (c === 32 || c === 9 || c === 13) {
        this.pos = pos;
        this.ws();
        pos = this.pos;
      }
      if (!scanJsonNumber(b, pos, end, true)) return false;
      const f = Math.fround(NUM.value);
      if (f - f !== 0) return false;
      arr[off + i] = f;
      pos = NUM.end;
      c = b[pos];
      const want = i === last ? 93 : 44;
      if (c !== want) {
        this.pos = pos;
        if (this.ws() !== want) return false;
        pos = this.pos;
      }
      pos++;
    }
    this.pos = pos;
    return true;
  }

  private f64Items(arr: Float64Array, off: number, n: number): boolean {
    const b = this.b;
    const end = this.end;
    let pos = this.pos;
    const last = n - 1;
    for (let i = 0; i < n; i++) {
      let c = b[pos];
      if (c === 32 || c === 9 || c === 13) {
        this.pos = pos;
        this.ws();
        pos = this.pos;
      }
      if (!scanJsonNumber(b, pos, end, false)) return false;
      const v = NUM.value;
      if (v - v !== 0) return false;
      arr[off + i] = v;
      pos = NUM.end;
      c = b[pos];
      const want = i === last ? 93 : 44;
      if (c !== want) {
        this.pos = pos;
        if (this.ws() !== want) return false;
        pos = this.pos;
      }
      pos++;
    }
    this.pos = pos;
    return true;
  }

  private otherItems(dtype: FixedSlot['dtype'], data: TensorData, off: number, n: number): boolean {
    for (let i = 0; i < n; i++) {
      if (!this.scalar(dtype, data, off + i)) return false;
      if (!this.separator(i === n - 1)) return false;
    }
    return true;
  }

  /** One scalar value of `dtype` at `data[at]`; the whitespace before it is skipped here. */
  private scalar(dtype: FixedSlot['dtype'], data: TensorData, at: number): boolean {
    const b = this.b;
    const c = this.ws();
    const pos = this.pos;
    switch (dtype) {
      // Base64 is validated and decoded on the reference path (bytes-value.ts).
      case 'bytes':
      case 'image':
        return false;
      case 'f32': {
        if (!scanJsonNumber(b, pos, this.end, true)) return false;
        const f = Math.fround(NUM.value);
        if (f - f !== 0) return false;
        (data as Float32Array)[at] = f;
        break;
      }
      case 'f64': {
        if (!scanJsonNumber(b, pos, this.end, false)) return false;
        const v = NUM.value;
        if (v - v !== 0) return false;
        (data as Float64Array)[at] = v;
        break;
      }
      case 'i32': {
        if (!scanJsonNumber(b, pos, this.end, false)) return false;
        const v = NUM.value;
        if ((v | 0) !== v) return false; // non-integer, out of range or non-finite
        (data as Int32Array)[at] = v;
        break;
      }
      case 'i64': {
        if (!scanJsonNumber(b, pos, this.end, false)) return false;
        const v = NUM.value;
        if (!Number.isInteger(v) || v < -9223372036854775808 || v >= 9223372036854775808) return false;
        writeI64(data as BigInt64Array, at, v);
        break;
      }
      case 'bool': {
        if (c === 116 /* t */ && b[pos + 1] === 114 && b[pos + 2] === 117 && b[pos + 3] === 101) {
          (data as Uint8Array)[at] = 1;
          this.pos = pos + 4;
          return true;
        }
        if (c === 102 /* f */ && b[pos + 1] === 97 && b[pos + 2] === 108 && b[pos + 3] === 115 && b[pos + 4] === 101) {
          (data as Uint8Array)[at] = 0;
          this.pos = pos + 5;
          return true;
        }
        if (!scanJsonNumber(b, pos, this.end, false)) return false;
        const v = NUM.value;
        if (v !== 0 && v !== 1) return false;
        (data as Uint8Array)[at] = v;
        break;
      }
      case 'str': {
        if (c === 34) {
          const close = this.plainStringEnd(pos);
          if (close < 0) return false;
          (data as string[])[at] = this.strings.get(b, pos + 1, close);
          this.pos = close + 1;
          return true;
        }
        if (!scanJsonNumber(b, pos, this.end, false)) return false;
        (data as string[])[at] = String(NUM.value);
        break;
      }
    }
    this.pos = NUM.end;
    return true;
  }

  /** Index of the closing quote of a string without escapes starting at `p` (a `"`), or -1. */
  private plainStringEnd(p: number): number {
    const b = this.b;
    const end = this.end;
    for (let i = p + 1; i < end; i++) {
      const c = b[i];
      if (c === 34) return i;
      if (c === 92 || c < 32) return -1;
    }
    return -1;
  }

  /** Validate and skip any JSON value starting with byte `c` at `this.pos`. */
  private skipValue(c: number, depth: number): boolean {
    const b = this.b;
    const p = this.pos;
    switch (c) {
      case 34:
        return this.skipString();
      case 123: {
        if (depth >= MAX_DEPTH) return false;
        this.pos++;
        c = this.ws();
        if (c === 125) {
          this.pos++;
          return true;
        }
        for (;;) {
          if (c !== 34 || !this.skipString()) return false;
          if (this.ws() !== 58) return false;
          this.pos++;
          if (!this.skipValue(this.ws(), depth + 1)) return false;
          c = this.ws();
          if (c === 44) {
            this.pos++;
            c = this.ws();
            continue;
          }
          if (c === 125) {
            this.pos++;
            return true;
          }
          return false;
        }
      }
      case 91: {
        if (depth >= MAX_DEPTH) return false;
        this.pos++;
        c = this.ws();
        if (c === 93) {
          this.pos++;
          return true;
        }
        for (;;) {
          if (!this.skipValue(c, depth + 1)) return false;
          c = this.ws();
          if (c === 44) {
            this.pos++;
            c = this.ws();
            continue;
          }
          if (c === 93) {
            this.pos++;
            return true;
          }
          return false;
        }
      }
      case 116: // true
        if (b[p + 1] !== 114 || b[p + 2] !== 117 || b[p + 3] !== 101 || p + 4 > this.end) return false;
        this.pos = p + 4;
        return true;
      case 102: // false
        if (b[p + 1] !== 97 || b[p + 2] !== 108 || b[p + 3] !== 115 || b[p + 4] !== 101 || p + 5 > this.end) return false;
        this.pos = p + 5;
        return true;
      case 110: // null
        if (b[p + 1] !== 117 || b[p + 2] !== 108 || b[p + 3] !== 108 || p + 4 > this.end) return false;
        this.pos = p + 4;
        return true;
      default: {
        const e = skipJsonNumber(b, p, this.end);
        if (e < 0) return false;
        this.pos = e;
        return true;
      }
    }
  }

  /** Skip a string at `this.pos` (a `"`), checking escapes and control characters as JSON.parse does. */
  private skipString(): boolean {
    const b = this.b;
    const end = this.end;
    let i = this.pos + 1;
    while (i < end) {
      const c = b[i];
      if (c === 34) {
        this.pos = i + 1;
        return true;
      }
      if (c < 32) return false;
      if (c === 92) {
        const e = b[i + 1];
        if (e === 117 /* u */) {
          if (i + 6 > end) return false;
          for (let k = i + 2; k < i + 6; k++) if (!isHex(b[k])) return false;
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return false;
        i += 2;
        continue;
      }
      i++;
    }
    return false;
  }
}

function sameBytes(key: Uint8Array, b: Uint8Array, at: number): boolean {
  for (let i = 0; i < key.length; i++) if (key[i] !== b[at + i]) return false;
  return true;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let wordsOf: BigInt64Array | null = null;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

/**
 * `arr[at] = BigInt(v)` for an integer `v`, without allocating a BigInt when |v| <= 2^53: the two
 * 32-bit halves of the two's complement are written through an Int32Array view of the same buffer.
 */
function writeI64(arr: BigInt64Array, at: number, v: number): void {
  if (v > 9007199254740992 || v < -9007199254740992) {
    arr[at] = BigInt(v);
    return;
  }
  if (wordsOf !== arr) {
    wordsOf = arr;
    words = new Int32Array(arr.buffer, arr.byteOffset, arr.length * 2);
  }
  const hi = Math.floor(v / 4294967296);
  const lo = v - hi * 4294967296; // in [0, 2^32)
  const k = at * 2;
  words[LITTLE_ENDIAN ? k : k + 1] = lo | 0;
  words[LITTLE_ENDIAN ? k + 1 : k] = hi;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
