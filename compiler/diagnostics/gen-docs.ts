/**
 * Writes docs/diagnostics.md from the catalogue: `npx tsx compiler/diagnostics/gen-docs.ts`.
 * A test checks the committed file is current.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE, type DiagnosticCode } from './catalogue.ts';

const RANGES: [string, string][] = [
  ['M0', 'Syntax'],
  ['M1', 'Names'],
  ['M2', 'Models (ONNX)'],
  ['M3', 'Types and shapes'],
  ['M4', 'Op parameters'],
  ['M5', 'Graph'],
  ['M6', 'Comparisons'],
  ['M7', 'Internal'],
  ['M8', 'Import (`m4c import`)'],
];

export function diagnosticsDoc(): string {
  const lines = [
    '# Diagnostics',
    '',
    'Every problem `m4c check` (and the language server) reports has a stable code. Codes never change',
    'meaning. The golden cases in `test/compiler/cases/` show each one as it is rendered.',
    '',
    'Generated from `compiler/diagnostics/catalogue.ts` by `npx tsx compiler/diagnostics/gen-docs.ts`.',
    '',
  ];
  for (const [prefix, title] of RANGES) {
    lines.push(`## ${prefix}xxx — ${title}`, '', '| code | severity | what | default help |', '|---|---|---|---|');
    for (const code of Object.keys(CATALOGUE) as DiagnosticCode[]) {
      if (!code.startsWith(prefix)) continue;
      const e = CATALOGUE[code];
      lines.push(`| ${code} | ${e.severity} | ${e.title} | ${(e as { help?: string }).help?.replace(/\|/g, '\\|') ?? ''} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(join(import.meta.dirname, '../../docs/diagnostics.md'), diagnosticsDoc());
}
