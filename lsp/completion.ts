/**
 * Completion: names in scope, ops, op parameters (from their JSON Schemas), a called model's ONNX input
 * names and, after `).`, its output names, compare fields, metrics valid for the comparison's task inside
 * `metrics: [...]` and gates, tasks, sinks, keywords and dtypes. The context comes from the tokens before
 * the cursor (completion-context.ts); the candidates from the analysis. The editor filters by the prefix.
 *
 * A document can declare a hundred thousand names: past {@link MAX_COMPLETION_ITEMS} candidates, the list is
 * ranked against the word being typed and cut (see {@link rankValues}), marked incomplete so the editor asks
 * again as the word grows, and only the kept items get their (costly) documentation.
 */
import { CompletionItemKind, MarkupKind, type CompletionItem, type CompletionList } from 'vscode-languageserver';
import type { Compilation } from '../compiler/compile.ts';
import { COMPARE_FIELDS, TASKS } from '../compiler/compare-check.ts';
import { DECLARATION_KEYWORDS, isIdentifierChar, writeName } from '../grammar/language.ts';
import type { CompareDecl } from '../grammar/ast.ts';
import { METRIC_CATALOGUE, type MetricInfo } from '../stdlib/metrics/catalogue.ts';
import { OPS, getOp } from '../stdlib/ops/index.ts';
import { INPUT_DTYPES, formatType } from '../plan/tensor-type.ts';
import type { Analysis } from './analysis.ts';
import { completionContext, type CompletionContext } from './completion-context.ts';
import { describeMetric, describeModel, describeOp, describeParamType, describeSymbol, opSignature, symbolType } from './describe.ts';
import { COMPARE_FIELD_DOCS, DTYPE_DOCS, GATE_FIELD_DOCS, KEYWORD_DOCS, SINK_DOCS, TASK_DOCS } from './language-docs.ts';

/** At most this many items per answer (VS Code itself shows the first few dozen). */
export const MAX_COMPLETION_ITEMS = 500;

/** The completion items at `offset`: every candidate, or the best {@link MAX_COMPLETION_ITEMS} of them. */
export function complete(a: Analysis, offset: number): CompletionItem[] {
  return completionList(a, offset).items;
}

/** {@link complete} as the LSP answer: `isIncomplete` when candidates were cut. */
export function completionList(a: Analysis, offset: number): CompletionList {
  const text = a.doc.getText();
  let start = offset;
  while (start > 0 && isIdentifierChar(text[start - 1]!)) start--;
  const want: Want = { prefix: text.slice(start, offset), offset };
  const items = itemsFor(a.comp, completionContext(text, declStartBefore(a.comp, offset), offset), want);
  const isIncomplete = want.cut === true;
  return { isIncomplete, items: items.length > MAX_COMPLETION_ITEMS ? items.slice(0, MAX_COMPLETION_ITEMS) : items };
}

/** What is being typed: the word before the cursor and where; `cut` is set when candidates were dropped. */
interface Want {
  prefix: string;
  offset: number;
  cut?: boolean;
}

/** The start of the last declaration that starts at or before `offset` (0 when none does). */
function declStartBefore(comp: Compilation, offset: number): number {
  const decls = comp.program.decls;
  let lo = 0;
  let hi = decls.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (decls[mid]!.span.start < offset) {
      best = decls[mid]!.span.start;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

function itemsFor(comp: Compilation, ctx: CompletionContext, want: Want): CompletionItem[] {
  switch (ctx.kind) {
    case 'none':
      return [];
    case 'declaration':
      return keywords(DECLARATION_KEYWORDS);
    case 'dtype':
      return INPUT_DTYPES.map((d) => ({ label: d, kind: CompletionItemKind.TypeParameter, detail: DTYPE_DOCS[d] }));
    case 'dim': {
      const dims = new Set<string>(['batch']);
      for (const d of comp.program.decls) if (d.kind === 'input') for (const dim of d.type?.dims ?? []) if (dim.kind === 'symbol') dims.add(dim.name);
      return [...dims].map((d) => ({ label: d, kind: CompletionItemKind.TypeParameter, detail: 'symbolic dimension: one size everywhere' }));
    }
    case 'after-type':
      return keywords(ctx.hasOptional ? ['from'] : ['optional', 'from']);
    case 'loader':
      return [
        { label: 'onnx', kind: CompletionItemKind.Function, detail: 'onnx("PATH"): an ONNX model file, relative to this file', insertText: 'onnx' },
      ];
    case 'value':
      return values(comp, ctx.owner, want);
    case 'argument':
      return argumentItems(comp, ctx.callee, ctx.given, ctx.owner, want);
    case 'param-value': {
      const op = comp.resolution.symbols.has(ctx.callee) ? undefined : getOp(ctx.callee);
      if (!op) return values(comp, ctx.owner, want);
      const schema = op.params.properties[ctx.param];
      if (!schema) return [];
      if (Array.isArray(schema.enum))
        return schema.enum.map((v) => ({ label: JSON.stringify(v), kind: CompletionItemKind.EnumMember, detail: schema.description }));
      if (schema.type === 'boolean') return keywords(['true', 'false']);
      return [];
    }
    case 'output': {
      const info = comp.resolution.symbols.get(ctx.callee)?.kind === 'model' ? comp.models.get(ctx.callee) : undefined;
      if (!info) return [];
      return info.signature.outputs.map((o) => ({
        label: writeName(o.name),
        kind: CompletionItemKind.Field,
        detail: formatType(o.type),
        documentation: `ONNX output of model \`${info.name}\``,
      }));
    }
    case 'compare-item': {
      const decl = compareAt(comp, ctx.compareStart);
      const given = new Set(decl?.fields.map((f) => f.key.text));
      const fields: CompletionItem[] = COMPARE_FIELDS.filter((f) => !given.has(f)).map((f, i) => ({
        label: f,
        kind: CompletionItemKind.Property,
        insertText: COMPARE_FIELD_DOCS[f].snippet,
        sortText: `0${i.toString().padStart(2, '0')}`,
        documentation: { kind: MarkupKind.Markdown, value: COMPARE_FIELD_DOCS[f].doc },
      }));
      return [...fields, ...keywords(['gate', 'sink']).map((k) => ({ ...k, insertText: `${k.label} `, sortText: `1${k.label}` }))];
    }
    case 'task':
      return TASKS.map((t) => ({
        label: t,
        kind: CompletionItemKind.EnumMember,
        insertText: TASK_DOCS[t].insert,
        detail: TASK_DOCS[t].insert,
        documentation: { kind: MarkupKind.Markdown, value: TASK_DOCS[t].doc },
      }));
    case 'metric': {
      const given = new Set(ctx.given);
      return metricsFor(comp, ctx.compareStart)
        .filter((m) => !given.has(m.name))
        .map(metricItem);
    }
    case 'gate-metric': {
      const metrics = metricsFor(comp, ctx.compareStart).filter((m) => m.value === 'scalar' && (ctx.side === undefined || m.kind === 'model'));
      const items = metrics.map(metricItem);
      if (ctx.side === undefined) {
        for (const side of ['control', 'treatment'])
          items.push({ label: side, kind: CompletionItemKind.Keyword, insertText: `${side}.`, detail: GATE_FIELD_DOCS[side], sortText: `~${side}` });
      }
      return items;
    }
    case 'gate-field': {
      const m = METRIC_CATALOGUE[ctx.metric];
      if (!m || m.kind !== 'model') return [];
      return ['delta', 'ratio'].map((f) => ({ label: f, kind: CompletionItemKind.Field, detail: GATE_FIELD_DOCS[f] }));
    }
    case 'sink':
      return Object.entries(SINK_DOCS).map(([k, v]) => ({
        label: k,
        kind: CompletionItemKind.Function,
        insertText: v.insert,
        detail: v.insert,
        documentation: v.doc,
      }));
  }
}

function keywords(words: readonly string[]): CompletionItem[] {
  return words.map((w) => ({ label: w, kind: CompletionItemKind.Keyword, ...(KEYWORD_DOCS[w] ? { detail: KEYWORD_DOCS[w] } : {}) }));
}

/** A value candidate: cheap to rank, made into an item (with its documentation) only when kept. */
interface Candidate {
  name: string;
  /** 1 inputs, nodes and outputs; 2 ops; 3 models (the unranked order, as `sortText` prefixes). */
  group: number;
  /** Where the name is declared (ops: -1). */
  at: number;
  item: () => CompletionItem;
}

/** Inputs, nodes and outputs (not the declaration being written), then ops, then models. */
function values(comp: Compilation, owner: string | undefined, want: Want, room = MAX_COMPLETION_ITEMS): CompletionItem[] {
  const candidates: Candidate[] = [];
  for (const sym of comp.resolution.symbols.values()) {
    if (sym.name === owner) continue;
    if (sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') {
      candidates.push({
        name: sym.name,
        group: 1,
        at: sym.nameSpan.start,
        item: () => ({
          label: writeName(sym.name),
          kind: sym.kind === 'input' ? CompletionItemKind.Variable : CompletionItemKind.Value,
          sortText: `1${sym.name}`,
          detail: `${sym.kind} ${symbolType(comp, sym) ?? ''}`.trim(),
          documentation: { kind: MarkupKind.Markdown, value: describeSymbol(comp, sym) },
        }),
      });
    } else if (sym.kind === 'model') {
      candidates.push({
        name: sym.name,
        group: 3,
        at: sym.nameSpan.start,
        item: () => {
          const info = comp.models.get(sym.name);
          return {
            label: writeName(sym.name),
            kind: CompletionItemKind.Module,
            sortText: `3${sym.name}`,
            detail: info ? `model (${info.signature.inputs.map((i) => `${writeName(i.name)}: ${formatType(i.type)}`).join(', ')})` : 'model',
            ...(info ? { documentation: { kind: MarkupKind.Markdown, value: describeModel(info) } } : {}),
          };
        },
      });
    }
  }
  for (const op of OPS.values()) {
    if (comp.resolution.symbols.has(op.name)) continue; // a declaration of that name shadows the op
    candidates.push({
      name: op.name,
      group: 2,
      at: -1,
      item: () => ({
        label: op.name,
        kind: CompletionItemKind.Function,
        sortText: `2${op.name}`,
        detail: opSignature(op),
        documentation: { kind: MarkupKind.Markdown, value: describeOp(op) },
      }),
    });
  }
  if (candidates.length <= room) return candidates.map((c) => c.item());
  want.cut = true;
  return rankValues(candidates, want)
    .slice(0, room)
    .map((c, i) => ({ ...c.item(), sortText: `r${String(i).padStart(4, '0')}` }));
}

/**
 * The order of a long candidate list: names that start with the typed word (same case first), then names
 * that contain it, then the rest; within each, values before ops before models, and values declared
 * nearest above the cursor first (what one usually refers to next), then by name.
 */
function rankValues(candidates: Candidate[], want: Want): Candidate[] {
  const p = want.prefix;
  const lower = p.toLowerCase();
  const tier = (name: string) => {
    if (p === '') return 0;
    if (name.startsWith(p)) return 0;
    const n = name.toLowerCase();
    if (n.startsWith(lower)) return 1;
    return n.includes(lower) ? 2 : 3;
  };
  const distance = (c: Candidate) => (c.at < 0 ? 0 : c.at <= want.offset ? want.offset - c.at : Number.MAX_SAFE_INTEGER / 2 + c.at);
  const keyed = candidates.map((c) => ({ c, t: tier(c.name), d: distance(c) }));
  keyed.sort((a, b) => a.t - b.t || a.c.group - b.c.group || a.d - b.d || (a.c.name < b.c.name ? -1 : a.c.name > b.c.name ? 1 : 0));
  return keyed.map((k) => k.c);
}

function argumentItems(comp: Compilation, callee: string, given: string[], owner: string | undefined, want: Want): CompletionItem[] {
  const done = new Set(given);
  const sym = comp.resolution.symbols.get(callee);
  if (sym?.kind === 'model') {
    const info = comp.models.get(callee);
    if (!info) return [];
    return info.signature.inputs
      .filter((i) => !done.has(i.name))
      .map((i, k) => ({
        label: writeName(i.name),
        kind: CompletionItemKind.Field,
        insertText: `${writeName(i.name)}: `,
        sortText: `0${k}`,
        detail: formatType(i.type),
        documentation: `ONNX input of model \`${info.name}\``,
      }));
  }
  const op = sym ? undefined : getOp(callee);
  if (!op) return values(comp, owner, want);
  const params: CompletionItem[] = Object.entries(op.params.properties)
    .filter(([n]) => !done.has(n))
    .map(([n, s]) => ({
      label: n,
      kind: CompletionItemKind.Property,
      insertText: `${n}: `,
      sortText: `0${n}`,
      detail: `${describeParamType(s)}${op.params.required?.includes(n) ? ' (required)' : s.default !== undefined ? ` = ${JSON.stringify(s.default)}` : ''}`,
      documentation: s.description,
    }));
  return [...params, ...values(comp, owner, want, MAX_COMPLETION_ITEMS - params.length)];
}

function compareAt(comp: Compilation, start: number): CompareDecl | undefined {
  for (const d of comp.program.decls) if (d.kind === 'compare' && d.span.start === start) return d;
  return undefined;
}

/** The metrics the comparison's task allows (all of them while the task is not written yet). */
function metricsFor(comp: Compilation, compareStart: number): MetricInfo[] {
  const decl = compareAt(comp, compareStart);
  const taskValue = decl?.fields.find((f) => f.key.text === 'task')?.value;
  const taskName = taskValue?.kind === 'ref' ? taskValue.name.text : taskValue?.kind === 'call' ? taskValue.callee.text : undefined;
  const task = (TASKS as readonly string[]).includes(taskName ?? '') ? taskName : undefined;
  const hasLabel = decl?.fields.some((f) => f.key.text === 'label') ?? true;
  return Object.values(METRIC_CATALOGUE).filter(
    (m) => (!task || m.tasks.includes(task as MetricInfo['tasks'][number])) && (hasLabel || !m.needsLabel),
  );
}

function metricItem(m: MetricInfo): CompletionItem {
  return {
    label: m.name,
    kind: CompletionItemKind.EnumMember,
    detail: m.summary,
    documentation: { kind: MarkupKind.Markdown, value: describeMetric(m) },
  };
}
