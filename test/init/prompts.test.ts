/**
 * The interactive prompt's pure parts: answers → options, and the files offered as defaults.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answersToOptions, findCandidates } from '../../cli/init/prompts.ts';

describe('answersToOptions', () => {
  it('maps answers to options: empty optional answers are none, an empty output is the default name', () => {
    expect(answersToOptions({ model: ' models/v1.onnx ', candidate: '', data: '  ', output: '' }, '/w')).toEqual({
      model: 'models/v1.onnx', candidate: undefined, data: undefined, output: 'v1.m4', cwd: '/w',
    });
    expect(answersToOptions({ model: 'v1.onnx', candidate: 'models/v2.ONNX', data: 'rows.csv', output: 'ab.m4' }, '/w')).toEqual({
      model: 'v1.onnx', candidate: 'models/v2.ONNX', data: 'rows.csv', output: 'ab.m4', cwd: '/w',
    });
    expect(answersToOptions({ model: 'a.onnx', candidate: 'b.onnx', data: '', output: '' }, '/w').output).toBe('b-vs-a.m4');
    expect(answersToOptions({ model: 'a.onnx', candidate: '', data: '', output: '-' }, '/w').output).toBe('-');
  });
});

describe('findCandidates', () => {
  it('offers .onnx models and data samples from the folder, models/ and data/, sorted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm4-init-prompt-'));
    mkdirSync(join(dir, 'models'));
    mkdirSync(join(dir, 'data'));
    for (const f of ['b.onnx', 'a.onnx', 'notes.txt', 'rows.csv', 'models/v1.onnx', 'data/replay.jsonl', 'data/old.jsonl.gz', 'data/x.parquet']) {
      writeFileSync(join(dir, f), '');
    }
    expect(findCandidates(dir)).toEqual({
      models: ['a.onnx', 'b.onnx', 'models/v1.onnx'],
      samples: ['rows.csv', 'data/old.jsonl.gz', 'data/replay.jsonl'],
    });
    expect(findCandidates(join(dir, 'missing'))).toEqual({ models: [], samples: [] });
  });
});
