/**
 * Names as `m4c init` writes them: identifiers, quoted names for ONNX names that are not identifiers,
 * string literals, and an allocator that keeps every generated declaration name unique.
 */

import { isKeyword, replaceNonIdentifierRuns } from '../../grammar/language.ts';

// The language's own facts (keywords, identifiers, how a name is written) live in grammar/language.ts.
export { isPlainName, isWritableName, writeName } from '../../grammar/language.ts';

/** A string literal (JSON escapes, which the grammar accepts). */
export function writeString(text: string): string {
  return JSON.stringify(text);
}

/**
 * An identifier made from arbitrary text (a file stem, a field name): runs of other characters become
 * one `_`, a leading digit gets a `m_` prefix, and a keyword gets a `_` suffix. Never empty.
 */
export function toIdentifier(text: string, fallback: string): string {
  let id = replaceNonIdentifierRuns(text, '_').replace(/^_+|_+$/g, '');
  if (id === '') return fallback;
  if (/^[0-9]/.test(id)) id = `m_${id}`;
  if (isKeyword(id)) id = `${id}_`;
  return id;
}

/**
 * Hands out declaration names, all distinct (the language has one namespace for inputs, models, nodes,
 * outputs and comparisons). Names reserved first (the models' input names) win; later requests for a
 * taken name get a numbered variant.
 */
export class NameAllocator {
  private readonly taken = new Set<string>();

  /** Mark `name` as used; returns false when it already was. */
  reserve(name: string): boolean {
    if (this.taken.has(name)) return false;
    this.taken.add(name);
    return true;
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }

  /** `wanted` if free, else `wanted_2`, `wanted_3`, ... — reserved before returning. */
  allocate(wanted: string): string {
    let name = wanted;
    for (let k = 2; this.taken.has(name); k++) name = `${wanted}_${k}`;
    this.taken.add(name);
    return name;
  }
}

/** The key used to match names loosely: lower case, letters and digits only (`Float_Input` → `floatinput`). */
export function looseKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}
