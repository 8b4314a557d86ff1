/**
 * Hostile files through the real `m4c` process (issue 11), each next to the same-run baseline
 * `m4c check examples/fraud/ab.m4` (start-up plus a small file):
 *
 * - a 4 MB document (90,000 declarations) — target: checks in < 2 s;
 * - ~125,000 diagnostics (`@` lines) — capped at 1,000 per file;
 * - 1k / 2k / 4k distinct unknown names next to as many declared ones (did-you-mean must not be quadratic);
 * - cycles of 2,200 and 150,000 nodes;
 * - `m4c fmt` of 200 KB and 400 KB files of long identifiers (must scale linearly).
 *
 *   npx tsx bench/hostile-check.ts [--only TEXT] [--other PATH/TO/bin/m4c.js]
 *
 * Prints wall time and CPU time (user + system, all threads: what a loaded machine changes least) as
 * medians of 3, peak RSS and exit codes; asserts nothing about time. `--only` runs the cases whose label
 * contains TEXT (and the baseline); `--other` runs each case also with another checkout's `m4c`, right
 * after this one's (e.g. main's, for a before/after in the same run).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../tools/seeded-random.ts';

const ROOT = join(import.meta.dirname, '..');
const M4C = join(ROOT, 'bin/m4c.js');
const argv = process.argv.slice(2);
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const ONLY = option('--only');
const OTHER = option('--other');
// Peak RSS and CPU time of the child, printed as it exits.
const USAGE =
  "data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('MAXRSS '+u.maxRSS+' CPU '+(u.userCPUTime+u.systemCPUTime)+'\\n')})";
const tmp = mkdtempSync(join(tmpdir(), 'm4-bench-hostile-'));

function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function wall(m4c: string, args: string[], runs = 3): { ms: number; cpuMs: number; rssMb: number; code: number | null; last: string } {
  const ts: number[] = [];
  const cpu: number[] = [];
  let rssMb = 0;
  let code: number | null = null;
  let last = '';
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['--import', USAGE, m4c, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, NO_COLOR: '1' },
    });
    ts.push(performance.now() - t);
    const usage = /MAXRSS (\d+) CPU (\d+)/.exec(r.stderr);
    cpu.push(usage ? Number(usage[2]) / 1000 : NaN);
    rssMb = Math.max(rssMb, usage ? Number(usage[1]) / 1024 : NaN);
    code = r.status;
    last = (
      r.stderr
        .replace(/MAXRSS.*\n?$/, '')
        .trim()
        .split('\n')
        .at(-1) ?? ''
    ).slice(0, 100);
  }
  return { ms: median(ts), cpuMs: median(cpu), rssMb, code, last };
}

const rng = new SeededRandom(11);
const word = (n: number) => Array.from({ length: n }, () => 'abcdefghij'[rng.int(10)]).join('');

function doc4mb(): string {
  const lines = ['input tx: f32[batch, 30]'];
  let size = 0;
  for (let i = 0; size < 4 * 1024 * 1024; i++) {
    const l = `node s${i} = clip(tx, min: -6.0, max: 6.0) // node ${i}\noutput o${i} = s${i}`;
    lines.push(l);
    size += l.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

function unknownNames(n: number): string {
  const names = Array.from({ length: n }, (_, i) => `value_${i.toString(36).padStart(4, '0')}`);
  return `${names.map((x) => `input ${x}: f32[batch]`).join('\n')}\n${names.map((x, i) => `output o${i} = ${x.replace('value', 'valeu')}`).join('\n')}\n`;
}

function cycle(n: number): string {
  return ['input x: f32[batch]', ...Array.from({ length: n }, (_, i) => `node n${i} = add(x, n${(i + 1) % n})`), 'output o = n0', ''].join('\n');
}

function longNames(bytes: number): string {
  const lines = ['input x: f32[batch]'];
  let size = 0;
  while (size < bytes) {
    const a = word(1000);
    const l = `node a${a} = sigmoid(x)\noutput b${a} = f(a${a}, ${word(500)}: g(a${a}, a${a}))`;
    lines.push(l);
    size += l.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

const cases: [string, string[]][] = [
  ['baseline: check examples/fraud/ab.m4', ['check', 'examples/fraud/ab.m4']],
  ['check a 4 MB document (target < 2 s)', ['check', file('doc4mb.m4', doc4mb())]],
  ['check ~125,000 diagnostics', ['check', file('many.m4', '@\n'.repeat(125_000))]],
  ['check 1,000 unknown names', ['check', file('unknown1k.m4', unknownNames(1000))]],
  ['check 2,000 unknown names', ['check', file('unknown2k.m4', unknownNames(2000))]],
  ['check 4,000 unknown names', ['check', file('unknown4k.m4', unknownNames(4000))]],
  ['check a 2,200-node cycle', ['check', file('cycle2200.m4', cycle(2200))]],
  ['check a 150,000-node cycle', ['check', file('cycle150k.m4', cycle(150_000))]],
  ['fmt 200 KB of long identifiers', ['fmt', file('long200k.m4', longNames(200_000))]],
  ['fmt 400 KB of long identifiers', ['fmt', file('long400k.m4', longNames(400_000))]],
];

console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at start`,
);
console.log('wall and CPU time of the m4c process, medians of 3 (the machine may be loaded: compare with the baseline line)');
const show = (what: string, r: ReturnType<typeof wall>) =>
  console.log(
    `${what.padEnd(44)} ${r.ms.toFixed(0).padStart(7)} ms wall ${r.cpuMs.toFixed(0).padStart(7)} ms CPU ${r.rssMb.toFixed(0).padStart(5)} MB  exit ${r.code}  ${r.last}`,
  );
for (const [what, args] of cases) {
  if (ONLY !== undefined && !what.includes(ONLY) && !what.startsWith('baseline')) continue;
  show(what, wall(M4C, args));
  if (OTHER !== undefined) show(`  the same, ${OTHER}`, wall(OTHER, args));
}
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at the end`,
);
