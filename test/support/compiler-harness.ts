/**
 * Helpers for compiler tests: the ONNX fixtures in a temporary directory (as `models/NAME.onnx`), compiling
 * inline sources against them, and rendering diagnostics the way golden files store them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource, type Compilation } from '../../compiler/compile.ts';
import { renderHuman } from '../../compiler/diagnostics/render-human.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { makeOnnxFixtures } from './onnx-fixtures.ts';

let fixtureDir: string | undefined;

/** A directory holding `models/*.onnx` (every fixture), made once per test process. */
export function fixtureBaseDir(): string {
  if (!fixtureDir) {
    fixtureDir = mkdtempSync(join(tmpdir(), 'm4-compiler-'));
    makeOnnxFixtures(join(fixtureDir, 'models'));
  }
  return fixtureDir;
}

/** Compile inline source with model paths relative to the fixture directory. */
export function compileInline(text: string, file = 'test.m4'): Compilation {
  return compileSource(text, file, { baseDir: fixtureBaseDir() });
}

/** Diagnostics as golden files store them: no colour, temporary paths replaced by `<fixtures>`. */
export function renderForGolden(ds: readonly Diagnostic[], file: string, text: string): string {
  const out = renderHuman(ds, { color: false, sources: new Map([[file, text]]) });
  return fixtureDir ? out.split(fixtureDir).join('<fixtures>') : out;
}

/** `expectDiagnostic(src, { code, at })`: the diagnostic with `code` whose span starts at the text `at`. */
export function findDiagnostic(c: Compilation, code: string, at?: string): Diagnostic | undefined {
  return c.diagnostics.find((d) => d.code === code && (at === undefined || c.text.slice(d.span.start, d.span.start + at.length) === at));
}
