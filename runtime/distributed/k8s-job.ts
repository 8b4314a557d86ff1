/**
 * A Kubernetes Indexed Job for a split replay: N pods (at most P at once), each running
 * `m4c run FILE --data PATH --shard I/N --state DIR/shard-I.json` with I from the pod's
 * `JOB_COMPLETION_INDEX`, writing its state to a shared volume; a failed index is retried on its own
 * (`backoffLimitPerIndex`, Kubernetes 1.29+) and never counted twice (one state file per index). Once the
 * Job completes, `m4c merge DIR/shard-*.json` writes the one record.
 */
import { stringify } from 'yaml';

export interface K8sJobOptions {
  /** Job name: DNS-1123 label, at most 63 characters. */
  name: string;
  /** The `.m4` file or plan `.json` as the pods see it (on the shared volume). */
  file: string;
  /** The rows as the pods see them. */
  data: string;
  shards: number;
  parallelism: number;
  image: string;
  /** Where the volume is mounted in the pods; states go to `${mount}/states/${name}`. */
  mount: string;
  /** The PersistentVolumeClaim of the shared volume (ReadWriteMany). */
  claim: string;
  /** Retries of one index (default 2). */
  backoffLimitPerIndex?: number;
}

/** A name Kubernetes accepts for a Job (lower-case DNS-1123 label, room for the pod suffix). */
export function jobName(base: string): string {
  const clean = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (clean === '' ? 'm4-replay' : clean).slice(0, 52).replace(/-+$/, '');
}

/** POSIX single quotes for a shell argument. */
const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Where the pods write their states. */
export function stateDir(o: Pick<K8sJobOptions, 'mount' | 'name'>): string {
  return `${o.mount.replace(/\/+$/, '')}/states/${o.name}`;
}

/** The shell command of one pod; `$JOB_COMPLETION_INDEX` is 0-based, `--shard` 1-based. */
export function podCommand(o: K8sJobOptions): string {
  const dir = stateDir(o);
  return (
    `exec m4c run ${sq(o.file)} --data ${sq(o.data)} --quiet --shard "$((JOB_COMPLETION_INDEX + 1))/${o.shards}" ` +
    `--state ${sq(dir)}"/shard-$((JOB_COMPLETION_INDEX + 1)).json"`
  );
}

/** The Job manifest as YAML. */
export function k8sJobManifest(o: K8sJobOptions): string {
  const manifest = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, labels: { 'app.kubernetes.io/name': 'm4', 'app.kubernetes.io/component': 'replay' } },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.parallelism,
      backoffLimitPerIndex: o.backoffLimitPerIndex ?? 2,
      // One index that fails every retry fails the Job: a merge needs every shard.
      maxFailedIndexes: 0,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'm4', 'app.kubernetes.io/component': 'replay' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'm4c',
              image: o.image,
              command: ['sh', '-c'],
              args: [podCommand(o)],
              volumeMounts: [{ name: 'shared', mountPath: o.mount }],
            },
          ],
          volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: o.claim } }],
        },
      },
    },
  };
  return stringify(manifest, { lineWidth: 0 });
}

/** What to run after the Job: wait for it, then merge the states into the record. */
export function mergeInstructions(o: K8sJobOptions, db: string | undefined): string {
  const dir = stateDir(o);
  return [
    `kubectl apply -f ${o.name}.yaml`,
    `kubectl wait --for=condition=complete job/${o.name} --timeout=24h`,
    `m4c merge ${dir}/shard-*.json${db === undefined ? '' : ` --db ${db}`}   # where ${o.mount} is mounted`,
  ].join('\n');
}
