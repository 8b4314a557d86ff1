/**
 * A Map whose changes can be undone: an incremental session's fast path (recheck.ts) changes the last
 * check's maps in place and, when it finds it cannot be sure of its result, puts them back as they were
 * before handing the edit to the slower path. Changes are written down only between `begin` and
 * `commit`/`rollback`, so a full check pays one property read per change.
 */
export class UndoMap<K, V> extends Map<K, V> {
  private log: { key: K; had: boolean; value: V | undefined }[] | undefined;

  /** Start writing changes down. */
  begin(): void {
    this.log = [];
  }

  /** Keep the changes since `begin`. */
  commit(): void {
    this.log = undefined;
  }

  /** Undo the changes since `begin` (the entries are as they were; a restored one may iterate later). */
  rollback(): void {
    const log = this.log;
    this.log = undefined;
    if (!log) return;
    for (let i = log.length - 1; i >= 0; i--) {
      const e = log[i]!;
      if (e.had) super.set(e.key, e.value as V);
      else super.delete(e.key);
    }
  }

  override set(key: K, value: V): this {
    if (this.log) this.log.push({ key, had: super.has(key), value: super.get(key) });
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    if (this.log && super.has(key)) this.log.push({ key, had: true, value: super.get(key) });
    return super.delete(key);
  }
}
