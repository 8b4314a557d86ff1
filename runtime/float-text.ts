/**
 * The text `--out` (and the serve API) gives a float32: `String(+v.toPrecision(9))` — nine significant
 * digits, correctly rounded from the exact value, trailing zeros dropped, in JavaScript's number
 * notation (`0.100000001`, `0.25`, `1e-7`, `3.40282347e+38`). Nine digits always read back as the same
 * float32. Writing a million rows' scores through `toPrecision` costs more than the models that made
 * them (a string per call, parsed back, printed again), so this module computes the same digits with
 * one floating-point product and writes the bytes straight into a buffer; the rare value whose product
 * lands within rounding error of a tie (…5 exactly at the tenth digit) is handed to `toPrecision`
 * itself. The output is byte-identical to the old formula for every float32 (test/runtime/float-text).
 */

/** 10^k for k in -60..60, each the double nearest the exact power (what the literal `1e${k}` parses to). */
const POW10: Float64Array = Float64Array.from({ length: 121 }, (_, i) => Number(`1e${i - 60}`));

/** Digits of the current value, most significant first (reused: formatting is single-threaded and synchronous). */
const digits = new Uint8Array(9);

/** The digits of 0..99 in pairs: PAIRS[2i], PAIRS[2i + 1]. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, k) => (k % 2 === 0 ? Math.floor(k / 20) : (k >> 1) % 10));

/** A double's bits: its binary exponent is a shift and a mask away (cheaper than Math.log10 per value). */
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Index of the word holding the sign and exponent (the high word: 1 on little-endian machines). */
const HIGH = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

const ZERO = 0x30;
const DOT = 0x2e;
const MINUS = 0x2d;
const PLUS = 0x2b;
const E = 0x65;

/**
 * The nine significant digits of `a` (finite, > 0) rounded half-up, into {@link digits}; returns the
 * decimal exponent of the first digit (a ≈ d.dddddddd × 10^e), or NaN when the fast product cannot
 * decide the rounding (the caller then asks `toPrecision`).
 */
function nineDigits(a: number): number {
  // a is in [2^b, 2^(b+1)), so floor(log10 a) is floor(b·log10 2) or one more: the loop settles e so that x is
  // in [1e8, 1e9). (a is a float32 value: a normal double, whose exponent field is b + 1023.)
  bits[0] = a;
  let e = Math.floor((((words[HIGH]! >>> 20) & 0x7ff) - 1023) * 0.30102999566398114);
  let x = 0;
  for (let tries = 0; tries < 3; tries++) {
    const p = 8 - e;
    // One correctly rounded operation on a correctly rounded power: relative error ≤ 2^-52, so
    // |x − exact| < 1e9 × 2.3e-16 < 3e-7 (for p ≤ 22 the power is exact).
    x = p >= 0 ? a * POW10[p + 60] : a / POW10[60 - p];
    if (x >= 1e9) e++;
    else if (x < 1e8) e--;
    else break;
  }
  if (!(x >= 1e8 && x < 1e9)) return NaN;
  const fl = Math.floor(x);
  const frac = x - fl;
  // Within error of a tie, only exact arithmetic knows which way it goes.
  if (Math.abs(frac - 0.5) < 1e-6) return NaN;
  let d = frac > 0.5 ? fl + 1 : fl;
  if (d === 1e9) {
    // 999999999.6 rounds up to the next power of ten.
    d = 1e8;
    e++;
  }
  // d < 2^31: integer division in int32; the last digit, then four pairs.
  d |= 0;
  let q = (d / 10) | 0;
  digits[8] = d - q * 10;
  d = q;
  for (let i = 7; i > 0; i -= 2) {
    q = (d / 100) | 0;
    const r = (d - q * 100) << 1;
    digits[i] = PAIRS[r + 1]!;
    digits[i - 1] = PAIRS[r]!;
    d = q;
  }
  return e;
}

/** `toPrecision(9)`'s digits into {@link digits}; returns the exponent (the slow, exact path). */
function slowDigits(a: number): number {
  const text = a.toPrecision(9);
  const at = text.indexOf('e');
  const fixed = at < 0 ? text : text.slice(0, at);
  const point = fixed.indexOf('.');
  const int = point < 0 ? fixed : fixed.slice(0, point);
  const all = int + (point < 0 ? '' : fixed.slice(point + 1));
  const lead = all.length - all.replace(/^0+/, '').length;
  for (let i = 0; i < 9; i++) digits[i] = all.charCodeAt(lead + i) - ZERO;
  // d.dddddddde±x, or fixed: ddd.dddddd (exponent = integer digits − 1), 0.000ddddddddd (−1 − zeros after the point).
  return at >= 0 ? Number(text.slice(at + 1)) : int === '0' ? -lead : int.length - 1;
}

/** The longest text of a float32: `-123456789000000000000` (22 bytes; a point and an exponent are shorter). */
export const F32_TEXT_MAX = 22;

/**
 * Write the text of the float32 `v` (finite) at `pos` of `out`; returns the position after it.
 * `out` must have ≥ {@link F32_TEXT_MAX} bytes free.
 */
export function writeF32(out: Uint8Array, pos: number, v: number): number {
  if (v === 0) {
    // toPrecision drops the sign of -0.
    out[pos] = ZERO;
    return pos + 1;
  }
  if (v < 0) {
    out[pos++] = MINUS;
    v = -v;
  }
  let e = nineDigits(v);
  if (e !== e) e = slowDigits(v);
  let k = 9;
  while (digits[k - 1] === 0) k--;
  // JavaScript's Number::toString with k significant digits and the point after digit n = e + 1.
  const n = e + 1;
  if (k <= n && n <= 21) {
    for (let i = 0; i < k; i++) out[pos++] = ZERO + digits[i];
    for (let i = k; i < n; i++) out[pos++] = ZERO;
  } else if (0 < n && n <= 21) {
    for (let i = 0; i < n; i++) out[pos++] = ZERO + digits[i];
    out[pos++] = DOT;
    for (let i = n; i < k; i++) out[pos++] = ZERO + digits[i];
  } else if (-6 < n && n <= 0) {
    out[pos++] = ZERO;
    out[pos++] = DOT;
    for (let i = n; i < 0; i++) out[pos++] = ZERO;
    for (let i = 0; i < k; i++) out[pos++] = ZERO + digits[i];
  } else {
    out[pos++] = ZERO + digits[0];
    if (k > 1) {
      out[pos++] = DOT;
      for (let i = 1; i < k; i++) out[pos++] = ZERO + digits[i];
    }
    out[pos++] = E;
    let x = n - 1;
    if (x < 0) {
      out[pos++] = MINUS;
      x = -x;
    } else out[pos++] = PLUS;
    if (x >= 10) out[pos++] = ZERO + Math.floor(x / 10);
    out[pos++] = ZERO + (x % 10);
  }
  return pos;
}

const scratch = new Uint8Array(32);

/** The text of the float32 `v` (finite) as a string: the same as {@link writeF32}. */
export function f32Text(v: number): string {
  const end = writeF32(scratch, 0, v);
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(scratch[i]);
  return s;
}
