/**
 * Quick fixes: apply a diagnostic's machine-applicable `suggestion` (did-you-mean and the like), and add
 * the arguments a model call is missing (M2004), bound to the value in scope that fits best.
 */
import { CodeActionKind, type CodeAction, type TextEdit } from 'vscode-languageserver';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { writeName } from '../grammar/language.ts';
import type { CallExpr, Decl } from '../grammar/ast.ts';
import type { OnnxValueInfo } from '../compiler/onnx-signature.ts';
import { spanRange, type Analysis } from './analysis.ts';
import { toLspDiagnostic } from './diagnostics.ts';
import { declAt, locate } from './locate.ts';

/** The quick fixes for the diagnostics that touch `[start, end]` (offsets). */
export function codeActions(a: Analysis, start: number, end: number): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of a.comp.diagnostics) {
    if (d.span.end < start || d.span.start > end) continue;
    if (d.suggestion) {
      out.push({
        title: d.suggestion.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [toLspDiagnostic(a, d)],
        isPreferred: true,
        edit: { changes: { [a.uri]: [{ range: spanRange(a.doc, d.suggestion.span), newText: d.suggestion.replacement }] } },
      });
    }
    if (d.code === 'M2004') {
      const fix = addMissingArguments(a, d);
      if (fix) out.push(fix);
    }
  }
  return out;
}

function addMissingArguments(a: Analysis, d: Diagnostic): CodeAction | undefined {
  const loc = locate(a.comp, d.span.start);
  if (loc?.kind !== 'callee') return undefined;
  const call = loc.call;
  const model = a.comp.models.get(call.callee.text);
  if (!model) return undefined;
  const bound = new Set(call.args.map((x) => x.name?.text));
  const missing = model.signature.inputs.filter((i) => !bound.has(i.name));
  if (missing.length === 0) return undefined;
  const owner = declAt(a.comp, call.span.start);
  const bindings = missing.map((i) => `${writeName(i.name)}: ${bestValueFor(a, i, owner)}`);
  const edit = insertArguments(a, call, bindings);
  if (!edit) return undefined;
  return {
    title: `add the missing argument${missing.length > 1 ? 's' : ''} ${missing.map((m) => `\`${m.name}\``).join(', ')}`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [toLspDiagnostic(a, d)],
    isPreferred: true,
    edit: { changes: { [a.uri]: [edit] } },
  };
}

/**
 * The value to bind an ONNX input to: a value of the same name, else the first value whose dtype, rank and
 * fixed dims fit the input, else the input's own name (an unknown name the checker will then point at).
 */
function bestValueFor(a: Analysis, input: OnnxValueInfo, owner: Decl | undefined): string {
  const values = [...a.comp.resolution.symbols.values()].filter(
    (s) => (s.kind === 'input' || s.kind === 'node' || s.kind === 'output') && s.decl !== owner,
  );
  const same = values.find((s) => s.name === input.name);
  if (same) return writeName(same.name);
  const fits = values.find((s) => {
    const t = a.comp.typing.declTypes.get(s);
    if (t === undefined || t.dtype !== input.type.dtype || t.dims.length !== input.type.dims.length) return false;
    const dims = a.comp.typing.resolved(t).dims;
    return dims.every((d, i) => {
      const want = input.type.dims[i];
      return typeof d !== 'number' || typeof want !== 'number' || d === want;
    });
  });
  return writeName(fits?.name ?? input.name);
}

function insertArguments(a: Analysis, call: CallExpr, bindings: string[]): TextEdit | undefined {
  const text = a.doc.getText();
  const last = call.args[call.args.length - 1];
  if (last) {
    const pos = a.doc.positionAt(last.span.end);
    return { range: { start: pos, end: pos }, newText: `, ${bindings.join(', ')}` };
  }
  const open = text.indexOf('(', call.callee.span.end);
  if (open === -1 || open >= call.span.end) return undefined;
  const pos = a.doc.positionAt(open + 1);
  return { range: { start: pos, end: pos }, newText: bindings.join(', ') };
}
