/**
 * Column alignment for terminal tables. Cells carry their plain text (what decides the width) and an
 * optional styler applied after padding, so colour codes never disturb the alignment.
 */

/** One table cell: the text that decides the width, and an optional styler. */
export interface Cell {
  text: string;
  /** Applied to the padded text (e.g. a picocolors function). */
  style?: (s: string) => string;
}

/** A plain string is an unstyled cell. */
export type CellInput = string | Cell;

const cell = (c: CellInput): Cell => (typeof c === 'string' ? { text: c } : c);

/**
 * Render rows as aligned lines: the first `leftColumns` columns left-aligned, the rest right-aligned,
 * two spaces between columns, `indent` before each line, no trailing spaces.
 */
export function renderTable(rows: readonly (readonly CellInput[])[], opts: { indent?: string; leftColumns?: number } = {}): string[] {
  const indent = opts.indent ?? '  ';
  const left = opts.leftColumns ?? 1;
  const cells = rows.map((r) => r.map(cell));
  const widths: number[] = [];
  for (const r of cells)
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...c.text].length);
    });
  return cells.map((r) => {
    const parts = r.map((c, i) => {
      const pad = ' '.repeat(widths[i]! - [...c.text].length);
      const padded = i < left ? c.text + pad : pad + c.text;
      return c.style ? c.style(padded) : padded;
    });
    return (indent + parts.join('  ')).replace(/\s+$/, '');
  });
}
