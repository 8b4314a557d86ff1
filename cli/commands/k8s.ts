/**
 * `m4c k8s job FILE --data PATH --shards N --parallelism P --image IMAGE`: print a Kubernetes Indexed Job
 * manifest that runs the N shards of a replay as pods writing state files to a shared volume, and (on
 * stderr) the `kubectl wait` and `m4c merge` commands that finish it. FILE is compiled here first, so a
 * graph with errors fails now rather than in N pods.
 *
 * Exit codes: 0 printed, 2 bad options or a compile error.
 */
import { existsSync } from 'node:fs';
import { extname, isAbsolute } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { EXIT } from '../../plan/errors.ts';
import { jobName, k8sJobManifest, mergeInstructions } from '../../runtime/distributed/k8s-job.ts';
import { printDiagnostics, summaryLine } from '../diagnostics-output.ts';
import { storeOption } from '../db-option.ts';
import { CliError } from '../exit-codes.ts';
import { compileForCli } from '../load-source.ts';
import { setCommandExit } from '../program.ts';

interface K8sOptions {
  data: string;
  shards: number;
  parallelism: number;
  image: string;
  name?: string;
  mount: string;
  claim: string;
  backoffLimitPerIndex: number;
  db?: string;
}

function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected an integer >= 1');
  return n;
}

function nonNegative(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected an integer >= 0');
  return Number(value);
}

export function register(program: Command): void {
  const k8s = program.command('k8s').description('Kubernetes manifests for split replays');
  k8s
    .command('job')
    .description('print an Indexed Job running the shards of a replay as pods, and the merge command for after')
    .argument('<file>', 'the .m4 file (or plan .json) as the pods see it: an absolute path on the shared volume')
    .requiredOption('--data <path>', 'the rows as the pods see them (absolute, on the shared volume)')
    .requiredOption('--shards <n>', "number of shards (the Job's completions)", count)
    .requiredOption('--parallelism <p>', 'pods at once', count)
    .requiredOption('--image <image>', 'the m4c image (see the Dockerfile), e.g. registry.example.com/m4c:0.1.0')
    .option('--name <name>', "Job name (default: m4-replay- and the graph's plan hash)")
    .option('--mount <dir>', 'where the shared volume is mounted in the pods', '/shared')
    .option('--claim <pvc>', 'the PersistentVolumeClaim of the shared volume (ReadWriteMany)', 'm4-shared')
    .option('--backoff-limit-per-index <n>', 'retries of one shard before the Job fails', nonNegative, 2)
    .option('--db <path|url>', 'the results store the printed merge command writes to', storeOption)
    .addHelpText(
      'after',
      `
Examples:
  $ m4c k8s job /shared/graphs/ab.m4 --data /shared/replays/day.jsonl --shards 32 --parallelism 8 \\
      --image registry.example.com/m4c:0.1.0 > job.yaml

The manifest goes to stdout, the commands to run after it to stderr. Needs Kubernetes 1.29+
(backoffLimitPerIndex). See docs/scale.md.
Exit codes: 0 printed, 2 bad options or a compile error.`,
    )
    .action((file: string, opts: K8sOptions, cmd: Command) => {
      setCommandExit(cmd, k8sJob(file, opts));
    });
}

function k8sJob(file: string, o: K8sOptions): number {
  for (const [what, p] of [
    ['FILE', file],
    ['--data', o.data],
    ['--mount', o.mount],
  ] as const) {
    if (!isAbsolute(p))
      throw new CliError(`${what} ${p} is relative: pods resolve paths in their own filesystem; give the absolute path on the shared volume`);
  }
  let name = o.name;
  // Compiled here when this machine sees the file too, so a graph with errors fails now and not in N pods.
  if (extname(file) === '.m4' && existsSync(file)) {
    const c = compileForCli(file);
    printDiagnostics(c.diagnostics, new Map([[file, c.text]]));
    if (!c.plan) throw new CliError(`${file}: ${summaryLine(c.diagnostics)}; no manifest written`, EXIT.usage);
    name ??= `m4-replay-${c.plan.plan_hash.slice(0, 10)}`;
  }
  const opts = {
    name: jobName(name ?? 'm4-replay'),
    file,
    data: o.data,
    shards: o.shards,
    parallelism: Math.min(o.parallelism, o.shards),
    image: o.image,
    mount: o.mount,
    claim: o.claim,
    backoffLimitPerIndex: o.backoffLimitPerIndex,
  };
  process.stdout.write(k8sJobManifest(opts));
  process.stderr.write(`# then:\n${mergeInstructions(opts, o.db)}\n`);
  return EXIT.ok;
}
