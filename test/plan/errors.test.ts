import { describe, expect, it } from 'vitest';
import { EXIT, M4Error } from '../../plan/errors.ts';
import { PlanError } from '../../plan/plan-schema.ts';
import { CliError } from '../../cli/exit-codes.ts';
import { runCli, type Registrar } from '../../cli/program.ts';
import { ResultsDbError } from '../../dashboard/results-db.ts';
import { ComparisonInputError } from '../../runtime/comparison-batch.ts';
import { WorkerRunError, InitError } from '../../runtime/model-host.ts';
import { OutputsWriteError } from '../../runtime/outputs-writer.ts';
import { RuntimeError } from '../../runtime/runtime-error.ts';
import { SinkError } from '../../runtime/sinks/sink.ts';
import { SourceError } from '../../runtime/sources/source-error.ts';
import { StateFileError } from '../../runtime/state-file.ts';
import { MetricsSpecError } from '../../stdlib/metrics/comparison.ts';
import { MetricsStateError } from '../../stdlib/metrics/state-codec.ts';
import { KernelError } from '../../stdlib/ops/kernel-error.ts';

/** Every user-facing error class, with the exit code it must carry. */
const CASES: [string, M4Error, number][] = [
  ['PlanError', new PlanError('p.json: invalid plan'), EXIT.usage],
  ['CliError', new CliError('bad flag'), EXIT.usage],
  ['CliError(runtime)', new CliError('cannot write', EXIT.runtime), EXIT.runtime],
  ['ResultsDbError', new ResultsDbError('not a results database'), EXIT.usage],
  ['ComparisonInputError', new ComparisonInputError('ab', 'wrong shape'), EXIT.runtime],
  ['WorkerRunError', new WorkerRunError('ort failed', 0, 1), EXIT.runtime],
  ['InitError', new InitError(0, 'bad onnx'), EXIT.runtime],
  ['OutputsWriteError', new OutputsWriteError('o.jsonl', 'ENOSPC'), EXIT.runtime],
  ['OutputsWriteError(open)', new OutputsWriteError('o.jsonl', 'EACCES', EXIT.usage), EXIT.usage],
  ['RuntimeError', new RuntimeError('n', null, null, 'boom'), EXIT.runtime],
  ['SinkError', new SinkError('r.db', 'read-only'), EXIT.runtime],
  ['SourceError(unreadable)', new SourceError('d.jsonl', null, 'unreadable', 'no such file'), EXIT.usage],
  ['SourceError(bad row)', new SourceError('d.jsonl', 3, 'invalid-json', 'unexpected }'), EXIT.runtime],
  ['StateFileError', new StateFileError('not a state file'), EXIT.usage],
  ['MetricsSpecError', new MetricsSpecError('unknown task'), EXIT.usage],
  ['MetricsStateError', new MetricsStateError('truncated array'), EXIT.usage],
  ['KernelError', new KernelError('concat', 'rows differ'), EXIT.runtime],
];

/** A one-command program whose action throws `err`, and what it printed. */
async function exitOf(err: unknown): Promise<{ code: number; stderr: string }> {
  const thrower: Registrar = {
    register: (p) => {
      p.command('boom').action(() => {
        throw err;
      });
    },
  };
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => {
    stderr += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await runCli(['node', 'm4c', 'boom'], [thrower]), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('M4Error: one base class, one mapping to exit codes', () => {
  it.each(CASES)('%s is an M4Error whose exit code the CLI uses, printed as one line', async (name, err, code) => {
    expect(err).toBeInstanceOf(M4Error);
    expect(err.exitCode).toBe(code);
    expect(err.name).toBe(name.replace(/\(.*\)$/, ''));
    const out = await exitOf(err);
    expect(out.code).toBe(code);
    expect(out.stderr).toBe(`m4c: ${err.message}\n`);
  });

  it('anything else is an internal error (exit 3) with a hint, never a stack', async () => {
    const out = await exitOf(new TypeError('x is undefined'));
    expect(out.code).toBe(EXIT.runtime);
    expect(out.stderr).toMatch(/^m4c: internal error: x is undefined\n/);
    expect(out.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
