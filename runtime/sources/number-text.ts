/**
 * Decimal number text (as bytes) → double, without building a string in the common cases.
 *
 * Contract (tested by property tests): for every text the scanners accept, `NUM.value` equals
 * `Number(text)` exactly when `f32` is false, and `Math.fround(NUM.value) === Math.fround(Number(text))`
 * when it is true. Three paths, cheapest first:
 *  1. Clinger's fast path: the digits form an integer m < 2^53 and the decimal exponent e is in
 *     [-22, 22]. m and 10^|e| are exact doubles, so `m * 10^e` (or `m / 10^-e`) is ONE correctly
 *     rounded operation: the same double `Number` returns.
 *  2. (f32 only) Longer mantissas (up to 25 digits, typical of float32 values printed as doubles)
 *     or exponents down to -44: compute an approximation A with a relative error below ~50 double
 *     ulps. Rounding to float32 can only differ from rounding the exact double when a float32
 *     rounding midpoint lies between the two; midpoints are the doubles whose low 29 mantissa bits
 *     are exactly 0x10000000. If A is further than 256 ulps from one (and in the float32 normal
 *     range), fround(A) is the answer.
 *  3. Otherwise `Number()` of the text.
 *
 * Why bytes: indexing a Buffer is about twice as fast as `charCodeAt` on a string, and the JSONL
 * fast path then never decodes the file to a string at all.
 */

/** Exact powers of ten representable as doubles. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const TWO_53 = 9007199254740992;
const MAX_APPROX_DIGITS = 25;
const F32_MIN_NORMAL = 1.1754943508222875e-38; // 2^-126
const F32_SAFE_MAX = 1.7014118346046923e38; // 2^127: far below the float32 overflow threshold
const MIDPOINT = 0x10000000;
const MIDPOINT_MARGIN = 256;

const bits64 = new Float64Array(1);
const bits32 = new Uint32Array(bits64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW_WORD = LITTLE_ENDIAN ? 0 : 1;

/** The result of the last successful scan: the value and the index just past the number. */
export const NUM = { value: 0, end: 0 };

/**
 * Scan a JSON number (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`) starting at `b[pos]`. Returns false
 * when none starts there or it would run past `end` (NUM untouched). The number ends at the first
 * byte that cannot continue it; the caller checks what follows.
 *
 * The hot path of the whole reader: one load and one multiply-add per digit. The loops stop at the
 * first non-digit, which may lie at or past `end` (reading past the buffer gives undefined, which
 * stops them too); exactness is decided once at the end, because the mantissa only grows.
 */
export function scanJsonNumber(b: Uint8Array, pos: number, end: number, f32: boolean): boolean {
  let i = pos;
  let c = b[i];
  const neg = c === 45; /* - */
  if (neg) c = b[++i];
  const intStart = i;
  let m = 0;
  while (c >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    c = b[++i];
  }
  let digits = i - intStart;
  // At least one integer digit, and no leading zero ("01").
  if (digits === 0 || (digits > 1 && b[intStart] === 48)) return false;
  let e10 = 0;
  if (c === 46 /* . */) {
    const fracStart = ++i;
    c = b[i];
    while (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      c = b[++i];
    }
    e10 = fracStart - i;
    if (e10 === 0) return false;
    digits -= e10;
  }
  if (c === 101 /* e */ || c === 69 /* E */) return scanExponent(b, pos, i, end, m, e10, digits, neg, f32);
  if (i > end) return false;
  NUM.end = i;
  if (m < TWO_53 && e10 >= -22) {
    const v = e10 === 0 ? m : m / POW10[-e10];
    NUM.value = neg ? -v : v;
    return true;
  }
  settle(b, pos, i, m, e10, digits, neg, f32);
  return true;
}

/**
 * Scan a decimal number in the grammar `Number()` accepts for decimals: an optional sign, digits
 * with leading zeros, `1.` and `.5`, an exponent; no whitespace, hex, `Infinity` or `NaN`.
 */
export function scanDecimal(b: Uint8Array, pos: number, end: number, f32: boolean): boolean {
  let i = pos;
  let c = b[i];
  const neg = c === 45;
  if (neg || c === 43 /* + */) c = b[++i];
  const intStart = i;
  let m = 0;
  while (c >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    c = b[++i];
  }
  const intDigits = i - intStart;
  let digits = intDigits;
  let e10 = 0;
  if (c === 46) {
    const fracStart = ++i;
    c = b[i];
    while (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      c = b[++i];
    }
    e10 = fracStart - i;
    digits -= e10;
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69) return scanExponent(b, pos, i, end, m, e10, digits, neg, f32);
  if (i > end) return false;
  NUM.end = i;
  if (m < TWO_53 && e10 >= -22) {
    const v = e10 === 0 ? m : m / POW10[-e10];
    NUM.value = neg ? -v : v;
    return true;
  }
  settle(b, pos, i, m, e10, digits, neg, f32);
  return true;
}

/** The exponent part at `b[i]` (an `e`/`E`), then the value. */
function scanExponent(
  b: Uint8Array,
  pos: number,
  i: number,
  end: number,
  m: number,
  e10: number,
  digits: number,
  neg: boolean,
  f32: boolean,
): boolean {
  let c = b[++i];
  let eneg = false;
  if (c === 45 || c === 43) {
    eneg = c === 45;
    c = b[++i];
  }
  if (!(c >= 48 && c <= 57)) return false;
  let ev = 0;
  while (c >= 48 && c <= 57) {
    if (ev < 100000) ev = ev * 10 + (c - 48);
    c = b[++i];
  }
  if (i > end) return false;
  NUM.end = i;
  settle(b, pos, i, m, e10 + (eneg ? -ev : ev), digits, neg, f32);
  return true;
}

/** Set NUM.value for mantissa `m` × 10^`e10` (text `b[pos, end)`), by the cheapest exact path. */
function settle(b: Uint8Array, pos: number, end: number, m: number, e10: number, digits: number, neg: boolean, f32: boolean): void {
  let v: number;
  if (m === 0) {
    v = 0;
  } else if (m < TWO_53 && e10 >= -22 && e10 <= 22) {
    v = e10 < 0 ? m / POW10[-e10] : m * POW10[e10];
  } else if (f32 && digits <= MAX_APPROX_DIGITS && e10 >= -44 && e10 <= 22) {
    v = e10 < -22 ? m / 1e22 / POW10[-e10 - 22] : e10 < 0 ? m / POW10[-e10] : m * POW10[e10];
    if (!f32MidpointSafe(v)) v = numberOfBytes(b, pos, end);
    else if (neg) v = -v;
    NUM.value = v;
    return;
  } else {
    v = numberOfBytes(b, pos, end);
    NUM.value = v;
    return;
  }
  NUM.value = neg ? -v : v;
}

/** `Number()` of the ASCII text `b[start, end)` (sign included). */
function numberOfBytes(b: Uint8Array, start: number, end: number): number {
  return Number(String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]));
}

/** True when rounding `a` (positive, approximate) to float32 cannot differ from rounding the exact value. */
function f32MidpointSafe(a: number): boolean {
  if (a < F32_MIN_NORMAL || a >= F32_SAFE_MAX) return false;
  bits64[0] = a;
  const low29 = bits32[LOW_WORD] & 0x1fffffff;
  const d = low29 - MIDPOINT;
  return d > MIDPOINT_MARGIN || d < -MIDPOINT_MARGIN;
}

/**
 * Parse a whole CSV cell `b[start, end)` as a decimal number (surrounding spaces and tabs allowed).
 * Returns the value (see the module contract for `f32`), or NaN when the cell is not a decimal
 * number; callers tell NaN/Infinity spellings apart with `isNanSpelling`.
 */
export function parseDecimalCell(b: Uint8Array, start: number, end: number, f32: boolean): number {
  while (start < end && (b[start] === 32 || b[start] === 9)) start++;
  while (end > start && (b[end - 1] === 32 || b[end - 1] === 9)) end--;
  if (start === end) return NaN;
  if (!scanDecimal(b, start, end, f32) || NUM.end !== end) return NaN;
  return NUM.value;
}

const NAN_SPELLING = /^\s*[+-]?(nan|inf|infinity)\s*$|^\s*(null|na|n\/a)\s*$/i;

/** `NaN`, `nan`, `-inf`, `Infinity`, `null`, `NA`, `N/A`: text that means "no finite number". */
export function isNanSpelling(text: string): boolean {
  return NAN_SPELLING.test(text);
}

/**
 * Check the JSON number grammar at `b[pos]` without computing the value (for skipped fields).
 * Returns the index just past the number, or -1 when no JSON number starts at `pos`.
 */
export function skipJsonNumber(b: Uint8Array, pos: number, end: number): number {
  let i = pos;
  let c = b[i];
  if (c === 45) c = b[++i];
  if (c === 48) {
    c = b[++i];
  } else if (c >= 49 && c <= 57) {
    do c = b[++i];
    while (c >= 48 && c <= 57);
  } else {
    return -1;
  }
  if (c === 46) {
    c = b[++i];
    if (!(c >= 48 && c <= 57)) return -1;
    do c = b[++i];
    while (c >= 48 && c <= 57);
  }
  if (c === 101 || c === 69) {
    c = b[++i];
    if (c === 45 || c === 43) c = b[++i];
    if (!(c >= 48 && c <= 57)) return -1;
    do c = b[++i];
    while (c >= 48 && c <= 57);
  }
  return i > end ? -1 : i;
}
