/**
 * The outcome of computing one metric: a finite number, or "undefined" with the reason why.
 *
 * m4 never reports an undefined metric as NaN or as 0 (unless scikit-learn's convention says 0,
 * e.g. precision with no predicted positives): it carries the reason to the report and to gates.
 */

/** A metric value that does not exist for these rows, and why (one short sentence, no trailing dot). */
export interface Undefined {
  readonly reason: string;
}

/** A finite number, or {@link Undefined}. Invariant: a `number` outcome is always finite. */
export type Outcome = number | Undefined;

export function undef(reason: string): Undefined {
  return { reason };
}

export function isDefined(x: Outcome): x is number {
  return typeof x === 'number';
}

/** The reason of an undefined outcome, or `null` for a number. */
export function reasonOf(x: Outcome): string | null {
  return typeof x === 'number' ? null : x.reason;
}

/** Guard the finite-number invariant: a non-finite number becomes undefined with `what` in the reason. */
export function finite(x: number, what: string): Outcome {
  return Number.isFinite(x) ? x : undef(`${what} is not finite (${String(x)})`);
}

/**
 * `num / den`, or `zero` when `den` is 0 — scikit-learn's `zero_division=0` convention for
 * precision, recall and F1 (pass `undef(...)` as `zero` where the reference leaves it undefined).
 */
export function divide(num: number, den: number, zero: Outcome): Outcome {
  return den === 0 ? zero : num / den;
}

/** treatment − control, undefined when either side is. */
export function deltaOf(control: Outcome, treatment: Outcome): Outcome {
  if (typeof control !== 'number') return undef(`control undefined: ${control.reason}`);
  if (typeof treatment !== 'number') return undef(`treatment undefined: ${treatment.reason}`);
  return finite(treatment - control, 'delta');
}

/** treatment / control, undefined when either side is or when control is 0. */
export function ratioOf(control: Outcome, treatment: Outcome): Outcome {
  if (typeof control !== 'number') return undef(`control undefined: ${control.reason}`);
  if (typeof treatment !== 'number') return undef(`treatment undefined: ${treatment.reason}`);
  if (control === 0) return undef('control is 0: the ratio is undefined');
  return finite(treatment / control, 'ratio');
}
