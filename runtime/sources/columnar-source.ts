/**
 * The source of columnar files (Parquet, Arrow IPC): the same batches, row ids, field mapping,
 * optional inputs, bad-row reasons, limit and shards as the text sources, read a group (Parquet row
 * group, Arrow record batch) at a time.
 *
 * - A field path names a column (`tx`), a struct field (`payload.score`), or a column literally
 *   named `payload.score`. Gathered inputs (`from [...]`) read one scalar column per path.
 * - A null (no value) is a missing field, like an empty CSV cell: it makes an optional input absent
 *   when it is the first good row's, and is a `missing-field` bad row elsewhere; a null element
 *   inside a list is `nan`, as in JSON.
 * - Numeric columns and lists of numbers stored as typed arrays are copied straight into the batch
 *   (each element checked as the JSON path would: NaN, f32 overflow, integrality); other columns go
 *   through the JSON value writer, so verdicts and messages are those of JSONL.
 * - Row ids are row positions in the file; "line" in messages is the 1-based row number.
 * - Shards: with at least as many groups as shards, shard i reads only groups g with
 *   g % N === i (whole groups: nothing else is decoded); otherwise rows are interleaved by row id as
 *   in text files. Either way the shards' rows are disjoint and together are every row.
 */
import { BadRow, badRow } from './bad-row.ts';
import { BatchBuilder, allocSlotData } from './batch-builder.ts';
import { fillColumn, missingField, writeColumns, writeField } from './columnar-fill.ts';
import { columnKey, type ColumnChunk, type ColumnarFile } from './columnar-file.ts';
import type { InputSlot, SourceLayout } from './input-layout.ts';
import { discoverFieldDims, writeFieldValue } from './json-value-writer.ts';
import { layoutFromObservation, type SlotObservation } from './layout-discovery.ts';
import { SourceError } from './source-error.ts';
import { DEFAULT_MAX_EXAMPLES, freshStats, type Batch, type DataSource, type SourceOptions, type SourceStats } from './source-types.ts';
import { DONE, SerialBatches } from './serial-batches.ts';
import { sha256Of } from './file-hash.ts';

export class ColumnarSource extends SerialBatches implements DataSource {
  readonly stats: SourceStats;
  private file: ColumnarFile | null = null;
  private layout: SourceLayout | null = null;
  /** Per slot (layout order), per path: the column's index in `paths`. */
  private slotCols: number[][] = [];
  /** Column paths read, in order; null entries are columns the file does not have. */
  private paths: string[][] = [];
  private present: boolean[] = [];
  private groups: number[] = [];
  private groupStarts: number[] = [];
  private byGroup = false;
  private next_ = 0;
  private cur: ColumnChunk[] | null = null;
  private curGroup = -1;
  private row = 0;
  private batch: BatchBuilder | null = null;
  /** Column fill: per row of the range, 0 or 1 + the first input that found it bad. */
  private flags = new Uint8Array(0);
  private finished = false;
  /** The file's opening (hash, footer, layout), started by prepare() or the first step. */
  private opening: Promise<void> | null = null;
  /** Stops the sha256 pass when the source is closed before it is done. */
  private readonly hashAbort = new AbortController();
  /**
   * The sha256 pass, awaited at the end, never before the first batch: started with the opening, or — when
   * the file hashes itself off this thread — with the first batch, so that it does not compete with the
   * models' loading for the cores.
   */
  private hashing: Promise<void> | null = null;
  /** The opening finished: rows may have been read, so the record must name the file (see close()). */
  private opened = false;
  /** The group whose first good row fixed the layout (already decoded), or -1. */
  private discovered = -1;
  private readonly limit: number;
  private readonly shardIndex: number;
  private readonly shardCount: number;
  private readonly maxExamples: number;

  constructor(
    private readonly path: string,
    private readonly opts: SourceOptions,
    private readonly slots: InputSlot[],
    private readonly opener: (path: string) => Promise<ColumnarFile>,
    totalBytes: number,
    private readonly tuning: { columnFill: boolean } = { columnFill: true },
  ) {
    super();
    this.limit = opts.limit ?? Infinity;
    this.shardIndex = opts.shard?.index ?? 0;
    this.shardCount = opts.shard?.count ?? 1;
    this.maxExamples = opts.maxExamples ?? DEFAULT_MAX_EXAMPLES;
    this.stats = freshStats(totalBytes, { bytes: totalBytes, sha256: '', complete: false });
  }

  async close(): Promise<void> {
    this.finished = true;
    // Stopped during start-up: nothing was read, the hash is not needed. Stopped later (an interrupt
    // between batches): the rows read so far were this file's, and the record says which file.
    if (!this.opened) this.hashAbort.abort();
    else {
      this.startHash();
      await this.hashing?.catch(() => undefined);
    }
    // An opening under way (prepare) would set the file after this: let it finish, then close that file.
    await this.opening?.catch(() => undefined);
    const f = this.file;
    this.file = null;
    await f?.close();
  }

  /**
   * Open the file now: hash, footer, layout (decoding the group of the first good row), and the first
   * group this source reads fetched ahead — no row counted, so the caller may do it while the models load.
   */
  prepare(): Promise<void> {
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<void> {
    const f = await this.opener(this.path);
    this.file = f;
    if (f.sha256 === undefined) this.startHash();
    const have = new Set(f.columns);
    for (const slot of this.slots) {
      const missing = slot.paths.filter((p) => !have.has(columnKey(p)));
      if (missing.length > 0 && !(slot.optional && missing.length === slot.paths.length)) {
        const shown = f.columns.slice(0, 20).join(', ') + (f.columns.length > 20 ? ', …' : '');
        throw new SourceError(this.path, null, 'missing-field', `column "${columnKey(missing[0]!)}" is not in the file (it has: ${shown})`);
      }
    }
    let at = 0;
    for (const n of f.groupRows) {
      this.groupStarts.push(at);
      at += n;
    }
    this.byGroup = this.shardCount > 1 && f.groupRows.length >= this.shardCount;
    this.groups = f.groupRows.map((_, g) => g).filter((g) => !this.byGroup || g % this.shardCount === this.shardIndex);
    this.layout = await this.discover();
    if (this.layout !== null) {
      this.stats.absentOptional = [...this.layout.absentOptional];
      for (const slot of this.layout.slots) {
        const cols: number[] = [];
        for (const p of slot.paths) {
          cols.push(this.paths.length);
          this.paths.push(p);
        }
        this.slotCols.push(cols);
      }
    } else {
      // No row fixes a layout: read every column there is, so each row gets its own verdict.
      this.paths = this.slots.flatMap((s) => s.paths).filter((p) => have.has(columnKey(p)));
    }
    // The first group to read is decoded already when it fixed the layout: fetch the one after it.
    const ahead = this.groups[0] === this.discovered ? this.groups[1] : this.groups[0];
    if (ahead !== undefined && !this.finished) f.prefetch?.(ahead, this.paths);
    this.opened = !this.finished;
  }

  /**
   * The data identity a merge checks: the whole file's sha256 (every shard reads the same file, whichever
   * groups it decodes), hashed in one sequential read — by the file itself off this thread when it can (a
   * Parquet file's decode thread), else on a thread of its own for a large file, else here — while the rows
   * flow: the first batch does not wait for it, the end does (hashed()). Started once.
   */
  private startHash(): void {
    if (this.hashing !== null) return;
    const f = this.file;
    const signal = this.hashAbort.signal;
    const pass = f?.sha256 !== undefined ? f.sha256(signal) : sha256Of(this.path, this.stats.totalBytes ?? 0, signal);
    this.hashing = pass.then((sha256) => {
      this.stats.read = { ...this.stats.read, sha256 };
    });
    this.hashing.catch(() => undefined);
  }

  /** The file's sha256 in the stats: the end of the source waits for its pass (an unreadable file fails the run). */
  private async hashed(): Promise<void> {
    await this.hashing;
  }

  /** The layout from the file's first good row (whatever the shard), or null when no row is good. */
  private async discover(): Promise<SourceLayout | null> {
    const f = this.file!;
    const all = this.slots.flatMap((s) => s.paths);
    const have = new Set(f.columns);
    const readable = all.filter((p) => have.has(columnKey(p)));
    for (let g = 0; g < f.groupRows.length; g++) {
      const chunks = await f.readGroup(g, readable);
      const byKey = new Map(readable.map((p, i) => [columnKey(p), chunks[i]!]));
      for (let i = 0; i < f.groupRows[g]!; i++) {
        const found = this.observe(byKey, i);
        if (!(found instanceof BadRow)) {
          this.discovered = g;
          return found;
        }
      }
    }
    return null;
  }

  /** A layout from row i of a group's columns, or why the row cannot fix one. */
  private observe(byKey: Map<string, ColumnChunk>, i: number): SourceLayout | BadRow {
    const seen: SlotObservation[] = [];
    const values: unknown[][] = [];
    for (const slot of this.slots) {
      const vs = slot.paths.map((p) => byKey.get(columnKey(p))?.get(i) ?? null);
      values.push(vs);
      const missing = vs.findIndex((v) => v === null);
      if (missing >= 0) {
        if (slot.optional && vs.every((v) => v === null)) {
          seen.push({ present: false });
          continue;
        }
        return missingField(slot.paths[missing]!);
      }
      if (slot.kind === 'columns') {
        seen.push({ present: true, dims: [slot.paths.length] });
        continue;
      }
      const dims = discoverFieldDims(slot, vs[0]);
      if (dims instanceof BadRow) return dims;
      seen.push({ present: true, dims });
    }
    const layout = layoutFromObservation(this.slots, seen);
    if (layout instanceof BadRow) return layout;
    const data = allocSlotData(layout, 1);
    for (let s = 0; s < layout.slots.length; s++) {
      const slot = layout.slots[s]!;
      const vs = values[this.slots.findIndex((x) => x.name === slot.name)]!;
      const bad = slot.kind === 'field' ? writeFieldValue(slot, vs[0], data[s]!, 0) : writeColumns(slot, vs, data[s]!, 0);
      if (bad !== null) return bad;
    }
    return layout;
  }

  protected async step(): Promise<IteratorResult<Batch>> {
    if (this.finished) return DONE;
    try {
      await this.prepare();
      // The rows start: the file's hash may start now if it waited for them (idempotent).
      this.startHash();
      if (this.opts.signal?.aborted || this.stats.rowsGood >= this.limit) {
        await this.close();
        return DONE;
      }
      if (this.layout !== null) this.batch = new BatchBuilder(this.layout, Math.min(this.opts.batchSize, this.limit - this.stats.rowsGood));
      for (;;) {
        if (this.cur === null || this.row >= this.file!.groupRows[this.curGroup]!) {
          if (this.next_ >= this.groups.length) break;
          this.curGroup = this.groups[this.next_++]!;
          this.cur = await this.file!.readGroup(this.curGroup, this.paths);
          if (this.next_ < this.groups.length) this.file!.prefetch?.(this.groups[this.next_]!, this.paths);
          this.row = 0;
          this.stats.bytesRead += this.file!.groupBytes[this.curGroup]!;
          if (this.layout === null) {
            this.countLayoutless();
            continue;
          }
        }
        if (this.fill()) break;
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    const batch = this.batch;
    this.batch = null;
    if (this.next_ >= this.groups.length && (this.cur === null || this.row >= this.file!.groupRows[this.curGroup]!)) this.ended();
    if (batch !== null && batch.rows > 0) return { done: false, value: batch.finish() };
    try {
      await this.hashed();
    } finally {
      await this.close();
    }
    return DONE;
  }

  /** Every row of the file has been examined (by this shard or, for its groups, by the others). */
  private ended(): void {
    this.stats.rowsTotal = this.file!.groupRows.reduce((a, b) => a + b, 0);
    this.stats.read = { ...this.stats.read, complete: true };
  }

  /** No row of the file fixes a layout: every row of this shard is bad, for the reason its own check gives. */
  private countLayoutless(): void {
    const rows = this.file!.groupRows[this.curGroup]!;
    const start = this.groupStarts[this.curGroup]!;
    const byKey = new Map(this.paths.map((p, k) => [columnKey(p), this.cur![k]!]));
    for (let i = 0; i < rows; i++) {
      const id = start + i;
      if (!this.byGroup && id % this.shardCount !== this.shardIndex) continue;
      this.stats.rowsRead++;
      const v = this.observe(byKey, i);
      this.badRow(v instanceof BadRow ? v : badRow('missing-field', 'no value'), id + 1);
    }
    this.row = rows;
  }

  /** Rows of the current group into the batch until it is full (true) or the group ends (false). Synchronous. */
  private fill(): boolean {
    return this.tuning.columnFill && (this.byGroup || this.shardCount === 1) ? this.fillByColumn() : this.fillByRow();
  }

  /**
   * Column at a time: the rows that fit the batch, every input written over the whole range
   * (columnar-fill.ts), then each row in order either kept (moved down over the bad rows before it)
   * or counted bad with the verdict of the row writer for the first input that marked it.
   */
  private fillByColumn(): boolean {
    const b = this.batch!;
    const layout = this.layout!;
    const rows = this.file!.groupRows[this.curGroup]!;
    const start = this.groupStarts[this.curGroup]!;
    const stats = this.stats;
    const slots = layout.slots;
    while (this.row < rows && !b.full) {
      const r0 = this.row;
      const n = Math.min(b.capacity - b.rows, rows - r0);
      const base = b.rows;
      if (this.flags.length < n) this.flags = new Uint8Array(b.capacity);
      const flags = this.flags;
      flags.fill(0, 0, n);
      for (let s = 0; s < slots.length; s++) {
        const slot = slots[s]!;
        const cols = this.slotCols[s]!;
        if (slot.kind === 'field') fillColumn(slot, this.cur![cols[0]!]!, r0, n, b.data[s]!, base, flags, s + 1);
        else
          for (let k = 0; k < n; k++) {
            const values = cols.map((c) => this.cur![c]!.get(r0 + k));
            if (flags[k] === 0 && writeColumns(slot, values, b.data[s]!, (base + k) * slot.rowSize) !== null) flags[k] = s + 1;
          }
      }
      this.row += n;
      stats.rowsRead += n;
      for (let k = 0; k < n; k++) {
        const id = start + r0 + k;
        const tag = flags[k]!;
        if (tag === 0) {
          if (b.rows !== base + k) b.moveRow(base + k, b.rows);
          b.commit(id, id + 1);
          stats.rowsGood++;
          continue;
        }
        const s = tag - 1;
        const slot = slots[s]!;
        const cols = this.slotCols[s]!;
        // The verdict, written where the bad row sits (it is dropped; no kept row lives there yet).
        const off = (base + k) * slot.rowSize;
        const bad =
          slot.kind === 'field'
            ? writeField(slot, this.cur![cols[0]!]!, r0 + k, b.data[s]!, off)
            : writeColumns(
                slot,
                cols.map((c) => this.cur![c]!.get(r0 + k)),
                b.data[s]!,
                off,
              );
        if (bad === null) throw new Error(`columnar source: row ${id + 1} of input "${slot.name}" was marked bad but its value is good`);
        this.badRow(bad, id + 1);
      }
    }
    return b.full;
  }

  /** Row by row (interleaved shards): each row's inputs in order, the first bad one its verdict. */
  private fillByRow(): boolean {
    const b = this.batch!;
    const layout = this.layout!;
    const rows = this.file!.groupRows[this.curGroup]!;
    const start = this.groupStarts[this.curGroup]!;
    const stats = this.stats;
    const interleaved = !this.byGroup && this.shardCount > 1;
    while (this.row < rows) {
      if (b.full) return true;
      const i = this.row++;
      const id = start + i;
      if (interleaved && id % this.shardCount !== this.shardIndex) continue;
      stats.rowsRead++;
      let bad: BadRow | null = null;
      for (let s = 0; s < layout.slots.length && bad === null; s++) {
        const slot = layout.slots[s]!;
        const cols = this.slotCols[s]!;
        const off = b.rows * slot.rowSize;
        bad =
          slot.kind === 'field'
            ? writeField(slot, this.cur![cols[0]!]!, i, b.data[s]!, off)
            : writeColumns(
                slot,
                cols.map((c) => this.cur![c]!.get(i)),
                b.data[s]!,
                off,
              );
      }
      if (bad !== null) {
        this.badRow(bad, id + 1);
        continue;
      }
      b.commit(id, id + 1);
      stats.rowsGood++;
    }
    return b.full;
  }

  private badRow(bad: BadRow, line: number): void {
    const stats = this.stats;
    stats.skipped[bad.reason] = (stats.skipped[bad.reason] ?? 0) + 1;
    if (this.opts.onBadRow === 'fail') throw new SourceError(this.path, line, bad.reason, bad.detail);
    if (stats.examples.length < this.maxExamples) stats.examples.push({ line, reason: bad.reason, detail: bad.detail });
  }
}
