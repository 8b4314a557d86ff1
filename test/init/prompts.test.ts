/**
 * The interactive prompt: answers → options, the files offered as defaults, and the questions driven
 * through in-memory streams as a user would answer them.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { answersToOptions, askInitOptions, findCandidates } from '../../cli/init/prompts.ts';
import { makeInitWorkspace } from './support/init-workspace.ts';

describe('answersToOptions', () => {
  it('maps answers to options: empty optional answers are none, an empty output is the default name', () => {
    expect(answersToOptions({ model: ' models/v1.onnx ', candidate: '', data: '  ', output: '' }, '/w')).toEqual({
      model: 'models/v1.onnx',
      candidate: undefined,
      data: undefined,
      output: 'v1.m4',
      cwd: '/w',
    });
    expect(answersToOptions({ model: 'v1.onnx', candidate: 'models/v2.ONNX', data: 'rows.csv', output: 'ab.m4' }, '/w')).toEqual({
      model: 'v1.onnx',
      candidate: 'models/v2.ONNX',
      data: 'rows.csv',
      output: 'ab.m4',
      cwd: '/w',
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

/**
 * Answer each question once its text has appeared on the screen, one at a time: after an answer, wait
 * for the prompt to mark it done (✔) before looking for the next question. Answers are written on a
 * later tick, once the prompt listens.
 */
function drive(answers: [question: RegExp, answer: string][]) {
  const input = new PassThrough();
  const output = new PassThrough();
  // The prompt library ends its output stream when a question is done; a terminal outlives that.
  output.end = (() => output) as typeof output.end;
  let screen = '';
  let next = 0;
  let waiting = false;
  output.on('data', (d) => {
    screen += String(d).replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    if (waiting && screen.includes('✔')) {
      waiting = false;
      screen = screen.slice(screen.lastIndexOf('✔') + 1);
    }
    if (!waiting && next < answers.length && answers[next]![0].test(screen)) {
      const answer = answers[next]![1];
      waiting = true;
      next++;
      setTimeout(() => input.write(`${answer}\r`), 5);
    }
  });
  return { io: { input, output }, asked: () => next };
}

describe('askInitOptions', () => {
  const ws = makeInitWorkspace('m4-init-ask-');
  const dir = mkdtempSync(join(tmpdir(), 'm4-init-ask-'));
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'data'));
  copyFileSync(ws.model('binary'), join(dir, 'models/v1.onnx'));
  copyFileSync(ws.model('mlp'), join(dir, 'models/v2.onnx'));
  copyFileSync(join(ws.dir, 'data/x4.jsonl'), join(dir, 'data/rows.jsonl'));

  it('suggests the model found, asks for the optional ones with hints, and suggests the output name', async () => {
    const d = drive([
      [/control\): \(models\/v1\.onnx\)/, ''],
      [/found: models\/v2\.onnx; empty: none/, 'models/v2.onnx'],
      [/found: data\/rows\.jsonl; empty: none/, 'data/rows.jsonl'],
      [/Write the graph to: \(v2-vs-v1\.m4\)/, ''],
    ]);
    const r = await askInitOptions(dir, d.io);
    expect(d.asked()).toBe(4);
    expect(r).toEqual({
      options: { model: 'models/v1.onnx', candidate: 'models/v2.onnx', data: 'data/rows.jsonl', output: 'v2-vs-v1.m4', cwd: dir },
      overwrite: false,
    });
  });

  it('an empty answer to an optional question means none; an existing output needs a yes', async () => {
    writeFileSync(join(dir, 'v1.m4'), 'old\n');
    const d = drive([
      [/control\)/, ''],
      [/Candidate/, ''],
      [/Recorded rows/, ''],
      [/Write the graph to/, ''],
      [/v1\.m4 exists\. Overwrite it\?/, 'y'],
    ]);
    const r = await askInitOptions(dir, d.io);
    expect(r).toEqual({ options: { model: 'models/v1.onnx', candidate: undefined, data: undefined, output: 'v1.m4', cwd: dir }, overwrite: true });

    const no = drive([
      [/control\)/, ''],
      [/Candidate/, ''],
      [/Recorded rows/, ''],
      [/Write the graph to/, ''],
      [/Overwrite it\?/, 'n'],
    ]);
    await expect(askInitOptions(dir, no.io)).rejects.toThrow('v1.m4 already exists: nothing written');
  });
});
