/**
 * Accumulator state ↔ plain JSON.
 *
 * Typed arrays travel as base64 of their little-endian bytes (every platform Node runs on is
 * little-endian; the decoder checks the byte length). Encoding is lossless: a state restored from
 * JSON merges and reports bit-for-bit like the original.
 */
import { EXIT, M4Error } from '../../plan/errors.ts';

/** A serialized typed array: element type and base64 of its bytes. */
export interface EncodedArray {
  type: 'f64' | 'f32' | 'u32' | 'u8';
  length: number;
  base64: string;
}

/** A malformed or incompatible accumulator state (a state file from another m4 or edited by hand): exit 2. */
export class MetricsStateError extends M4Error {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

type Encodable = Float64Array | Float32Array | Uint32Array | Uint8Array;

export function encodeArray(a: Encodable): EncodedArray {
  const type = a instanceof Float64Array ? 'f64' : a instanceof Float32Array ? 'f32' : a instanceof Uint32Array ? 'u32' : 'u8';
  return { type, length: a.length, base64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
}

function decodeBytes(e: EncodedArray, type: EncodedArray['type'], bytesPer: number): ArrayBuffer {
  if (e === null || typeof e !== 'object' || e.type !== type || typeof e.base64 !== 'string' || !Number.isInteger(e.length)) {
    throw new MetricsStateError(`expected an encoded ${type} array`);
  }
  const buf = Buffer.from(e.base64, 'base64');
  if (buf.byteLength !== e.length * bytesPer) {
    throw new MetricsStateError(`encoded ${type} array: ${buf.byteLength} bytes for ${e.length} elements`);
  }
  // Copy into a fresh, aligned ArrayBuffer: Buffer pools are not 8-byte aligned.
  const out = new ArrayBuffer(buf.byteLength);
  new Uint8Array(out).set(buf);
  return out;
}

export function decodeF64(e: EncodedArray): Float64Array {
  return new Float64Array(decodeBytes(e, 'f64', 8));
}
export function decodeF32(e: EncodedArray): Float32Array {
  return new Float32Array(decodeBytes(e, 'f32', 4));
}
export function decodeU32(e: EncodedArray): Uint32Array {
  return new Uint32Array(decodeBytes(e, 'u32', 4));
}
export function decodeU8(e: EncodedArray): Uint8Array {
  return new Uint8Array(decodeBytes(e, 'u8', 1));
}

/** Decode and check the length is what the layout expects. */
export function decodeF64Length(e: EncodedArray, length: number, what: string): Float64Array {
  const a = decodeF64(e);
  if (a.length !== length) throw new MetricsStateError(`${what}: expected ${length} values, got ${a.length}`);
  return a;
}
