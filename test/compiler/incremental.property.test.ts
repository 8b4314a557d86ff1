/**
 * An incremental check (compiler/incremental.ts) equals a full check of the same text after every edit of
 * a random sequence, on generated programs — valid and broken: body-only edits, references renamed and
 * mistyped, declarations deleted and added, inputs' dtypes and dims changed, operations swapped (a type
 * change), dims conflicts, syntax errors, lines moved sideways and down; compare blocks' metrics, fields,
 * gates and sides edited.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { CheckSession } from '../../compiler/incremental.ts';
import { expectSameCompilation } from '../support/compare-compilations.ts';
import { ROOT } from '../support/run-cli.ts';

const FILE = join(ROOT, 'test/compiler/generated.m4');
const MODELS = join(ROOT, 'examples/fraud/models');
const OPTS = { noPlan: true };

/** Right-hand sides of nodes: `P`, `Q` are earlier nodes, `A` a small number. */
const OPS = [
  'clip(P, min: -A.0, max: A.0)',
  'mul(P, by: A.5)',
  'mean(P, Q)',
  'add(P, w)',
  'sigmoid(P)',
  'column(v1(x: P).probabilities, index: 1)',
  'column(v2(x: P).probabilities, index: 1)',
  'add(P, Q)',
  'standardize(P, mean: 0.0, std: A.0)',
];

const node = (i: number, op: string, p: number, q: number, a: number) =>
  `node n${i} = ${op.replace('P', `n${p}`).replace('Q', `n${q}`).replace(/A/g, String(a))}`;

const program = fc
  .array(fc.record({ op: fc.nat({ max: OPS.length - 1 }), p: fc.nat(), q: fc.nat(), a: fc.integer({ min: 1, max: 9 }) }), {
    minLength: 2,
    maxLength: 14,
  })
  .map((specs) => {
    const lines = [
      'input tx: f32[batch, 30]',
      'input w: f32[batch, 30]',
      'input label: i64[batch] optional',
      'input region: str[batch]',
      `model v1 = onnx("${MODELS}/fraud-v1.onnx")`,
      `model v2 = onnx("${MODELS}/fraud-v2.onnx")`,
      'node n0 = clip(tx, min: -6.0, max: 6.0)',
    ];
    specs.forEach((s, k) => lines.push(node(k + 1, OPS[s.op]!, s.p % (k + 1), s.q % (k + 1), s.a)));
    const last = specs.length;
    lines.push(
      'compare ab {',
      `  control:   column(v1(x: n${Math.floor(last / 2)}).probabilities, index: 1)`,
      `  treatment: column(v2(x: n${Math.floor(last / 2)}).probabilities, index: 1)`,
      '  label:     label',
      '  task:      binary(threshold: 0.5)',
      '  metrics:   [accuracy, auroc]',
      '  slice_by:  region',
      '}',
      'compare cd {',
      `  control:   n${last}`,
      `  treatment: n${Math.floor(last / 3)}`,
      '  task:      regression',
      '  metrics:   [mae]',
      '}',
      'compare ef {',
      `  control:   column(n${Math.floor(last / 2)}, index: 1)`,
      `  treatment: column(n${last}, index: 2)`,
      '  task:      binary(threshold: 0.5)',
      '  metrics:   [agreement]',
      '  gate agreement >= 0.9',
      '}',
      `output score = n${last}`,
    );
    return lines;
  });

type Edit = (lines: string[], at: number, k: number) => string[];
const at = (lines: string[], i: number) => i % lines.length;
const replaceLine = (lines: string[], i: number, f: (l: string) => string) => lines.map((l, j) => (j === at(lines, i) ? f(l) : l));

const EDITS: Record<string, Edit> = {
  // Only a body: a parameter's value (the type stays).
  body: (ls, i, k) => replaceLine(ls, i, (l) => l.replace(/(\d)\.(\d)/, `${k % 10}.$2`)),
  typo: (ls, i) => replaceLine(ls, i, (l) => l.replace(/\(n(\d+)/, '(nx$1')),
  fix: (ls) => ls.map((l) => l.replace('(nx', '(n')),
  retarget: (ls, i, k) => replaceLine(ls, i, (l) => l.replace(/\(n(\d+)/, (_, n) => `(n${k % (Number(n) + 1)}`)),
  cycle: (ls, i, k) => replaceLine(ls, i, (l) => l.replace(/\(n(\d+)/, `(n${k % 20}`)),
  swapOp: (ls, i, k) =>
    replaceLine(ls, i, (l) => {
      const m = /^node n(\d+) = /.exec(l);
      if (!m) return l;
      const n = Number(m[1]);
      return n === 0 ? l : node(n, OPS[k % OPS.length]!, k % n, (k * 7) % n, (k % 9) + 1);
    }),
  dtype: (ls, _i, k) => ls.map((l) => (l.startsWith('input w:') ? `input w: ${['f32', 'f64', 'i64'][k % 3]}[batch, 30]` : l)),
  dims: (ls, _i, k) => ls.map((l) => (l.startsWith('input w:') ? `input w: f32[${['batch', 'other', '7'][k % 3]}, ${[30, 4][k % 2]}]` : l)),
  txDims: (ls, _i, k) => ls.map((l) => (l.startsWith('input tx:') ? `input tx: f32[${['batch', '3'][k % 2]}, 30]` : l)),
  remove: (ls, i) => ls.filter((_, j) => j !== at(ls, i)),
  add: (ls, i, k) => [...ls.slice(0, at(ls, i)), `node extra${k} = sigmoid(n0)`, ...ls.slice(at(ls, i))],
  unknownOp: (ls, i) => replaceLine(ls, i, (l) => l.replace(/= (\w+)\(/, '= $1x(')),
  syntax: (ls, i) => replaceLine(ls, i, (l) => `${l} (`),
  comment: (ls, i) => [...ls.slice(0, at(ls, i)), '// a comment', ...ls.slice(at(ls, i))],
  indent: (ls, i) => replaceLine(ls, i, (l) => (l.startsWith('node') ? `  ${l}` : l)),
  sameLine: (ls, i) => {
    const j = at(ls, i);
    if (j === 0 || !ls[j]!.startsWith('node') || !ls[j - 1]!.startsWith('node')) return ls;
    return [...ls.slice(0, j - 1), `${ls[j - 1]} ${ls[j]}`, ...ls.slice(j + 1)];
  },
  // Compare blocks: metrics (some unknown or not for the task), a field's name, a gate added, a side moved.
  metrics: (ls, i, k) =>
    replaceLine(ls, i, (l) =>
      l.replace(/metrics: +\[.*\]/, `metrics:   ${['[accuracy, auroc]', '[accuracy]', '[aurocx]', '[mae, agreement]', '[]'][k % 5]}`),
    ),
  compareField: (ls, i, k) =>
    replaceLine(ls, i, (l) => l.replace(/^ {2}(slice_by|label|task|slice_byx|labl):/, `  ${['slice_by', 'label', 'slice_byx', 'labl'][k % 4]}:`)),
  gate: (ls, i, k) => {
    const j = at(ls, i);
    if (!ls[j]!.startsWith('  metrics:')) return ls;
    return [...ls.slice(0, j + 1), `  gate ${['auroc', 'accuracy', 'mae'][k % 3]}.delta >= -0.0${k % 10}`, ...ls.slice(j + 1)];
  },
  compareSide: (ls, i, k) =>
    replaceLine(ls, i, (l) => l.replace(/^ {2}(control|treatment): +(.*)n\d+/, (_, side, pre) => `  ${side}: ${pre}n${k % 20}`)),
  // A compare block's body only: its task's threshold, an option, a gate's bound (the fast path's cases).
  threshold: (ls, i, k) => replaceLine(ls, i, (l) => l.replace(/threshold: [\d.]+/, `threshold: 0.${(k % 9) + 1}`)),
  option: (ls, i, k) => {
    const j = at(ls, i);
    if (!ls[j]!.startsWith('  task:')) return ls;
    return [...ls.slice(0, j + 1), `  ${['bootstrap: 200', 'seed: 7', 'confidence: 0.9', 'bootstrap: -1'][k % 4]}`, ...ls.slice(j + 1)];
  },
  bound: (ls, i, k) => replaceLine(ls, i, (l) => l.replace(/(gate \S+ >= )[-\d.]+/, `$1-0.0${k % 10}`)),
  // A node that no output or comparison reads any more, or again (its dead-end warning comes and goes).
  unread: (ls, _i, k) => ls.map((l) => (l.startsWith('output score') ? `output score = n${k % 6}` : l)),
  undo: (ls) => ls,
};

const edit = fc.record({ kind: fc.constantFrom(...Object.keys(EDITS)), at: fc.nat(), k: fc.nat({ max: 1000 }) });

describe('incremental checking', () => {
  const seen = { incremental: 0, full: 0, reused: 0, graphReused: 0, resolvedAgain: 0, fast: 0, compareChecksSkipped: 0 };
  const slow: Record<string, number> = {};
  it('equals a full check after every edit of a random sequence (property)', () => {
    fc.assert(
      fc.property(program, fc.array(edit, { minLength: 1, maxLength: 12 }), (start, edits) => {
        const session = new CheckSession(FILE);
        let lines = start;
        const history = [lines];
        expectSameCompilation(session.update(lines.join('\n'), OPTS), compileSource(lines.join('\n'), FILE, OPTS));
        for (const e of edits) {
          lines = e.kind === 'undo' ? history[Math.max(0, history.length - 2)]! : EDITS[e.kind]!(lines, e.at, e.k);
          history.push(lines);
          const text = lines.join('\n');
          expectSameCompilation(session.update(text, OPTS), compileSource(text, FILE, OPTS));
          seen[session.stats.mode]++;
          seen.reused += session.stats.reused;
          if (session.stats.graphReused) seen.graphReused++;
          if (session.stats.resolvedAgain) seen.resolvedAgain++;
          if (session.stats.fast) {
            seen.fast++;
            if (session.stats.compareChecks < 3) seen.compareChecksSkipped++;
          }
          const why = session.stats.reason ?? session.stats.slowReason;
          if (why) slow[why] = (slow[why] ?? 0) + 1;
        }
      }),
      { numRuns: Number(process.env.M4_PROPERTY_RUNS ?? 40) },
    );
    if (process.env.M4_PROPERTY_STATS) console.log(seen, slow);
    // Not vacuous: many edits took the incremental path, reusing declarations, the resolution and the graph.
    expect(seen.incremental).toBeGreaterThan(seen.full / 4);
    expect(seen.reused).toBeGreaterThan(0);
    expect(seen.graphReused).toBeGreaterThan(0);
    expect(seen.resolvedAgain).toBeGreaterThan(0);
    // ...and many took the fast path (recheck.ts), keeping some compare blocks' results.
    expect(seen.fast).toBeGreaterThan(0);
    expect(seen.compareChecksSkipped).toBeGreaterThan(0);
  });
});
