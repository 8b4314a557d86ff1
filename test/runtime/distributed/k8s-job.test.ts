/**
 * `m4c k8s job`: the manifest parses and has what Kubernetes requires of an Indexed Job with per-index
 * retries; and its pod command, run for every JOB_COMPLETION_INDEX as a pod would run it (sh, m4c on the
 * PATH, the shared volume a directory), followed by the printed merge command, gives the record of the
 * unsharded run.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { M4C, runM4c } from '../../support/run-cli.ts';
import { expectSameRecord, storedRecord, writeGraph } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-k8s-'));
const shared = join(dir, 'shared');
mkdirSync(shared);
const { graph, data } = writeGraph(shared, 6000);

interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  volumeMounts: { name: string; mountPath: string }[];
}

it('prints an Indexed Job that Kubernetes accepts, and the merge to run after it', () => {
  const r = runM4c([
    'k8s',
    'job',
    graph,
    '--data',
    data,
    '--shards',
    '12',
    '--parallelism',
    '4',
    '--image',
    'registry.example.com/m4c:0.1.0',
    '--mount',
    shared,
    '--db',
    'postgres://m4@db/m4',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const job = parse(r.stdout) as Record<string, any>;
  expect(job.apiVersion).toBe('batch/v1');
  expect(job.kind).toBe('Job');
  expect(job.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  expect(job.metadata.name.length).toBeLessThanOrEqual(63);
  expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 12, parallelism: 4, backoffLimitPerIndex: 2, maxFailedIndexes: 0 });
  // backoffLimitPerIndex requires restartPolicy Never; a pod template needs containers with a name and an image.
  const pod = job.spec.template.spec;
  expect(pod.restartPolicy).toBe('Never');
  const c = pod.containers[0] as Container;
  expect(c).toMatchObject({ name: 'm4c', image: 'registry.example.com/m4c:0.1.0', command: ['sh', '-c'] });
  expect(c.args[0]).toContain('--shard "$((JOB_COMPLETION_INDEX + 1))/12"');
  // Every mount names a volume of the pod, backed by the claim.
  for (const m of c.volumeMounts) expect(pod.volumes.map((v: { name: string }) => v.name)).toContain(m.name);
  expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe('m4-shared');
  expect(r.stderr).toMatch(new RegExp(`kubectl wait --for=condition=complete job/${job.metadata.name} --timeout=24h`));
  expect(r.stderr).toMatch(/m4c merge .*\/states\/m4-replay-[0-9a-f]{10}\/shard-\*\.json --db postgres:\/\/m4@db\/m4/);

  const rel = runM4c(['k8s', 'job', 'ab.m4', '--data', data, '--shards', '2', '--parallelism', '1', '--image', 'x']);
  expect(rel.code).toBe(2);
  expect(rel.stderr).toMatch(/FILE ab\.m4 is relative/);
});

it("its pods' command for every index, then the printed merge, give the unsharded record", () => {
  const one = runM4c(['run', graph, '--data', data, '--db', join(dir, 'single.db'), '--quiet']);
  expect(one.code, one.stderr).toBe(0);
  const db = join(dir, 'merged.db');
  const r = runM4c(['k8s', 'job', graph, '--data', data, '--shards', '3', '--parallelism', '3', '--image', 'm4c', '--mount', shared, '--db', db]);
  const pod = (parse(r.stdout) as Record<string, any>).spec.template.spec.containers[0] as Container;
  // `m4c` on the PATH, as in the image.
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'm4c'), `#!/bin/sh\nexec "${process.execPath}" "${M4C}" "$@"\n`);
  chmodSync(join(bin, 'm4c'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' };
  for (let i = 0; i < 3; i++)
    execFileSync(pod.command[0]!, [...pod.command.slice(1), pod.args[0]!], { env: { ...env, JOB_COMPLETION_INDEX: String(i) }, stdio: 'pipe' });
  const merge = /^(m4c merge .*?)\s+#/m.exec(r.stderr)![1]!;
  execFileSync('sh', ['-c', merge], { env, stdio: 'pipe' });
  expectSameRecord(storedRecord(db), storedRecord(join(dir, 'single.db')), 3);
}, 300_000);
