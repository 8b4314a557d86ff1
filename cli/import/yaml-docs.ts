/**
 * Kubernetes-style YAML (Seldon Core 2 and KServe resources) read with the `yaml` package, keeping node
 * positions so every diagnostic names the file and line of the field it is about. A file may hold several
 * documents (`---`); a directory is every `.yaml`/`.yml` file in it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node, type YAMLMap } from 'yaml';
import { diag, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../../grammar/ast.ts';

/** One resource: `kind`, `metadata.name`, its `spec`, and how to turn its nodes into spans. */
export interface Resource {
  kind: string;
  apiVersion: string;
  name: string;
  file: string;
  root: YAMLMap;
  spec: YAMLMap | undefined;
  span(node: Node | null | undefined): Span;
}

export interface YamlSet {
  resources: Resource[];
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

/** Read every resource of a file or a directory of YAML files. */
export function readResources(path: string): YamlSet {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.ya?ml$/i.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  const set: YamlSet = { resources: [], diagnostics: [], sources: new Map() };
  for (const f of files) if (existsSync(f)) readFile(f, set);
  return set;
}

function readFile(file: string, set: YamlSet): void {
  const text = readFileSync(file, 'utf8');
  set.sources.set(file, text);
  const lc = new LineCounter();
  const spanAt = (start: number, end: number): Span => {
    const a = lc.linePos(start);
    const b = lc.linePos(Math.max(start, end));
    return { file, start, end: Math.max(start + 1, end), line: a.line, column: a.col, endLine: b.line, endColumn: b.col + (end > start ? 0 : 1) };
  };
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      set.diagnostics.push(diag('M8001', spanAt(e.pos[0], e.pos[1]), { format: 'YAML', message: firstLine(e.message) }));
      continue;
    }
    const root = doc.contents;
    if (!isMap(root)) continue;
    const kind = str(root, 'kind') ?? '';
    const apiVersion = str(root, 'apiVersion') ?? '';
    const meta = root.get('metadata', true);
    const name = isMap(meta) ? (str(meta, 'name') ?? '') : '';
    const spec = root.get('spec', true);
    const span = (node: Node | null | undefined): Span => {
      const r = node?.range ?? root.range;
      return r ? spanAt(r[0], r[1]) : spanAt(0, 0);
    };
    set.resources.push({ kind, apiVersion, name, file, root, spec: isMap(spec) ? spec : undefined, span });
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** A scalar child as a string. */
export function str(map: YAMLMap, key: string): string | undefined {
  const v = map.get(key, true);
  return isScalar(v) && v.value !== null && v.value !== undefined ? String(v.value) : undefined;
}

/** A scalar child as a number. */
export function num(map: YAMLMap, key: string): number | undefined {
  const v = map.get(key, true);
  return isScalar(v) && typeof v.value === 'number'
    ? v.value
    : isScalar(v) && typeof v.value === 'string' && /^-?\d+(\.\d+)?$/.test(v.value)
      ? Number(v.value)
      : undefined;
}

export function mapAt(map: YAMLMap | undefined, key: string): YAMLMap | undefined {
  const v = map?.get(key, true);
  return isMap(v) ? v : undefined;
}

/** Items of a sequence child (an absent key is an empty list). */
export function seqAt(map: YAMLMap | undefined, key: string): Node[] {
  const v = map?.get(key, true);
  return isSeq(v) ? (v.items as Node[]) : [];
}

/** The node of a child, for spans. */
export function nodeAt(map: YAMLMap | undefined, key: string): Node | undefined {
  const v = map?.get(key, true);
  return v && typeof v === 'object' ? (v as Node) : undefined;
}

export { isMap, isScalar, isSeq };
export type { Node, YAMLMap };
