/**
 * Diagnostics for machines: `m4c check --format json`. The format is versioned; fields are only ever
 * added within a version.
 */
import type { Diagnostic } from './diagnostic.ts';

export const DIAGNOSTICS_FORMAT_VERSION = 1;

export interface JsonReport {
  format_version: typeof DIAGNOSTICS_FORMAT_VERSION;
  files: { file: string; errors: number; warnings: number }[];
  diagnostics: Diagnostic[];
}

export function renderJson(files: string[], ds: readonly Diagnostic[]): string {
  const report: JsonReport = {
    format_version: DIAGNOSTICS_FORMAT_VERSION,
    files: files.map((file) => ({
      file,
      errors: ds.filter((d) => d.span.file === file && d.severity === 'error').length,
      warnings: ds.filter((d) => d.span.file === file && d.severity === 'warning').length,
    })),
    diagnostics: [...ds],
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
