/**
 * A skim of the ONNX protobuf wire format: decodes only the messages and fields on the path to a
 * model's signature (ir_version, producer, opset imports, and the graph's inputs, outputs and
 * initializer names), skipping node lists and weight data without decoding them.
 *
 * Field numbers are those of onnx.proto (IR version 3 and later); ONNX has only ever added fields,
 * so unknown ones are skipped, while known ones must have their declared wire type (random bytes
 * rarely do, which is how "not ONNX" is told apart from "an ONNX file from a newer exporter").
 * Failures throw {@link WireError}; `onnx-signature.ts` turns them into results.
 */
import type { Dim } from '../plan/tensor-type.ts';

/** A value's type, as much of it as messages need. */
export type RawType =
  | { kind: 'tensor'; elemType: number; dims: Dim[] | null }
  | { kind: 'sparse'; elemType: number }
  | { kind: 'seq' | 'optional'; elem: RawType | null }
  | { kind: 'map'; keyElemType: number; value: RawType | null }
  | { kind: 'other' };

/** A graph input or output: its name and type (null when the file declares none). */
export interface RawValueInfo {
  name: string;
  type: RawType | null;
}
/** The parts of a GraphProto a signature needs, in file order. */
export interface RawGraph {
  inputs: RawValueInfo[];
  outputs: RawValueInfo[];
  initializerNames: string[];
}
/** The parts of a ModelProto a signature needs; `hasIrVersion` tells a missing field from 0. */
export interface RawModel {
  hasIrVersion: boolean;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  graph: RawGraph | null;
}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** A decoding failure; `truncated` when the bytes ended before a field did. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly truncated: boolean,
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder('utf-8');

/** A cursor over `buf[pos, end)`: one protobuf message. */
class Wire {
  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {}

  more(): boolean {
    return this.pos < this.end;
  }

  /** Read a tag; returns [field, wireType]. */
  tag(): [number, number] {
    const at = this.pos;
    const t = this.varint();
    if (t < 8 || t > 0xffffffff) throw new WireError(`invalid tag ${t}`, at, false);
    const field = Math.floor(t / 8);
    const wire = t % 8;
    if (wire !== VARINT && wire !== I64 && wire !== LEN && wire !== I32) {
      throw new WireError(`unsupported wire type ${wire}`, at, false);
    }
    return [field, wire];
  }

  /** A varint as a JS number: exact below 2^53, signed for 10-byte (negative int64) encodings. */
  varint(): number {
    const at = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('varint runs past the end', at, true);
      const b = this.buf[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return (hi | 0) * 4294967296 + (lo >>> 0);
    }
    throw new WireError('varint longer than 10 bytes', at, false);
  }

  /** A length-delimited field: returns a cursor over its bytes and moves past it. */
  sub(): Wire {
    const at = this.pos;
    const len = this.varint();
    if (len < 0) throw new WireError('negative length', at, false);
    if (this.pos + len > this.end) throw new WireError('length runs past the end', at, true);
    const w = new Wire(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return w;
  }

  string(): string {
    const w = this.sub();
    return utf8.decode(this.buf.subarray(w.pos, w.end));
  }

  skip(wire: number): void {
    const at = this.pos;
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case LEN:
        this.sub();
        return;
      case I64:
        this.pos += 8;
        break;
      case I32:
        this.pos += 4;
        break;
    }
    if (this.pos > this.end) throw new WireError('fixed-width field runs past the end', at, true);
  }

  /** Fail unless a known field has the wire type onnx.proto gives it (random bytes rarely do). */
  expect(field: number, wire: number, want: number, message: string): void {
    if (wire !== want) throw new WireError(`field ${field} of ${message} has wire type ${wire}, expected ${want}`, this.pos, false);
  }
}

/** Decode the parts of a ModelProto a signature needs. Throws {@link WireError} on malformed bytes. */
export function readModel(buf: Uint8Array): RawModel {
  const w = new Wire(buf, 0, buf.length);
  const m: RawModel = { hasIrVersion: false, irVersion: 0, producerName: '', producerVersion: '', opsets: [], graph: null };
  while (w.more()) {
    const [field, wire] = w.tag();
    switch (field) {
      case 1:
        w.expect(field, wire, VARINT, 'ModelProto');
        m.irVersion = w.varint();
        m.hasIrVersion = true;
        break;
      case 2:
        w.expect(field, wire, LEN, 'ModelProto');
        m.producerName = w.string();
        break;
      case 3:
        w.expect(field, wire, LEN, 'ModelProto');
        m.producerVersion = w.string();
        break;
      case 7:
        w.expect(field, wire, LEN, 'ModelProto');
        m.graph = readGraph(w.sub());
        break;
      case 8:
        w.expect(field, wire, LEN, 'ModelProto');
        m.opsets.push(readOpset(w.sub()));
        break;
      case 4:
      case 6:
      case 14:
      case 20:
      case 25:
        w.expect(field, wire, LEN, 'ModelProto');
        w.skip(wire);
        break;
      case 5:
        w.expect(field, wire, VARINT, 'ModelProto');
        w.skip(wire);
        break;
      default:
        w.skip(wire);
    }
  }
  return m;
}

function readOpset(w: Wire): { domain: string; version: number } {
  const o = { domain: '', version: 0 };
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 1 && wire === LEN) o.domain = w.string();
    else if (field === 2 && wire === VARINT) o.version = w.varint();
    else w.skip(wire);
  }
  return o;
}

function readGraph(w: Wire): RawGraph {
  const g: RawGraph = { inputs: [], outputs: [], initializerNames: [] };
  while (w.more()) {
    const [field, wire] = w.tag();
    switch (field) {
      case 5:
        w.expect(field, wire, LEN, 'GraphProto');
        g.initializerNames.push(readTensorName(w.sub()));
        break;
      case 15:
        w.expect(field, wire, LEN, 'GraphProto');
        g.initializerNames.push(readSparseTensorName(w.sub()));
        break;
      case 11:
        w.expect(field, wire, LEN, 'GraphProto');
        g.inputs.push(readValueInfo(w.sub()));
        break;
      case 12:
        w.expect(field, wire, LEN, 'GraphProto');
        g.outputs.push(readValueInfo(w.sub()));
        break;
      case 1:
      case 2:
      case 10:
      case 13:
      case 14:
        w.expect(field, wire, LEN, 'GraphProto');
        w.skip(wire);
        break;
      default:
        w.skip(wire);
    }
  }
  return g;
}

/** TensorProto.name is field 8; the (possibly huge) data fields are skipped, never decoded. */
function readTensorName(w: Wire): string {
  let name = '';
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 8 && wire === LEN) name = w.string();
    else w.skip(wire);
  }
  return name;
}

/** A sparse initializer is named by its `values` tensor (field 1). */
function readSparseTensorName(w: Wire): string {
  let name = '';
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 1 && wire === LEN) name = readTensorName(w.sub());
    else w.skip(wire);
  }
  return name;
}

function readValueInfo(w: Wire): RawValueInfo {
  const vi: RawValueInfo = { name: '', type: null };
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 1 && wire === LEN) vi.name = w.string();
    else if (field === 2 && wire === LEN) vi.type = readType(w.sub());
    else w.skip(wire);
  }
  return vi;
}

function readType(w: Wire): RawType {
  let t: RawType = { kind: 'other' };
  while (w.more()) {
    const [field, wire] = w.tag();
    if (wire !== LEN) {
      w.skip(wire);
      continue;
    }
    switch (field) {
      case 1:
        t = readTensorType(w.sub());
        break;
      case 4:
        t = { kind: 'seq', elem: readElemType(w.sub()) };
        break;
      case 5:
        t = readMapType(w.sub());
        break;
      case 8:
        t = { kind: 'sparse', elemType: readTensorType(w.sub()).elemType };
        break;
      case 9:
        t = { kind: 'optional', elem: readElemType(w.sub()) };
        break;
      default:
        w.skip(wire); // denotation (6), opaque (7), future kinds
    }
  }
  return t;
}

/** Sequence and Optional hold their element's TypeProto in field 1. */
function readElemType(w: Wire): RawType | null {
  let elem: RawType | null = null;
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 1 && wire === LEN) elem = readType(w.sub());
    else w.skip(wire);
  }
  return elem;
}

function readMapType(w: Wire): RawType {
  const t = { kind: 'map' as const, keyElemType: 0, value: null as RawType | null };
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 1 && wire === VARINT) t.keyElemType = w.varint();
    else if (field === 2 && wire === LEN) t.value = readType(w.sub());
    else w.skip(wire);
  }
  return t;
}

/** TypeProto.Tensor: elem_type (1), shape (2). No shape field at all means unknown rank. */
function readTensorType(w: Wire): { kind: 'tensor'; elemType: number; dims: Dim[] | null } {
  const t = { kind: 'tensor' as const, elemType: 0, dims: null as Dim[] | null };
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 1 && wire === VARINT) t.elemType = w.varint();
    else if (field === 2 && wire === LEN) t.dims = readShape(w.sub());
    else w.skip(wire);
  }
  return t;
}

function readShape(w: Wire): Dim[] {
  const dims: Dim[] = [];
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 1 && wire === LEN) dims.push(readDim(w.sub()));
    else w.skip(wire);
  }
  return dims;
}

/** dim_value → number; dim_param → its name; neither (or a negative "unknown" value) → null. */
function readDim(w: Wire): Dim {
  let d: Dim = null;
  while (w.more()) {
    const [field, wire] = w.tag();
    if (field === 1 && wire === VARINT) {
      const v = w.varint();
      d = v >= 0 ? v : null;
    } else if (field === 2 && wire === LEN) {
      const p = w.string();
      d = p === '' ? null : p;
    } else w.skip(wire);
  }
  return d;
}
