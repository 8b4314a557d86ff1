/**
 * The protobuf text-format grammar: every form Triton's config.pbtxt may use, positions of values and of
 * errors, the ModelConfig schema check, and a property: printing a parsed tree and parsing it again gives
 * the same tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeModelConfig } from '../../../cli/import/pbtxt/model-config.ts';
import { parsePbtxt, type PbField, type PbValue } from '../../../cli/import/pbtxt/parse.ts';
import { printPbtxt } from '../../../cli/import/pbtxt/print.ts';

/** The tree without positions. */
function plain(fields: PbField[]): unknown {
  const value = (v: PbValue): unknown =>
    v.kind === 'message' ? { message: plain(v.fields) } : v.kind === 'number' ? { number: v.value } : { [v.kind]: v.value };
  return fields.map((f) => ({ name: f.name, list: f.list, values: f.values.map(value) }));
}

function ok(text: string): PbField[] {
  const r = parsePbtxt(text, 'c.pbtxt');
  if (!r.ok) throw new Error(`${r.error.span.line}:${r.error.span.column} ${r.error.message}`);
  return r.fields;
}

function err(text: string): string {
  const r = parsePbtxt(text, 'c.pbtxt');
  if (r.ok) throw new Error('expected a syntax error');
  return `${r.error.span.line}:${r.error.span.column} ${r.error.message}`;
}

describe('protobuf text format: forms', () => {
  it('reads scalars: strings in both quotes with escapes and concatenation, numbers, enums, booleans', () => {
    const f = ok(`name: "a\\"b\\n" platform: 'ens\\'x'\ns: "ab" 'cd'\nn: -1 h: 0x1F f: 1.5e3 g: 2.5f e: TYPE_FP32 b: true i: -inf o: "\\101\\x42"`);
    expect(plain(f)).toEqual([
      { name: 'name', list: false, values: [{ string: 'a"b\n' }] },
      { name: 'platform', list: false, values: [{ string: "ens'x" }] },
      { name: 's', list: false, values: [{ string: 'abcd' }] },
      { name: 'n', list: false, values: [{ number: -1 }] },
      { name: 'h', list: false, values: [{ number: 31 }] },
      { name: 'f', list: false, values: [{ number: 1500 }] },
      { name: 'g', list: false, values: [{ number: 2.5 }] },
      { name: 'e', list: false, values: [{ ident: 'TYPE_FP32' }] },
      { name: 'b', list: false, values: [{ ident: 'true' }] },
      { name: 'i', list: false, values: [{ ident: '-inf' }] },
      { name: 'o', list: false, values: [{ string: 'AB' }] },
    ]);
  });

  it('reads messages with or without a colon, in braces or angle brackets, and # comments anywhere', () => {
    const a = ok('input { name: "x" } # trailing\n# own line\ninput: { name: "y" }\ninput < name: "z" >');
    expect(plain(a)).toEqual(
      ['x', 'y', 'z'].map((n) => ({ name: 'input', list: false, values: [{ message: [{ name: 'name', list: false, values: [{ string: n }] }] }] })),
    );
  });

  it('reads lists of scalars and of messages, and repeated fields written one by one', () => {
    const f = ok('dims: [ -1, 4 ]\ninput [ { name: "a" }, { name: "b" } ]\ndims: 3 dims: 5\nempty: []');
    expect(plain(f)).toEqual([
      { name: 'dims', list: true, values: [{ number: -1 }, { number: 4 }] },
      {
        name: 'input',
        list: true,
        values: [
          { message: [{ name: 'name', list: false, values: [{ string: 'a' }] }] },
          { message: [{ name: 'name', list: false, values: [{ string: 'b' }] }] },
        ],
      },
      { name: 'dims', list: false, values: [{ number: 3 }] },
      { name: 'dims', list: false, values: [{ number: 5 }] },
      { name: 'empty', list: true, values: [] },
    ]);
  });

  it('accepts a comma or a semicolon after any field', () => {
    expect(plain(ok('a: 1, b: 2; c { d: 3, }; e: "x",'))).toEqual(plain(ok('a: 1 b: 2 c { d: 3 } e: "x"')));
  });

  it('gives every field and value its line and column', () => {
    const f = ok('name: "ens"\ninput [\n  { name: "IN"\n    dims: [ -1 ] }\n]\n');
    expect(f[0]!.nameSpan).toMatchObject({ line: 1, column: 1 });
    expect(f[0]!.values[0]!.span).toMatchObject({ line: 1, column: 7, endColumn: 12 });
    const msg = f[1]!.values[0]!;
    expect(msg.span).toMatchObject({ line: 3, column: 3, endLine: 4 });
    const inner = msg.kind === 'message' ? msg.fields[1]! : undefined;
    expect(inner?.span).toMatchObject({ line: 4, column: 5, endLine: 4 });
    expect(inner?.values[0]!.span).toMatchObject({ line: 4, column: 13 });
  });
});

describe('protobuf text format: errors with positions', () => {
  it.each([
    ['name: "x', '1:7 this string is never closed on its line'],
    ['input { name: "a" ', "1:15 the file ends too early: expected '}' (a message or list is not closed)"],
    ['input [ { name: "a" } ', "1:21 the file ends too early: expected ']' (a message or list is not closed)"],
    ['name: : "x"', "1:7 unexpected ':': expected a value"],
    ['dims: [1 2]', "1:10 unexpected `2`: expected ']'"],
    ['a { b: 1 } }', "1:12 unexpected '}': expected a field name"],
    ['name "x"', "1:6 unexpected string \"x\": expected ':', '{', '<' or '['"],
    ['name: "a"\n  @x: 1', '2:3 unexpected character "@"'],
    ['input { name: "a" >', "1:19 unexpected '>': expected '}'"],
  ])('%j → %s', (text, expected) => {
    expect(err(text)).toBe(expected);
  });

  it('refuses nesting deeper than 100 without exhausting the stack', () => {
    expect(err(`${'a { '.repeat(150)}${'} '.repeat(150)}`)).toMatch(/nested more than 100 deep/);
  });
});

describe('ModelConfig schema', () => {
  const decode = (text: string) => {
    const r = parsePbtxt(text, 'c.pbtxt');
    if (!r.ok) throw new Error(r.error.message);
    return decodeModelConfig(
      r.fields,
      'c.pbtxt',
      r.fields[0]?.span ?? { file: 'c.pbtxt', start: 0, end: 1, line: 1, column: 1, endLine: 1, endColumn: 2 },
    );
  };

  it('decodes an ensemble: inputs, outputs, steps with maps, version policy, unsupported constructs', () => {
    const { config, diagnostics } = decode(`name: "e" platform: "ensemble" max_batch_size: 4
      input [ { name: "I" data_type: TYPE_STRING dims: [ -1 ] optional: true } ]
      output { name: "O" data_type: TYPE_FP32 dims: [ 2 ] reshape { shape: [ 1, 2 ] } }
      ensemble_scheduling { step [ { model_name: "m" model_version: 3 input_map { key: "a" value: "I" } output_map [ { key: "b", value: "O" } ] } ] }
      version_policy { specific { versions: [1, 3] } }
      sequence_batching { max_sequence_idle_microseconds: 5 direct { } }
      model_transaction_policy { decoupled: True }
      parameters { key: "k" value { string_value: "v" } }`);
    expect(diagnostics).toEqual([]);
    expect(config).toMatchObject({
      name: { value: 'e' },
      platform: { value: 'ensemble' },
      maxBatchSize: 4,
      inputs: [{ name: 'I', dataType: 'TYPE_STRING', dims: [-1], optional: true, reshape: null }],
      outputs: [{ name: 'O', dataType: 'TYPE_FP32', dims: [2], reshape: [1, 2] }],
      steps: [{ modelName: { value: 'm' }, modelVersion: 3, inputMap: [{ key: 'a', value: 'I' }], outputMap: [{ key: 'b', value: 'O' }] }],
      versionPolicy: { kind: 'specific', versions: [1, 3] },
    });
    expect(config!.unsupported.map((u) => u.construct)).toEqual([
      'sequence batching (`sequence_batching`)',
      'a decoupled model (`model_transaction_policy { decoupled: true }`)',
    ]);
    expect(config!.parameters.get('k')).toBe('v');
  });

  it('reports unknown fields with did-you-mean, wrong kinds, bad enums and repeated singular fields, at their lines', () => {
    const { config, diagnostics } = decode(
      'name: "m"\nmax_batch_sise: 4\ninput { name: 5 data_type: TYPE_FLOAT32 dims: 1.5 }\nname: "again"\nensemble_scheduling: 3\ninstance_group [ { kind: KIND_GPY } ]',
    );
    expect(config).toBeNull();
    expect(diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}${d.help ? ` (${d.help})` : ''}`)).toEqual([
      'M8002 2:1 `ModelConfig` (model_config.proto) has no field `max_batch_sise` (did you mean `max_batch_size`?)',
      'M8003 3:15 `name`: takes a string in quotes',
      'M8003 3:28 `data_type`: TYPE_FLOAT32 is not one of TYPE_INVALID, TYPE_BOOL, TYPE_UINT8, TYPE_UINT16, TYPE_UINT32, TYPE_UINT64, TYPE_INT8, TYPE_INT16, TYPE_INT32, TYPE_INT64, TYPE_FP16, TYPE_FP32, TYPE_FP64, TYPE_STRING, TYPE_BF16',
      'M8003 3:47 `dims`: takes an integer',
      'M8003 4:1 `name`: is given more than once, and it is not a repeated field',
      'M8003 5:22 `ensemble_scheduling`: is a message: write it as `{ ... }`',
      'M8003 6:26 `kind`: KIND_GPY is not one of KIND_AUTO, KIND_GPU, KIND_CPU, KIND_MODEL (did you mean `KIND_GPU`?)',
    ]);
  });
});

// ── property: print ∘ parse is the identity on trees ────────────────────────────────────────────────

const fieldName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
const scalar: fc.Arbitrary<PbValue> = fc.oneof(
  fc.string({ maxLength: 12 }).map((value): PbValue => ({ kind: 'string', value, span: undefined as never })),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n): PbValue => ({ kind: 'number', value: n, text: String(n), span: undefined as never })),
  fc
    .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
    // String(-0) is "0": the text a user would write for negative zero is "-0".
    .map((n): PbValue => ({ kind: 'number', value: n, text: Object.is(n, -0) ? '-0' : String(n), span: undefined as never })),
  fc
    .constantFrom('TYPE_FP32', 'true', 'false', 'KIND_CPU', 'inf', '-inf')
    .map((value): PbValue => ({ kind: 'ident', value, span: undefined as never })),
);
const tree = fc.letrec<{ fields: PbField[]; value: PbValue; field: PbField }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('fields').map((fields): PbValue => ({ kind: 'message', fields: fields as PbField[], span: undefined as never })),
  ),
  field: fc.oneof(
    fc
      .record({ name: fieldName, value: tie('value') })
      .map(({ name, value }): PbField => ({ name, nameSpan: undefined as never, values: [value as PbValue], list: false, span: undefined as never })),
    fc.record({ name: fieldName, values: fc.array(tie('value'), { maxLength: 3 }) }).map(({ name, values }): PbField => ({
      name,
      nameSpan: undefined as never,
      values: values as PbValue[],
      list: true,
      span: undefined as never,
    })),
  ),
  fields: fc.array(tie('field'), { maxLength: 4 }),
}));

describe('protobuf text format: property', () => {
  it('parsing a printed tree gives the same tree', () => {
    fc.assert(
      fc.property(tree.fields, (fields) => {
        const text = printPbtxt(fields as PbField[]);
        const again = parsePbtxt(text, 'p.pbtxt');
        expect(again.ok).toBe(true);
        if (again.ok) expect(plain(again.fields)).toEqual(plain(fields as PbField[]));
      }),
      { numRuns: 300 },
    );
  });

  it('negative zero survives printing (the counterexample CI found, seed -126388571)', () => {
    const fields: PbField[] = [
      {
        name: 'a',
        nameSpan: undefined as never,
        values: [{ kind: 'number', value: -0, text: '-0', span: undefined as never }],
        list: false,
        span: undefined as never,
      },
    ];
    const again = parsePbtxt(printPbtxt(fields), 'p.pbtxt');
    expect(again.ok).toBe(true);
    if (again.ok) expect(Object.is((again.fields[0].values[0] as { value: number }).value, -0)).toBe(true);
  });
});
