/**
 * Release gates: boolean conditions on a comparison's metrics that decide whether a candidate may ship.
 *
 * - point gate (`recall.delta >= -0.01`): the point estimate must satisfy the bound;
 * - confidence gate (`... at 95%`): the whole interval at the gate's level must satisfy it — for
 *   `>=`/`>` its lower end, for `<=`/`<` its upper end (a non-inferiority test). The interval is
 *   the bootstrap percentile interval at the gate's own level (computed from the stored bootstrap
 *   distribution, not the report's level); with the bootstrap off, binary AUROC falls back to
 *   DeLong's normal interval, and any other metric fails for want of an interval;
 * - a gate on an undefined value, an unknown metric, a field the metric does not have, or a matrix
 *   fails, and says why. A gate never passes by default.
 */
import type { GateComparator, PlanGate } from '../../plan/plan-types.ts';
import type { GateVerdict, ComparisonResult, MetricField, MetricInterval, MetricResult } from '../../plan/result-types.ts';
import { formatLevel, percentileInterval } from './bootstrap-interval.ts';
import { normalInterval } from './delong.ts';

function holds(x: number, op: GateComparator, bound: number): boolean {
  switch (op) {
    case '>=':
      return x >= bound;
    case '>':
      return x > bound;
    case '<=':
      return x <= bound;
    case '<':
      return x < bound;
  }
}

const NEGATE: Record<GateComparator, string> = { '>=': '<', '>': '<=', '<=': '>', '<': '>=' };

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

function fieldValue(m: MetricResult, field: MetricField): { value: number | null; reason: string | undefined } | string {
  if (m.shape === 'matrix') return `\`${m.name}\` is a matrix: it cannot be gated`;
  if (m.kind === 'pair') {
    if (field !== 'value') return `\`${m.name}\` compares the two models and has a single value, not .${field}`;
    return { value: m.value, reason: m.reasons.value };
  }
  if (field === 'value') return `\`${m.name}\` is computed per model: gate on .control, .treatment, .delta or .ratio`;
  return { value: m[field], reason: m.reasons[field] };
}

/** The interval of `field` at `level`, from the bootstrap distribution or, for binary AUROC, DeLong. */
function intervalAt(result: ComparisonResult, m: MetricResult, field: MetricField, level: number): MetricInterval {
  if (m.shape === 'scalar') {
    const dist = (m.bootstrap as Partial<Record<MetricField, { values: number[]; undefined: number }>>)[field];
    if (dist !== undefined) return percentileInterval(dist, level);
    const d = result.tests.delong;
    if (m.name === 'auroc' && m.kind === 'model' && d !== null && field !== 'ratio' && field !== 'value') {
      const center = m[field];
      const se = field === 'control' ? d.se_control : field === 'treatment' ? d.se_treatment : d.se;
      if (center !== null) return { ...normalInterval(center, se, level), level, method: 'delong', reason: null };
    }
  }
  return {
    low: null,
    high: null,
    level,
    method: 'bootstrap',
    reason: result.bootstrap.resamples === 0 ? 'the bootstrap is disabled (bootstrap: 0), so there is no interval' : 'no interval for this field',
  };
}

function evaluateGate(result: ComparisonResult, g: PlanGate): GateVerdict {
  const v: GateVerdict = {
    gate: g.text,
    metric: g.metric,
    field: g.field,
    op: g.op,
    bound: g.bound,
    confidence: g.confidence,
    passed: false,
    value: null,
    interval: null,
    reason: '',
  };
  const m = result.metrics.find((x) => x.name === g.metric);
  if (m === undefined) {
    v.reason = `\`${g.metric}\` was not computed by this comparison`;
    return v;
  }
  const fv = fieldValue(m, g.field);
  if (typeof fv === 'string') {
    v.reason = fv;
    return v;
  }
  v.value = fv.value;
  const what = m.kind === 'pair' ? g.metric : `${g.metric}.${g.field}`;
  if (fv.value === null) {
    v.reason = `${what} is undefined: ${fv.reason ?? 'no value'}`;
    return v;
  }
  if (g.confidence === null) {
    v.passed = holds(fv.value, g.op, g.bound);
    v.reason = v.passed ? `${what} = ${fmt(fv.value)} ${g.op} ${fmt(g.bound)}` : `${what} = ${fmt(fv.value)} ${NEGATE[g.op]} ${fmt(g.bound)}`;
    return v;
  }
  const iv = intervalAt(result, m, g.field, g.confidence);
  v.interval = iv;
  const lvl = formatLevel(g.confidence);
  if (iv.low === null || iv.high === null) {
    v.reason = `no ${lvl} interval for ${what}: ${iv.reason ?? 'unavailable'}`;
    return v;
  }
  const lower = g.op === '>=' || g.op === '>';
  const end = lower ? iv.low : iv.high;
  v.passed = holds(end, g.op, g.bound);
  const range = `[${fmt(iv.low)}, ${fmt(iv.high)}]`;
  v.reason = v.passed
    ? `the ${lvl} interval of ${what}, ${range}, lies entirely ${g.op} ${fmt(g.bound)}`
    : `the ${lvl} interval of ${what}, ${range}, has its ${lower ? 'lower' : 'upper'} end ${fmt(end)} ${NEGATE[g.op]} ${fmt(g.bound)}`;
  return v;
}

/** Judge every gate against a result, in order. A verdict never throws: problems become failing verdicts. */
export function evaluateGates(result: ComparisonResult, gates: readonly PlanGate[]): GateVerdict[] {
  return gates.map((g) => evaluateGate(result, g));
}

/** True when every gate passed (an empty gate list passes). */
export function allGatesPassed(verdicts: readonly GateVerdict[]): boolean {
  return verdicts.every((v) => v.passed);
}
