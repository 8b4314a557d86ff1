/**
 * Structural comparison of two JSON values: integers must be equal, other numbers equal within a
 * relative tolerance, everything else identical. Returns the first differences found (empty: equal).
 */
export function deepDiff(a: unknown, b: unknown, rel: number, path = '$', out: string[] = [], max = 10): string[] {
  if (out.length >= max) return out;
  if (typeof a === 'number' && typeof b === 'number') {
    const ok = Number.isInteger(a) && Number.isInteger(b) ? a === b : a === b || Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
    if (!ok) out.push(`${path}: ${a} vs ${b}`);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: length ${a.length} vs ${b.length}`);
    else a.forEach((x, i) => deepDiff(x, b[i], rel, `${path}[${i}]`, out, max));
    return out;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort(),
      kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) {
      out.push(`${path}: keys ${ka.join(',')} vs ${kb.join(',')}`);
      return out;
    }
    for (const k of ka) deepDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], rel, `${path}.${k}`, out, max);
    return out;
  }
  if (a !== b) out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return out;
}

/** The largest magnitude of any number inside a JSON value (0 when none). */
function maxAbs(v: unknown): number {
  if (typeof v === 'number') return Math.abs(v);
  if (Array.isArray(v)) return v.reduce((m: number, x) => Math.max(m, maxAbs(x)), 0);
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((m: number, x) => Math.max(m, maxAbs(x)), 0);
  return 0;
}

/**
 * Like {@link deepDiff} for a whole comparison result, except that a `delta` (treatment − control)
 * is compared with an absolute tolerance of `rel` × the magnitude of the two sides it subtracts:
 * a difference of two sums that each agree to `rel` can only be trusted to that much, however small
 * the difference itself is.
 */
export function resultDiff(a: unknown, b: unknown, rel: number): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string, deltaScale: number | null): void => {
    if (out.length >= 10) return;
    if (typeof x === 'number' && typeof y === 'number' && deltaScale !== null && !(Number.isInteger(x) && Number.isInteger(y))) {
      if (Math.abs(x - y) > rel * deltaScale) out.push(`${path}: ${x} vs ${y} (delta scale ${deltaScale})`);
      return;
    }
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
      const ox = x as Record<string, unknown>,
        oy = y as Record<string, unknown>;
      const kx = Object.keys(ox).sort(),
        ky = Object.keys(oy).sort();
      if (kx.join() !== ky.join()) {
        out.push(`${path}: keys ${kx} vs ${ky}`);
        return;
      }
      // A metric-like object (it has control and treatment): its deltas scale with both sides.
      let scale = deltaScale;
      if ('control' in ox && 'treatment' in ox)
        scale = Math.max(
          maxAbs(ox.control),
          maxAbs(ox.treatment),
          maxAbs((ox.bootstrap as Record<string, unknown> | undefined)?.control),
          maxAbs((ox.bootstrap as Record<string, unknown> | undefined)?.treatment),
        );
      for (const k of kx) walk(ox[k], oy[k], `${path}.${k}`, k === 'delta' ? scale : deltaScale === null ? null : deltaScale);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) {
        out.push(`${path}: length ${x.length} vs ${y.length}`);
        return;
      }
      x.forEach((v, i) => walk(v, y[i], `${path}[${i}]`, deltaScale));
      return;
    }
    out.push(...deepDiff(x, y, rel, path, [], 10 - out.length));
  };
  walk(a, b, '$', null);
  return out;
}
