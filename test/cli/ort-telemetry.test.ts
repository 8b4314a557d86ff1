/**
 * onnxruntime-node 1.30 starts Microsoft's 1DS telemetry in every process that opens a session, and its first
 * trace is a `mat-debug-PID.log` file in the temporary directory. `m4c` turns it off unless the user chose otherwise
 * (bin/m4c.js, docs/cli.md "onnxruntime's telemetry").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOnnxFixtures } from '../support/onnx-fixtures.ts';
import { M4C } from '../support/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-telemetry-'));
makeOnnxFixtures(join(dir, 'models'));
writeFileSync(join(dir, 'g.m4'), 'input x: f32[batch, 4]\nmodel one = onnx("models/fixedBatch.onnx")\noutput s = one(x: x)\n');
writeFileSync(join(dir, 'd.jsonl'), JSON.stringify({ x: [1, 2, 3, 4] }) + '\n');

/** The variables by which onnxruntime 1.30 recognizes a CI machine (the strings of libonnxruntime.so). */
const CI_VARIABLES = [
  'CI',
  'TF_BUILD',
  'GITHUB_ACTIONS',
  'GITLAB_CI',
  'CIRCLECI',
  'TRAVIS',
  'JENKINS_URL',
  'CODEBUILD_BUILD_ID',
  'BUILDKITE',
  'TEAMCITY_VERSION',
  'APPVEYOR',
  'BITBUCKET_BUILD_NUMBER',
];

/** Runs the graph as a process with `telemetry` as ORT_DISABLE_TELEMETRY (unset when undefined); its trace files. */
function run(telemetry: string | undefined): { code: number | null; traces: string[] } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.ORT_DISABLE_TELEMETRY;
  // onnxruntime suppresses its telemetry by itself on CI machines (CI=true, as .ci/run sets, and the CI services'
  // variables): without them the child sees an ordinary machine, where the default matters.
  for (const v of CI_VARIABLES) delete env[v];
  if (telemetry !== undefined) env.ORT_DISABLE_TELEMETRY = telemetry;
  const r = spawnSync(process.execPath, [M4C, 'run', join(dir, 'g.m4'), '--data', join(dir, 'd.jsonl'), '--out', join(dir, 'o.jsonl')], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  // onnxruntime writes the trace in $TMPDIR (vitest sets one per run: test/support/temp-root.ts), else /tmp.
  const traces = [...new Set([tmpdir(), '/tmp'])].map((d) => join(d, `mat-debug-${r.pid}.log`)).filter((f) => existsSync(f));
  return { code: r.status, traces };
}

describe("onnxruntime's telemetry", () => {
  it('is off by default: the run leaves no telemetry trace', () => {
    const r = run(undefined);
    expect(r.code).toBe(0);
    expect(r.traces).toEqual([]);
  });

  it("stays the user's choice: ORT_DISABLE_TELEMETRY=0 keeps onnxruntime's own behaviour (its trace file appears)", () => {
    const r = run('0');
    expect(r.code).toBe(0);
    // The check above means something only if this build of onnxruntime does write the trace when enabled.
    expect(r.traces).toHaveLength(1);
    for (const f of r.traces) rmSync(f, { force: true });
  });
});
