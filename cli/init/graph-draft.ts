/**
 * The `.m4` file `m4c init` is about to write, as data: groups of declarations (a blank line between
 * groups), each with its comments. The builder fills it; `emit-text.ts` lays it out; the generator
 * compiles the text and, where the compiler rejects an unbridgeable difference, adds a TODO to the
 * declaration it points at.
 *
 * Every string here is already `.m4` syntax (names quoted, strings escaped) except comment texts,
 * which are plain text without the `//`.
 */

export type DraftDecl =
  | { kind: 'input'; name: string; type: string; optional: boolean; from: string | null }
  | { kind: 'replay'; path: string }
  | { kind: 'model'; name: string; path: string }
  | { kind: 'node' | 'output'; name: string; expr: string }
  | { kind: 'compare'; name: string; fields: [key: string, value: string][]; gates: DraftGate[]; sinks: string[] };

export interface DraftGate {
  /** `auroc.delta >= -0.01 at 95%`. */
  text: string;
  comment: string | null;
}

/** A declaration with its comments. */
export interface DraftItem {
  decl: DraftDecl;
  /** Comment lines written above the declaration. */
  leading: string[];
  /** A comment at the end of the declaration's (first) line. */
  trailing: string | null;
  /**
   * True when the declaration carries a difference between the two models that init could not bridge:
   * compile errors inside it are expected and become TODO comments. Anything else failing is a bug.
   */
  unbridged: boolean;
}

export interface DraftGroup {
  /** Comment lines above the group (after the blank line that separates it from the previous one). */
  leading: string[];
  items: DraftItem[];
}

export interface Draft {
  /** The file's opening comment lines. */
  header: string[];
  groups: DraftGroup[];
}

/** A declaration with no comments. */
export function item(decl: DraftDecl, trailing: string | null = null, unbridged = false): DraftItem {
  return { decl, leading: [], trailing, unbridged };
}
