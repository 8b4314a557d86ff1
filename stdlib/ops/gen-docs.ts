/**
 * Regenerates docs/ops.md from the op specs: `npx tsx stdlib/ops/gen-docs.ts`.
 * test/stdlib/ops/ops-doc.test.ts fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPS, opNames } from './index.ts';
import { renderOpsDoc } from './ops-doc.ts';

const target = fileURLToPath(new URL('../../docs/ops.md', import.meta.url));
writeFileSync(target, renderOpsDoc(opNames().map((n) => OPS.get(n)!)));
console.log(`wrote ${target}`);
