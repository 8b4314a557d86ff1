/**
 * Throughput of the data source on the fraud-shaped replay: 1M rows of
 * `{"id":i,"tx":[30 floats],"label":0|1,"region":"eu"}` read as tx f32[batch, 30], label i64[batch],
 * region str[batch], next to a baseline measured in the same run on the same file: whole lines,
 * `JSON.parse` per line, `Float32Array.set` of `tx` into a preallocated batch (no validation).
 *
 * Two number spellings, because they take different paths in the scanner: 6 decimals (what most
 * writers produce after rounding) and full double precision of float32 values (`0.8444218039512634`,
 * what dumping float32 features through a double gives).
 *
 *     npx tsx bench/source.ts [--rows 1000000] [--rounds 3] [--csv] [--gzip]
 */
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import type { PlanInput } from '../plan/plan-types.ts';
import { openSource, type SourceTuning } from '../runtime/sources/index.ts';
import { SeededRandom } from '../tools/seeded-random.ts';

const args = process.argv.slice(2);
const argValue = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROWS = argValue('--rows', 1_000_000);
const ROUNDS = argValue('--rounds', 3);
const BATCH = 1024;
const dir = mkdtempSync(join(tmpdir(), 'm4-bench-source-'));

const span = { file: 'bench', line: 1, column: 1, endLine: 1, endColumn: 1 };
const jsonInputs: PlanInput[] = [
  { name: 'tx', type: { dtype: 'f32', dims: ['batch', 30] }, optional: false, source: { kind: 'field', path: ['tx'] }, span },
  { name: 'label', type: { dtype: 'i64', dims: ['batch'] }, optional: true, source: { kind: 'field', path: ['label'] }, span },
  { name: 'region', type: { dtype: 'str', dims: ['batch'] }, optional: false, source: { kind: 'field', path: ['region'] }, span },
];
const csvInputs: PlanInput[] = [
  { ...jsonInputs[0], source: { kind: 'columns', paths: Array.from({ length: 30 }, (_, j) => [`f${j}`]) } },
  jsonInputs[1],
  jsonInputs[2],
];

function generate(path: string, spelling: '6dp' | 'f32-full', csv: boolean): void {
  const random = new SeededRandom(42);
  const rand = (): number => random.next();
  const fd = openSync(path, 'w');
  let buf: string[] = [];
  if (csv) buf.push(`id,${Array.from({ length: 30 }, (_, j) => `f${j}`).join(',')},label,region`);
  const num = (x: number) => (spelling === '6dp' ? x.toFixed(6) : String(Math.fround(x)));
  for (let i = 0; i < ROWS; i++) {
    const tx: string[] = new Array(30);
    for (let j = 0; j < 30; j++) tx[j] = num(rand() * 4 - 2);
    const label = rand() < 0.3 ? 1 : 0;
    buf.push(csv ? `${i},${tx.join(',')},${label},eu` : `{"id":${i},"tx":[${tx.join(',')}],"label":${label},"region":"eu"}`);
    if (buf.length === 10000) {
      writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) writeSync(fd, buf.join('\n') + '\n');
  closeSync(fd);
}

/**
 * The baseline: 1 MiB reads cut at the last newline, one decode per block, then per line
 * `JSON.parse` and `Float32Array.set` of `tx` into a preallocated batch (label and region stored
 * too), batches of 1024. No validation: the least a JSON.parse-based reader must do.
 */
async function baseline(path: string): Promise<number> {
  let rows = 0;
  let tail: Buffer | null = null;
  let tx = new Float32Array(BATCH * 30);
  let label = new BigInt64Array(BATCH);
  let region: string[] = new Array(BATCH);
  let r = 0;
  let checksum = 0;
  const flush = () => {
    checksum += tx[0] + region.length + Number(label[0]);
    tx = new Float32Array(BATCH * 30);
    label = new BigInt64Array(BATCH);
    region = new Array(BATCH);
    r = 0;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf: Buffer = tail === null ? (chunk as Buffer) : Buffer.concat([tail, chunk as Buffer]);
    const cut = buf.lastIndexOf(10) + 1;
    tail = buf.subarray(cut);
    const text = buf.toString('utf8', 0, cut);
    let pos = 0;
    while (pos < text.length) {
      const nl = text.indexOf('\n', pos);
      const o = JSON.parse(text.slice(pos, nl));
      tx.set(o.tx, r * 30);
      label[r] = BigInt(o.label);
      region[r] = o.region;
      if (++r === BATCH) flush();
      rows++;
      pos = nl + 1;
    }
  }
  if (checksum === -1) console.log('');
  return rows;
}

/** CSV baseline: csv-parse's sync API over each block of whole lines, Float32Array writes per cell. */
async function csvParseBaseline(path: string): Promise<number> {
  let rows = 0;
  let tail = '';
  let header = true;
  let tx = new Float32Array(BATCH * 30);
  let r = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = tail + (chunk as Buffer).toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    tail = text.slice(cut);
    const records = parseCsv(text.slice(0, cut), { from_line: header ? 2 : 1 }) as string[][];
    header = false;
    for (const rec of records) {
      for (let j = 0; j < 30; j++) tx[r * 30 + j] = Number(rec[j + 1]);
      if (++r === BATCH) {
        tx = new Float32Array(BATCH * 30);
        r = 0;
      }
      rows++;
    }
  }
  return rows;
}

async function source(path: string, inputs: PlanInput[], tuning: SourceTuning): Promise<number> {
  const src = openSource(path, { inputs, batchSize: BATCH, onBadRow: 'fail' }, tuning);
  let rows = 0;
  for await (const b of src) rows += b.rows;
  return rows;
}

interface Variant {
  name: string;
  run: () => Promise<number>;
}

/**
 * Run the variants interleaved (round-robin, `ROUNDS` times) so that drift of a shared machine hits
 * them alike; report medians and rows/s relative to the first variant (the baseline).
 */
async function compare(bytes: number, variants: Variant[]): Promise<void> {
  const times = variants.map(() => [] as number[]);
  for (let k = 0; k < ROUNDS; k++) {
    for (let v = 0; v < variants.length; v++) {
      const t0 = performance.now();
      const rows = await variants[v].run();
      times[v].push(performance.now() - t0);
      if (rows !== ROWS) throw new Error(`${variants[v].name}: read ${rows} rows, expected ${ROWS}`);
    }
  }
  const medians = times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
  variants.forEach((v, i) => {
    const ms = medians[i];
    const rps = ROWS / (ms / 1000);
    const ratio = i === 0 ? 'baseline' : `${(medians[0] / ms).toFixed(2)}x baseline`;
    console.log(
      `  ${v.name.padEnd(36)} ${(rps / 1e3).toFixed(0).padStart(6)}k rows/s  ${(bytes / 1e6 / (ms / 1000)).toFixed(0).padStart(5)} MB/s  ${ratio}`,
    );
  });
}

console.log(`bench/source.ts: ${ROWS} rows, batch ${BATCH}, median of ${ROUNDS}; node ${process.version}`);
try {
  for (const spelling of ['6dp', 'f32-full'] as const) {
    const path = join(dir, `rows-${spelling}.jsonl`);
    generate(path, spelling, false);
    const bytes = statSync(path).size;
    console.log(`\nJSONL, floats ${spelling === '6dp' ? 'with 6 decimals' : 'as float32 at full double precision'} (${(bytes / 1e6).toFixed(0)} MB)`);
    const variants: Variant[] = [
      { name: 'baseline: lines + JSON.parse + set', run: () => baseline(path) },
      { name: 'openSource (fast scanner)', run: () => source(path, jsonInputs, {}) },
      { name: 'openSource (JSON.parse path only)', run: () => source(path, jsonInputs, { fastJsonl: false }) },
    ];
    if (args.includes('--gzip')) {
      const gz = `${path}.gz`;
      writeFileSync(gz, gzipSync(readFileSync(path), { level: 6 }));
      variants.push({ name: `openSource .jsonl.gz (${(statSync(gz).size / 1e6).toFixed(0)} MB)`, run: () => source(gz, jsonInputs, {}) });
    }
    await compare(bytes, variants);
    rmSync(path, { force: true });
    rmSync(`${path}.gz`, { force: true });
  }
  if (args.includes('--csv')) {
    const path = join(dir, 'rows.csv');
    generate(path, '6dp', true);
    const bytes = statSync(path).size;
    console.log(`\nCSV, 30 columns gathered into tx, 6 decimals (${(bytes / 1e6).toFixed(0)} MB)`);
    await compare(bytes, [
      { name: 'baseline: csv-parse (sync, per block)', run: () => csvParseBaseline(path) },
      { name: 'openSource csv', run: () => source(path, csvInputs, {}) },
    ]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
