/**
 * The resolve pass: declarations become symbols, every name in an expression is bound to a symbol or a
 * stdlib op, duplicates and unknown names are reported with "did you mean", unused inputs and models warned.
 */
import type { CompareDecl, Decl, Expr, Name, Program, Span } from '../grammar/ast.ts';
import { writeName } from '../grammar/language.ts';
import { getOp, opNames } from '../stdlib/ops/index.ts';
import { HELP } from './diagnostics/catalogue.ts';
import { Candidates, suggest } from './did-you-mean.ts';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';

export type SymbolKind = 'input' | 'model' | 'node' | 'output' | 'compare';

export interface M4Symbol {
  name: string;
  kind: SymbolKind;
  decl: Decl;
  nameSpan: Span;
}

export type Target = { kind: 'symbol'; symbol: M4Symbol } | { kind: 'op'; op: string };

/** Compare-block fields whose values are graph values (edges into the comparison). */
export const COMPARE_VALUE_FIELDS = ['control', 'treatment', 'label', 'slice_by'] as const;

export interface Resolution {
  /** Every declared name; the first declaration of a name wins. */
  symbols: Map<string, M4Symbol>;
  /** Declarations in file order with their symbol (a duplicate's second declaration maps to its own symbol). */
  declSymbols: Map<Decl, M4Symbol>;
  /** What each name in an expression (a reference or a callee) was bound to. */
  targets: Map<Name, Target>;
  /** Every place a symbol is named, declaration excluded: for find-references and rename. */
  references: Map<M4Symbol, Span[]>;
  /** The symbols each declaration reads directly (values and models). */
  deps: Map<M4Symbol, M4Symbol[]>;
}

/**
 * The declarations' symbols in file order. `declSymbols` is in file order after `resolve`; an incremental
 * resolve (resolve-again.ts) updates it in place, which moves a changed declaration's entry to the end, and
 * only runs when every name is declared once — when `symbols` (never reordered) holds them all in order.
 */
export function declaredSymbols(res: Resolution): Iterable<M4Symbol> {
  return res.symbols.size === res.declSymbols.size ? res.symbols.values() : res.declSymbols.values();
}

const KIND_WORDS: Record<SymbolKind, string> = { input: 'an input', model: 'a model', node: 'a node', output: 'an output', compare: 'a comparison' };

/** What resolve keeps per declared name while it runs: one lookup per name in an expression finds all of it. */
interface Entry {
  symbol: M4Symbol;
  /** The one target object of every name bound to this symbol (targets are read-only). */
  target: Target;
  refs: Span[];
}

export function resolve(program: Program): PassResult<Resolution> {
  const diagnostics: Diagnostic[] = [];
  const r: Resolution = { symbols: new Map(), declSymbols: new Map(), targets: new Map(), references: new Map(), deps: new Map() };
  // Name → entry, and the declarations' symbols in file order (a duplicate's too): on a 4 MB file every
  // Map operation per name counted, so each name is looked up once and the result maps are filled once.
  const entries = new Map<string, Entry>();
  const declared: (M4Symbol | undefined)[] = [];

  for (const decl of program.decls) {
    if (!decl.name) {
      declared.push(undefined);
      continue;
    }
    const sym: M4Symbol = { name: decl.name.text, kind: decl.kind, decl, nameSpan: decl.name.span };
    r.declSymbols.set(decl, sym);
    declared.push(sym);
    const prev = entries.get(sym.name);
    if (prev) {
      diagnostics.push(
        diag(
          'M1002',
          decl.name.span,
          { name: sym.name, kind: KIND_WORDS[prev.symbol.kind] },
          {
            related: [{ span: prev.symbol.nameSpan, message: 'first declared here' }],
          },
        ),
      );
      continue;
    }
    r.symbols.set(sym.name, sym);
    entries.set(sym.name, { symbol: sym, target: { kind: 'symbol', symbol: sym }, refs: [] });
  }

  // Built once per file, on first need: did-you-mean over every unknown name stays bounded (did-you-mean.ts).
  let valueNames: Candidates | undefined;
  let calleeNames: Candidates | undefined;
  const values = () =>
    (valueNames ??= new Candidates(
      [...r.symbols.values()].filter((s) => s.kind === 'input' || s.kind === 'node' || s.kind === 'output').map((s) => s.name),
    ));
  const callees = () =>
    (calleeNames ??= new Candidates([...opNames(), ...[...r.symbols.values()].filter((s) => s.kind === 'model').map((s) => s.name)]));

  // One `use` and one `visit` for the whole pass (not two closures per declaration); they read the
  // declaration being visited from `owner` and `deps`.
  let owner: M4Symbol | undefined;
  const deps: M4Symbol[] = [];
  // One target object per op, shared by all the names bound to it (they are read-only).
  const opTargets = new Map<string, Target>();
  function use(entry: Entry, name: Name): void {
    r.targets.set(name, entry.target);
    entry.refs.push(name.span);
    if (!deps.includes(entry.symbol)) deps.push(entry.symbol);
  }
  function visit(e: Expr | undefined): void {
    if (!e) return;
    switch (e.kind) {
      case 'ref': {
        const entry = entries.get(e.name.text);
        if (!entry) {
          const guess = values().best(e.name.text);
          diagnostics.push(
            diag('M1001', e.name.span, { name: e.name.text }, guess ? suggest(guess, e.name.span, writeName(guess)) : { help: HELP.declareValue }),
          );
          return;
        }
        const sym = entry.symbol;
        if (sym === owner) {
          diagnostics.push(diag('M1010', e.name.span, { name: sym.name }));
          return;
        }
        use(entry, e.name);
        if (sym.kind === 'model') diagnostics.push(diag('M1006', e.name.span, { name: sym.name }));
        else if (sym.kind === 'compare') diagnostics.push(diag('M1007', e.name.span, { name: sym.name }));
        return;
      }
      case 'call': {
        const entry = entries.get(e.callee.text);
        if (entry) {
          const sym = entry.symbol;
          use(entry, e.callee);
          if (sym.kind !== 'model') diagnostics.push(diag('M1005', e.callee.span, { name: sym.name, kind: KIND_WORDS[sym.kind] }));
        } else if (getOp(e.callee.text)) {
          let t = opTargets.get(e.callee.text);
          if (!t) opTargets.set(e.callee.text, (t = { kind: 'op', op: e.callee.text }));
          r.targets.set(e.callee, t);
        } else {
          const guess = callees().best(e.callee.text);
          diagnostics.push(
            diag(
              'M1004',
              e.callee.span,
              { name: e.callee.text },
              guess ? suggest(guess, e.callee.span, writeName(guess)) : { help: HELP.declareCallee },
            ),
          );
        }
        for (const a of e.args) visit(a.value);
        return;
      }
      case 'member':
        visit(e.object);
        return;
      case 'list':
        for (const it of e.items) visit(it);
        return;
      default:
        return;
    }
  }
  const decls = program.decls;
  for (let i = 0; i < decls.length; i++) {
    const decl = decls[i]!;
    owner = declared[i];
    deps.length = 0;
    try {
      if (decl.kind === 'node' || decl.kind === 'output') visit(decl.expr);
      else if (decl.kind === 'compare') for (const f of compareValueFields(decl)) visit(f.value);
    } catch (err) {
      // A bug here must not blank the whole file: report it at the declaration and go on.
      diagnostics.push(diag('M7001', decl.span, { detail: `resolve: ${err instanceof Error ? err.message : String(err)}` }));
    }
    // A copy of exactly its size: an array grown by push keeps room for 17, and the lists live as long as
    // the compilation (13 MB of a 4 MB file's retained heap).
    if (owner) r.deps.set(owner, deps.slice());
  }

  // Exact-size copies, as for `deps`: most symbols are read once, and their lists live with the compilation.
  for (const { symbol: sym, refs } of entries.values()) {
    r.references.set(sym, refs.slice());
    if ((sym.kind === 'input' || sym.kind === 'model') && refs.length === 0) {
      diagnostics.push(diag('M1003', sym.nameSpan, { name: sym.name, kind: sym.kind }, { unnecessary: true }));
    }
  }
  return { result: r, diagnostics };
}

/** The fields of a compare block that reference graph values. */
export function compareValueFields(decl: CompareDecl): CompareDecl['fields'] {
  return decl.fields.filter((f) => (COMPARE_VALUE_FIELDS as readonly string[]).includes(f.key.text));
}
