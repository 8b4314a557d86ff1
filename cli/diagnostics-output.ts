/**
 * How the CLI shows diagnostics: human text on a terminal (colour unless NO_COLOR or not a TTY), or the
 * versioned JSON format. Both renderers live in the compiler; this only picks one.
 */
import { renderHuman } from '../compiler/diagnostics/render-human.ts';
import { renderJson } from '../compiler/diagnostics/render-json.ts';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function printDiagnostics(ds: readonly Diagnostic[], sources: ReadonlyMap<string, string>, stream: NodeJS.WriteStream = process.stderr): void {
  if (ds.length === 0) return;
  stream.write(renderHuman(ds, { color: useColor(stream), sources }));
}

export function summaryLine(ds: readonly Diagnostic[]): string {
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.filter((d) => d.severity === 'warning').length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

export { renderJson };
