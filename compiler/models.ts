/**
 * The models pass: each `model NAME = onnx("path")` is read for its ONNX signature (names, dtypes,
 * shapes); each `model NAME = external(...)` gets its declared signature (external-model.ts). The path is relative to the `.m4` file. A missing or non-ONNX file is a diagnostic at the path
 * string; the rest of the file is still checked (calls of that model are then left unchecked).
 */
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import type { ModelDecl, Program } from '../grammar/ast.ts';
import { NOTE } from './diagnostics/catalogue.ts';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import { externalModel } from './external-model.ts';
import { readOnnxSignature, type OnnxSignature } from './onnx-signature.ts';

export interface ModelInfo {
  name: string;
  decl: ModelDecl;
  /** The path as written in the .m4 file. */
  sourcePath: string;
  absPath: string;
  sha256: string;
  signature: OnnxSignature;
  /** Set for `external(...)`: checked by its declared signature, never run (paths are then empty). */
  external?: { backend: string | null };
}

/** Model name → info, for the models whose file could be read. */
export type ModelTable = Map<string, ModelInfo>;

export interface ModelsOptions {
  /** Directory the model paths are relative to (the .m4 file's directory). */
  baseDir: string;
}

export function modelsPass(program: Program, opts: ModelsOptions): PassResult<ModelTable> {
  const diagnostics: Diagnostic[] = [];
  const table: ModelTable = new Map();
  for (const decl of program.decls) {
    if (decl.kind !== 'model' || !decl.name) continue;
    if (decl.loader?.text === 'external') {
      const ext = externalModel(decl, diagnostics);
      if (!ext || table.has(decl.name.text)) continue;
      diagnostics.push(diag('M2013', decl.name.span, { model: decl.name.text, backend: ext.backend ?? 'external' }));
      table.set(decl.name.text, {
        name: decl.name.text,
        decl,
        sourcePath: '',
        absPath: '',
        sha256: ext.sha256,
        signature: ext.signature,
        external: { backend: ext.backend },
      });
      continue;
    }
    if (decl.loader && decl.loader.text !== 'onnx') {
      diagnostics.push(diag('M1008', decl.loader.span, { loader: decl.loader.text }));
      continue;
    }
    for (const o of decl.options)
      diagnostics.push(diag('M2012', o.span, { model: decl.name.text, reason: "`onnx` takes only the model file's path" }));
    if (!decl.path) continue; // a syntax error was reported already
    const sourcePath = decl.path.value;
    const absPath = isAbsolute(sourcePath) ? sourcePath : resolvePath(opts.baseDir, sourcePath);
    const read = readOnnxSignature(absPath);
    if (!read.ok) {
      if (read.kind === 'missing') diagnostics.push(diag('M2001', decl.path.span, { path: sourcePath }, { notes: [NOTE.lookedFor(absPath)] }));
      else diagnostics.push(diag('M2002', decl.path.span, { path: sourcePath, reason: read.message }));
      continue;
    }
    if (table.has(decl.name.text)) continue; // duplicate name, reported by resolve
    table.set(decl.name.text, { name: decl.name.text, decl, sourcePath, absPath, sha256: read.sha256, signature: read.signature });
  }
  return { result: table, diagnostics };
}

/** The directory model and sink paths are relative to. */
export function baseDirOf(file: string): string {
  return dirname(resolvePath(file));
}
