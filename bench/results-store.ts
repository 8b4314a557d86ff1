/**
 * Writing a run record: PostgreSQL next to SQLite, measured in the same run (issue 15: PostgreSQL ≤ 2×).
 *
 *   npx tsx bench/results-store.ts [--records 40] [--pg postgres://m4:m4@127.0.0.1:5432/postgres]
 *
 * 1. In process: the same record (the report fixture: 6 scalar metrics, gates, 4 slices, 5 charts, its
 *    result JSON) written N times through each sink, alternating SQLite and PostgreSQL so both see the same
 *    machine load; each write is one transaction (SQLite: journal + fsync on a local file; PostgreSQL: a
 *    loopback server, synchronous commit). Median and p90 per record.
 * 2. End to end: `m4c compare` on 20,000 recorded scores with `--db FILE` and with `--db postgres://…`,
 *    3 times each, alternating: the whole command as users run it, record included.
 * A fresh PostgreSQL database is created on the server and dropped at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresSink } from '../runtime/sinks/postgres-sink.ts';
import { SqliteSink } from '../runtime/sinks/sqlite-sink.ts';
import { fixtureRecord } from '../test/runtime/sinks/sink-records.ts';
import { freshPostgresDatabase } from '../test/support/services.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const N = Number(arg('--records') ?? 40);
const admin = arg('--pg') ?? process.env.M4_TEST_POSTGRES_URL ?? 'postgres://m4:m4@127.0.0.1:5432/postgres';
const dir = mkdtempSync(join(tmpdir(), 'm4-bench-store-'));
const pgdb = await freshPostgresDatabase(admin, 'bench');

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const ms = (x: number): string => `${x.toFixed(2)} ms`;

try {
  const sqlite = SqliteSink.open(join(dir, 'bench.db'));
  const pg = await PostgresSink.open(pgdb.url);
  const times = { sqlite: [] as number[], postgres: [] as number[] };
  for (let i = 0; i < N + 3; i++) {
    const record = fixtureRecord((o) => {
      o.meta.run_id = `bench-${i}`;
    });
    const t0 = performance.now();
    sqlite.write(record);
    const t1 = performance.now();
    await pg.write(record);
    const t2 = performance.now();
    if (i >= 3) {
      times.sqlite.push(t1 - t0);
      times.postgres.push(t2 - t1);
    }
  }
  sqlite.close();
  await pg.close();
  const ratio = quantile(times.postgres, 0.5) / quantile(times.sqlite, 0.5);
  console.log(
    `record write, in process, ${N} records after 3 warm-ups (${JSON.stringify(fixtureRecord()).length.toLocaleString('en-US')} bytes of JSON each):`,
  );
  console.log(`  sqlite    median ${ms(quantile(times.sqlite, 0.5))}  p90 ${ms(quantile(times.sqlite, 0.9))}   (baseline)`);
  console.log(`  postgres  median ${ms(quantile(times.postgres, 0.5))}  p90 ${ms(quantile(times.postgres, 0.9))}   = ${ratio.toFixed(2)}× sqlite`);

  // End to end: the real command.
  let s = 3;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const y = rnd() < 0.3 ? 1 : 0;
    rows.push(JSON.stringify({ y, a: +(0.3 + 0.3 * y + 0.4 * (rnd() - 0.5)).toFixed(5), b: +(0.3 + 0.35 * y + 0.4 * (rnd() - 0.5)).toFixed(5) }));
  }
  const data = join(dir, 'scores.jsonl');
  writeFileSync(data, `${rows.join('\n')}\n`);
  const m4c = join(import.meta.dirname, '../bin/m4c.js');
  const e2e = { sqlite: [] as number[], postgres: [] as number[] };
  for (let i = 0; i < 3; i++) {
    for (const [kind, db] of [
      ['sqlite', join(dir, 'e2e.db')],
      ['postgres', pgdb.url],
    ] as const) {
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        [m4c, 'compare', '--data', data, '--control', 'a', '--treatment', 'b', '--label', 'y', '--task', 'binary', '--db', db],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`m4c compare --db ${kind} failed: ${r.stderr}`);
      e2e[kind].push(performance.now() - t0);
    }
  }
  console.log('m4c compare, 20,000 rows, end to end (3 runs each, alternating):');
  console.log(`  --db FILE.db        median ${(quantile(e2e.sqlite, 0.5) / 1000).toFixed(2)} s   (baseline)`);
  console.log(
    `  --db postgres://…   median ${(quantile(e2e.postgres, 0.5) / 1000).toFixed(2)} s   = ${(quantile(e2e.postgres, 0.5) / quantile(e2e.sqlite, 0.5)).toFixed(2)}×`,
  );
} finally {
  await pgdb.drop();
}
