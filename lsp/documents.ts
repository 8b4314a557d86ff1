/**
 * The open documents and their lifecycle: `changed` (text newer than its analysis) → `analyzed` (one
 * compilation of the current version, kept until the next change) → `published` (diagnostics of that
 * version sent). Requests read the analysis and compile only when the text changed since.
 *
 * Diagnostics are debounced: the first edit after a quiet spell is compiled at once (so a single edit
 * shows its diagnostics immediately), edits arriving within `debounceMs` of the previous one are
 * coalesced into one compilation `debounceMs` after the last of them (so fast typing costs one compile
 * per pause, not one per keystroke).
 */
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { analyze, fileOfUri, type Analysis } from './analysis.ts';
import { CheckSession } from '../compiler/incremental.ts';

export interface DocState {
  uri: string;
  doc: TextDocument;
  /** Keeps the syntax and type checks of unchanged declarations between compilations. */
  session: CheckSession;
  /** Bumped on every change: the analysis is current when it was made from this revision. */
  revision: number;
  analysis: Analysis | undefined;
  analysisRevision: number;
  /** The revision whose diagnostics were last published. */
  publishedRevision: number | undefined;
  lastEditAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface DocumentsOptions {
  debounceMs: number;
  /** Directory for documents that are not files (unsaved buffers). */
  fallbackDir: () => string;
  /** Called with a fresh analysis whose diagnostics have not been published yet. */
  publish: (state: DocState, analysis: Analysis) => void;
  /** Reports an internal failure (logged by the server; never thrown to the client). */
  onError: (what: string, err: unknown) => void;
}

export class Documents {
  private readonly docs = new Map<string, DocState>();

  constructor(private readonly opts: DocumentsOptions) {}

  get(uri: string): DocState | undefined {
    return this.docs.get(uri);
  }

  all(): DocState[] {
    return [...this.docs.values()];
  }

  open(uri: string, version: number, text: string): void {
    const prev = this.docs.get(uri);
    if (prev?.timer) clearTimeout(prev.timer);
    const { file } = fileOfUri(uri, this.opts.fallbackDir());
    const state: DocState = {
      uri,
      doc: TextDocument.create(uri, 'm4', version, text),
      session: new CheckSession(file),
      revision: 0,
      analysis: undefined,
      analysisRevision: -1,
      publishedRevision: undefined,
      lastEditAt: 0,
      timer: undefined,
    };
    this.docs.set(uri, state);
    this.schedule(state, 0);
  }

  /** Apply edits; returns false for a document that is not open (the edit is ignored). */
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): boolean {
    const state = this.docs.get(uri);
    if (!state) return false;
    state.doc = TextDocument.update(state.doc, changes, version);
    state.revision++;
    const now = Date.now();
    const quiet = state.timer === undefined && now - state.lastEditAt >= this.opts.debounceMs;
    state.lastEditAt = now;
    this.schedule(state, quiet ? 0 : this.opts.debounceMs);
    return true;
  }

  close(uri: string): boolean {
    const state = this.docs.get(uri);
    if (!state) return false;
    if (state.timer) clearTimeout(state.timer);
    this.docs.delete(uri);
    return true;
  }

  /** Recompile every open document (a model file changed on disk). */
  invalidateAll(): void {
    for (const state of this.docs.values()) {
      state.analysis = undefined;
      state.analysisRevision = -1;
      state.publishedRevision = undefined;
      this.schedule(state, 0);
    }
  }

  /** The analysis of the document's current text, compiling now if it is out of date. */
  analysis(uri: string): Analysis | undefined {
    const state = this.docs.get(uri);
    return state ? this.ensure(state) : undefined;
  }

  dispose(): void {
    for (const s of this.docs.values()) if (s.timer) clearTimeout(s.timer);
    this.docs.clear();
  }

  private ensure(state: DocState): Analysis {
    const a = state.analysis;
    if (a && state.analysisRevision === state.revision) return a;
    // The analysis keeps its own copy of the text: the live document is updated in place by later edits.
    const snapshot = TextDocument.create(state.uri, 'm4', state.doc.version, state.doc.getText());
    state.analysis = analyze(state.uri, snapshot, this.opts.fallbackDir(), state.session);
    state.analysisRevision = state.revision;
    return state.analysis;
  }

  private schedule(state: DocState, delay: number): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.docs.get(state.uri) !== state) return; // closed or reopened meanwhile
      try {
        const a = this.ensure(state);
        if (state.publishedRevision === state.revision) return;
        state.publishedRevision = state.revision;
        this.opts.publish(state, a);
      } catch (err) {
        this.opts.onError(`checking ${state.uri}`, err);
      }
    }, delay);
  }
}
