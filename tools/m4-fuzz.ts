/**
 * Seeded mutation fuzzing of the `.m4` toolchain in process: mutants of real files (the examples and the
 * test cases) go through the checker, the lowering, the renderer and the formatter, and every broken
 * promise is counted by kind:
 *
 * - `uncaught`: something threw;
 * - `internal`: an M7001 (internal error) diagnostic;
 * - `location`: a diagnostic without a sane location (offsets, lines, columns);
 * - `schema`: a check-clean file whose lowered plan does not validate against the plan schema;
 * - `fmt`: the formatter is not idempotent (formatting its own output changes it or fails);
 * - `slow`: one mutant took longer than {@link FuzzOptions.slowMs} (a hang in the making).
 *
 * Used by test/tools/m4-fuzz.test.ts (a small count in CI) and bench/fuzz.ts (100,000 mutants).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../compiler/compile.ts';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { renderHuman } from '../compiler/diagnostics/render-human.ts';
import { formatSource } from '../compiler/format.ts';
import { m4Lexer } from '../grammar/tokens.ts';
import { planSchemaErrors } from '../plan/plan-schema.ts';
import { SeededRandom } from './seeded-random.ts';

/** A file to mutate, with the directory its model paths are relative to. */
export interface FuzzSeed {
  name: string;
  text: string;
  baseDir: string;
}

export type FuzzProblemKind = 'uncaught' | 'internal' | 'location' | 'schema' | 'fmt' | 'slow';

export interface FuzzProblem {
  kind: FuzzProblemKind;
  seed: string;
  /** The mutant, to reproduce with (a test case). */
  text: string;
  detail: string;
}

export interface FuzzOptions {
  seed: number;
  count: number;
  /** A mutant taking longer than this is a `slow` problem (default 5,000 ms). */
  slowMs?: number;
  /** Keep at most this many problems of each kind (the counts are always complete). */
  keep?: number;
}

export interface FuzzReport {
  mutants: number;
  /** Mutants that checked clean (no errors): their plans were validated. */
  clean: number;
  /** Mutants the formatter accepted: their output was formatted again. */
  formatted: number;
  counts: Record<FuzzProblemKind, number>;
  problems: FuzzProblem[];
  slowestMs: number;
}

/** Tokens worth inserting: the language's own, and the values that broke it before (issue 11). */
const HOSTILE = [
  'input',
  'model',
  'node',
  'output',
  'compare',
  'replay',
  'optional',
  'from',
  'gate',
  'at',
  'sink',
  'true',
  'false',
  '=',
  ':',
  ',',
  '.',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '?',
  '%',
  '>=',
  '<=',
  '>',
  '<',
  ';',
  '\n',
  '\r',
  '\r\n',
  ' ',
  '\t',
  '//c\n',
  '/*c*/',
  '/*',
  '"',
  '`',
  '`q q`',
  '`input`',
  '"s"',
  '@',
  '$',
  '\u0000',
  '\ufeff',
  'é',
  '0',
  '-1',
  '1.5',
  '1e400',
  '-1e400',
  '5e-324',
  '1e-400',
  '99.99999999999999999',
  '100',
  '1e308',
  '00',
  '.5',
  '-0',
  'f32',
  'f64',
  'i64',
  'bool',
  'str',
  'batch',
  '?',
  'onnx',
  'x',
  'y',
  'column',
  'colum',
  'sigmoid',
  'concat',
  'binary',
  'multiclass',
  'regression',
  'auroc',
  'agreement',
  'delta',
  'ratio',
  'control',
  'treatment',
];

/** One mutant of `text`: 1–4 token- or character-level edits, sometimes a line spliced in from `donor`. */
export function mutate(text: string, donor: string, rng: SeededRandom): string {
  let s = text;
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const toks = m4Lexer.tokenize(s).tokens;
    const pick = () => toks[rng.int(toks.length)]!;
    const kind = toks.length === 0 ? 5 : rng.int(10);
    switch (kind) {
      case 0: {
        // delete a token
        const t = pick();
        s = s.slice(0, t.startOffset) + s.slice((t.endOffset ?? t.startOffset) + 1);
        break;
      }
      case 1: {
        // duplicate a token
        const t = pick();
        s = s.slice(0, t.startOffset) + t.image + ' ' + s.slice(t.startOffset);
        break;
      }
      case 2: {
        // replace a token by a hostile one
        const t = pick();
        s = s.slice(0, t.startOffset) + HOSTILE[rng.int(HOSTILE.length)]! + s.slice((t.endOffset ?? t.startOffset) + 1);
        break;
      }
      case 3: {
        // replace a token by another token of the file
        const t = pick();
        s = s.slice(0, t.startOffset) + pick().image + s.slice((t.endOffset ?? t.startOffset) + 1);
        break;
      }
      case 4: {
        // repeat a token many times (nesting, long lists, long names)
        const t = pick();
        s = s.slice(0, t.startOffset) + t.image.repeat(2 + rng.int(300)) + s.slice(t.startOffset);
        break;
      }
      case 5: {
        // insert a hostile token anywhere
        const at = rng.int(s.length + 1);
        s = s.slice(0, at) + HOSTILE[rng.int(HOSTILE.length)]! + s.slice(at);
        break;
      }
      case 6: {
        // delete a character range
        const at = rng.int(s.length + 1);
        s = s.slice(0, at) + s.slice(at + 1 + rng.int(30));
        break;
      }
      case 7: {
        // splice a line of another file
        const lines = donor.split('\n');
        const own = s.split('\n');
        own.splice(rng.int(own.length + 1), 0, lines[rng.int(lines.length)]!);
        s = own.join('\n');
        break;
      }
      case 8: {
        // truncate
        s = s.slice(0, rng.int(s.length + 1));
        break;
      }
      default: {
        // swap two tokens
        const a = pick();
        const b = pick();
        if (a.startOffset === b.startOffset) break;
        const [x, y] = a.startOffset < b.startOffset ? [a, b] : [b, a];
        const xe = (x.endOffset ?? x.startOffset) + 1;
        const ye = (y.endOffset ?? y.startOffset) + 1;
        if (xe > y.startOffset) break;
        s = s.slice(0, x.startOffset) + y.image + s.slice(xe, y.startOffset) + x.image + s.slice(ye);
      }
    }
  }
  return s;
}

/** The broken promises of one mutant (empty when it is handled well). */
export function checkMutant(text: string, seed: FuzzSeed): { problems: Omit<FuzzProblem, 'seed' | 'text'>[]; clean: boolean; formatted: boolean } {
  const problems: Omit<FuzzProblem, 'seed' | 'text'>[] = [];
  let clean = false;
  let formatted = false;
  try {
    const file = `${seed.baseDir}/${seed.name}`;
    const c = compileSource(text, file, { baseDir: seed.baseDir });
    for (const d of c.diagnostics) {
      if (d.code === 'M7001') problems.push({ kind: 'internal', detail: d.message });
      const bad = badLocation(d, text.length);
      if (bad) problems.push({ kind: 'location', detail: `${d.code}: ${bad}` });
    }
    renderHuman(c.diagnostics, { color: false, sources: new Map([[file, text]]) });
    if (!c.diagnostics.some((d) => d.severity === 'error')) {
      clean = true;
      if (!c.plan) problems.push({ kind: 'schema', detail: 'check-clean but no plan' });
      else {
        const errors = planSchemaErrors(JSON.parse(JSON.stringify(c.plan)));
        if (errors.length > 0) problems.push({ kind: 'schema', detail: errors.slice(0, 3).join('; ') });
      }
    }
    const f = formatSource(text, file);
    if (f.ok) {
      formatted = true;
      const again = formatSource(f.text, file);
      if (!again.ok) problems.push({ kind: 'fmt', detail: `formatted text is refused: ${again.diagnostics[0]?.message ?? ''}` });
      else if (again.text !== f.text) problems.push({ kind: 'fmt', detail: 'formatting twice changes the text' });
    } else if (f.diagnostics.some((d) => d.code === 'M7001')) {
      problems.push({ kind: 'fmt', detail: f.diagnostics.find((d) => d.code === 'M7001')!.message });
    }
  } catch (err) {
    problems.push({ kind: 'uncaught', detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
  return { problems, clean, formatted };
}

function badLocation(d: Diagnostic, length: number): string | undefined {
  const s = d.span;
  const ints = [s.start, s.end, s.line, s.column, s.endLine, s.endColumn];
  if (!ints.every((n) => Number.isInteger(n))) return `non-integer position ${JSON.stringify(s)}`;
  if (s.start < 0 || s.end < s.start || s.start > length + 1) return `offsets ${s.start}..${s.end} outside 0..${length}`;
  if (s.line < 1 || s.column < 1 || s.endLine < s.line) return `lines ${s.line}:${s.column}..${s.endLine}:${s.endColumn}`;
  return undefined;
}

/** Run `count` mutants of `seeds` from one RNG seed: the same arguments give the same mutants. */
export function fuzz(seeds: readonly FuzzSeed[], opts: FuzzOptions): FuzzReport {
  const rng = new SeededRandom(opts.seed);
  const slowMs = opts.slowMs ?? 5000;
  const keep = opts.keep ?? 5;
  const counts: Record<FuzzProblemKind, number> = { uncaught: 0, internal: 0, location: 0, schema: 0, fmt: 0, slow: 0 };
  const problems: FuzzProblem[] = [];
  let clean = 0;
  let formatted = 0;
  let slowestMs = 0;
  for (let i = 0; i < opts.count; i++) {
    const seed = seeds[rng.int(seeds.length)]!;
    const donor = seeds[rng.int(seeds.length)]!.text;
    const text = mutate(seed.text, donor, rng);
    const t0 = performance.now();
    const r = checkMutant(text, seed);
    const ms = performance.now() - t0;
    slowestMs = Math.max(slowestMs, ms);
    const found = [...r.problems];
    if (ms > slowMs) found.push({ kind: 'slow', detail: `${ms.toFixed(0)} ms` });
    if (r.clean) clean++;
    if (r.formatted) formatted++;
    for (const p of found) {
      counts[p.kind]++;
      if (problems.filter((x) => x.kind === p.kind).length < keep) problems.push({ ...p, seed: seed.name, text });
    }
  }
  return { mutants: opts.count, clean, formatted, counts, problems, slowestMs };
}

/**
 * The seed corpus: the examples (against their own models) and the compiler's test cases (against the ONNX
 * fixtures in `casesBaseDir`, see test/support/onnx-fixtures.ts).
 */
export function defaultSeeds(root: string, casesBaseDir: string): FuzzSeed[] {
  const seeds: FuzzSeed[] = [];
  for (const ex of readdirSync(join(root, 'examples'), { withFileTypes: true })) {
    if (!ex.isDirectory()) continue;
    const dir = join(root, 'examples', ex.name);
    for (const f of readdirSync(dir))
      if (f.endsWith('.m4')) seeds.push({ name: `examples/${ex.name}/${f}`, text: readFileSync(join(dir, f), 'utf8'), baseDir: dir });
  }
  const cases = join(root, 'test/compiler/cases');
  for (const f of readdirSync(cases).sort()) {
    if (f.endsWith('.m4')) seeds.push({ name: `test/compiler/cases/${f}`, text: readFileSync(join(cases, f), 'utf8'), baseDir: casesBaseDir });
  }
  return seeds;
}
