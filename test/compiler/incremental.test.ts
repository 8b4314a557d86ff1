/**
 * What an incremental check (compiler/incremental.ts) re-checks: the declaration an edit changed, the ones
 * reading it only when its type or dims changed (early cutoff), everything when it cannot be sure. Asserted
 * on the session's count of declarations type-checked, never on time; every result also equals a full check.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { CheckSession } from '../../compiler/incremental.ts';
import { expectSameCompilation } from '../support/compare-compilations.ts';
import { ROOT } from '../support/run-cli.ts';

const FILE = join(ROOT, 'test/compiler/chain.m4');
const MODELS = join(ROOT, 'examples/fraud/models');
const OPTS = { noPlan: true };

/** Inputs, a model, a chain of 50 nodes (each reads the one before), a comparison, an output: 56 checked declarations. */
const CHAIN = [
  'input tx: f32[batch, 30]',
  'input label: i64[batch] optional',
  'input region: str[batch]',
  `model v1 = onnx("${MODELS}/fraud-v1.onnx")`,
  'node n0 = clip(tx, min: -6.0, max: 6.0)',
  ...Array.from({ length: 49 }, (_, i) => `node n${i + 1} = ${i % 2 ? 'mul' : 'clip'}(n${i}, ${i % 2 ? 'by: 0.5' : 'min: -5.0, max: 5.0'})`),
  'compare ab {',
  '  control:   column(v1(x: n49).probabilities, index: 1)',
  '  treatment: column(v1(x: n48).probabilities, index: 1)',
  '  label:     label',
  '  task:      binary(threshold: 0.5)',
  '  metrics:   [accuracy]',
  '  slice_by:  region',
  '}',
  'output score = n49',
].join('\n');
const CHECKED = 3 + 50 + 1 + 1;

function session(): CheckSession {
  const s = new CheckSession(FILE);
  s.update(CHAIN, OPTS);
  expect(s.stats).toMatchObject({ mode: 'full', checked: CHECKED });
  return s;
}

function edit(s: CheckSession, text: string) {
  const c = s.update(text, OPTS);
  expectSameCompilation(c, compileSource(text, FILE, OPTS));
  return c;
}

describe('CheckSession', () => {
  it('an edit of a body only re-checks that declaration, not those reading it', () => {
    const s = session();
    edit(s, CHAIN.replace('node n11 = clip(n10, min: -5.0, max: 5.0)', 'node n11 = clip(n10, min: -4.0, max: 4.0)'));
    // The fast path (recheck.ts): n11 is checked, n12 (its reader) only pointed at its new value; no compare
    // block reads n11, so the compare pass checks none; the dead-end analysis looks at n11 only.
    expect(s.stats).toEqual({
      mode: 'incremental',
      checked: 1,
      reused: 0,
      graphReused: true,
      resolvedAgain: true,
      fast: true,
      compareChecks: 0,
      deadEndsVisited: 1,
      repointed: 1,
    });
  });

  it('an edit of a body read by a compare block re-runs that block only', () => {
    const s = session();
    // n48 is read by the comparison (treatment) and by n49.
    edit(s, CHAIN.replace('node n48 = mul(n47, by: 0.5)', 'node n48 = mul(n47, by: 0.25)'));
    expect(s.stats).toMatchObject({ mode: 'incremental', fast: true, checked: 1, repointed: 2, compareChecks: 1, deadEndsVisited: 1 });
    // A compare block's own body (its task's threshold): its model calls ask the unifier what they asked last
    // time, answered as then; it is the one compare block checked again (n48 back as it was: checked too).
    edit(s, CHAIN.replace('binary(threshold: 0.5)', 'binary(threshold: 0.7)'));
    expect(s.stats).toMatchObject({ mode: 'incremental', fast: true, checked: 2, compareChecks: 1, deadEndsVisited: 2 });
  });

  it('dead-end warnings: only the changed declarations are looked at, and their warnings follow their new text', () => {
    // u1, u2, u3 read nothing that reaches the output: three M5002 warnings.
    const text = [CHAIN, 'node u1 = sigmoid(tx)', 'node u2 = sigmoid(u1)', 'node u3 = clip(u2, min: -1.0, max: 1.0)'].join('\n');
    const s = new CheckSession(FILE);
    edit(s, text);
    const c = edit(s, text.replace('node u3 = clip(u2, min: -1.0,', 'node   u3 = clip(u2, min: -2.0,'));
    expect(s.stats).toMatchObject({ mode: 'incremental', fast: true, checked: 1, deadEndsVisited: 1, compareChecks: 0 });
    const warning = c.diagnostics.find((d) => d.code === 'M5002' && d.message.includes('`u3`'))!;
    expect(c.text.slice(warning.span.start, warning.span.end)).toBe('u3');
  });

  it('a declaration checked again on the final unifier gives up where a full check shows dims as they were at its place', () => {
    // `bad` reports y's type, i64[b, 30]; `j`, checked after it, makes `b` one with `a`: shown on the final
    // unifier it would read i64[a, 30].
    const text = [
      'input x: f32[a, 30]',
      'input y: i64[b, 30]',
      'input z: f32[b, 30]',
      `model v1 = onnx("${MODELS}/fraud-v1.onnx")`,
      'node bad = v1(x: y).probabilities',
      'node z2 = clip(z, min: -1.0, max: 1.0)',
      'node z3 = sigmoid(z2)',
      'node j = mean(x, z3)',
      'output o = j',
    ].join('\n');
    const s = new CheckSession(FILE);
    edit(s, text);
    const c = edit(s, text.replace('min: -1.0', 'min: -2.0'));
    expect(c.diagnostics.find((d) => d.code === 'M3002')!.notes!.join('\n')).toContain('found i64[b, 30]');
    expect(s.stats).toMatchObject({ mode: 'incremental', fast: false, slowReason: 'a dims shown as a full check would not show them' });
  });

  it('an edit of a body looks up only the edited chunk by its text (the others are found by position)', () => {
    const s = session();
    edit(s, CHAIN.replace('node n11 = clip(n10, min: -5.0, max: 5.0)', 'node n11 = clip(n10, min: -4.0, max: 4.0)'));
    expect(s.parser.lookedUp).toBe(1);
    expect(s.parser.reparsed).toBe(1);
    // Longer text: the chunks after the edit are found at their shifted places and moved.
    edit(s, CHAIN.replace('node n11 = clip(n10, min: -5.0, max: 5.0)', 'node n11 = clip(n10, min: -4.25, max: 4.0)'));
    expect(s.parser.lookedUp).toBe(1);
    expect(s.parser.moved).toBe(38 + 2); // n12 .. n49, the comparison and the output
    expect(s.stats).toMatchObject({ mode: 'incremental', checked: 1 });
  });

  it('text added before the declarations moves them without re-checking any', () => {
    const s = session();
    const c = edit(s, `// a comment\n\n${CHAIN}`);
    expect(s.stats).toMatchObject({ mode: 'incremental', fast: true, checked: 0, compareChecks: 0, deadEndsVisited: 0, repointed: 0 });
    expect(c.program.decls[4]!.span.line).toBe(7);
  });

  it('an edit that changes a type re-checks the declarations reading it, transitively', () => {
    const s = session();
    // n41 becomes one column (f32[batch] instead of f32[batch, 30]): n42..n49, the comparison and the output read it.
    const c = edit(s, CHAIN.replace('node n41 = clip(n40, min: -5.0, max: 5.0)', 'node n41 = column(n40, index: 1)'));
    // The comparison's model calls ask the unifier new questions: the slower path, which visits every declaration.
    expect(s.stats).toMatchObject({
      mode: 'incremental',
      checked: 1 + 8 + 1 + 1,
      reused: CHECKED - 11,
      graphReused: true,
      resolvedAgain: true,
      fast: false,
      slowReason: 'other dims questions',
    });
    expect(c.diagnostics.map((d) => d.code)).toContain('M3004'); // the models now get the wrong rank
  });

  it('a new error in one declaration, and its fix, re-check what reads it', () => {
    const s = session();
    const broken = CHAIN.replace('node n45 = clip(n44', 'node n45 = clip(n44x');
    const c = edit(s, broken);
    expect(c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['M1001']);
    // n45 and what reads it (n46..n49, the comparison, the output) lose their type.
    // Its reads changed (`n44x` is no declaration): the graph is built again.
    expect(s.stats).toMatchObject({ mode: 'incremental', checked: 1 + 4 + 1 + 1, reused: CHECKED - 7, graphReused: false, resolvedAgain: false });
    edit(s, CHAIN);
    // The last resolve reported the unknown name: this one is a whole resolve.
    expect(s.stats).toMatchObject({ mode: 'incremental', checked: 7, reused: CHECKED - 7, graphReused: false, resolvedAgain: false });
    expect(s.update(CHAIN, OPTS).diagnostics).toEqual([]);
  });

  it('a change of dims re-checks what the dims reach', () => {
    const s = session();
    edit(s, CHAIN.replace('input tx: f32[batch, 30]', 'input tx: f32[rows, 30]'));
    expect(s.stats.mode).toBe('incremental');
    expect(s.stats.checked).toBe(CHECKED - 2); // all but label and region
  });

  it('resolves the whole file when the cap per file may hide what the last resolve reported', () => {
    // 1,100 unused nodes (a warning each) before an unknown name: the error is past the first 1,000 shown.
    const many = [
      'input tx: f32[batch, 30]',
      ...Array.from({ length: 1100 }, (_, i) => `node u${i} = sigmoid(tx)`),
      'node bad = sigmoid(nope)',
      'output o = tx',
    ].join('\n');
    const s = new CheckSession(FILE);
    edit(s, many);
    edit(s, many.replace('node u5 = sigmoid(tx)', 'node u5 = exp(tx)'));
    expect(s.stats).toMatchObject({ mode: 'incremental', resolvedAgain: false });
  });

  it('checks the whole file when it cannot be sure', () => {
    const cases: [string, string][] = [
      [CHAIN.replace('node n3 ', 'node m3 '), 'a declaration renamed or of another kind'],
      [CHAIN.replace('node n3 =', 'node extra = sigmoid(n0)\nnode n3 ='), 'a declaration added or removed'],
      [CHAIN.replace('node n3 = clip(n2, min: -5.0, max: 5.0)', 'node n3 = clip(n2, min: -5.0, max: 5.0'), 'a syntax error'],
      [CHAIN.replace('node n3 = clip(n2,', 'node n3 = clip(n7,'), 'a cycle'],
      // `batch` fixed to 3 by one node and to 4 by the next: a dims conflict, whose message would name where
      // a replayed fact came from.
      [
        CHAIN.replace('input label: i64[batch] optional', 'input label: f32[3, 30] optional')
          .replace('input region: str[batch]', 'input region: f32[4, 30]')
          .replace('node n20 = mul(n19, by: 0.5)', 'node n20 = mean(n19, label)')
          .replace('node n21 = clip(n20, min: -5.0, max: 5.0)', 'node n21 = mean(n19, region)'),
        'a dims conflict',
      ],
    ];
    for (const [text, reason] of cases) {
      const s = session();
      edit(s, text);
      expect(s.stats).toMatchObject({ mode: 'full', reason });
    }
    // After a full check, the next edit is incremental again.
    const s = session();
    edit(s, CHAIN.replace('node n3 ', 'node m3 ').replace('(n3,', '(m3,'));
    edit(s, CHAIN.replace('node n3 ', 'node m3 ').replace('(n3,', '(m3,').replace('by: 0.5)', 'by: 0.25)'));
    expect(s.stats.mode).toBe('incremental');
  });
});
