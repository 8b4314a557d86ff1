/**
 * The one error type of a running graph. Every failure while executing a batch names the plan node,
 * its place in the .m4 source and the input rows of the failing batch, so a user can find both the
 * declaration and the data that broke it:
 *
 *     node `treat` (ab.m4:14:3), rows at lines 1025–2048: <cause>
 */
import type { PlanSpan } from '../plan/plan-types.ts';
import { EXIT, M4Error, type ExitCode } from '../plan/errors.ts';

/** First and last input line (1-based, as the source reports them) of the batch that failed. */
export interface LineRange {
  first: number;
  last: number;
}

/** What a runtime error is about: usually a graph node; a model declaration when its file cannot load. */
export type ErrorSubject = 'node' | 'model' | 'output' | 'comparison';

export class RuntimeError extends M4Error {
  /** What `node` names (default `node`). */
  readonly subject: ErrorSubject;

  /**
   * @param node the plan node id, or the model/output/comparison name per `subject`; `null` for
   *   failures outside any node (e.g. a worker that could not start)
   * @param span its source span, when the plan has one
   * @param lines the failing batch's input lines, when known
   * @param detail the underlying message (ORT's, a kernel's) without our prefix
   * @param options.exitCode exit 3 by default; 2 for a problem found before anything ran
   */
  constructor(
    readonly node: string | null,
    readonly span: PlanSpan | null,
    readonly lines: LineRange | null,
    readonly detail: string,
    options: { cause?: unknown; subject?: ErrorSubject; exitCode?: ExitCode } = {},
  ) {
    super(formatRuntimeMessage(node, span, lines, detail, options.subject), options.exitCode ?? EXIT.runtime, { cause: options.cause });
    this.subject = options.subject ?? 'node';
  }
}

/**
 * `node \`id\` (file:line:col), rows at lines a–b: detail` with the parts that are known. `lines` may instead be the
 * rows' own wording (a served request's: `request "r1", row 3`), where a line of a file means nothing.
 */
export function formatRuntimeMessage(
  node: string | null,
  span: PlanSpan | null,
  lines: LineRange | string | null,
  detail: string,
  subject: ErrorSubject = 'node',
): string {
  let head = node === null ? '' : `${subject} \`${node}\``;
  if (span) head += `${head ? ' ' : ''}(${span.file}:${span.line}:${span.column})`;
  if (lines) head += `${head ? ', ' : ''}${typeof lines === 'string' ? lines : formatLines(lines)}`;
  return head ? `${head}: ${oneLine(detail)}` : oneLine(detail);
}

function formatLines({ first, last }: LineRange): string {
  return first === last ? `row at line ${first}` : `rows at lines ${first}–${last}`;
}

/** ORT messages can span lines (and carry a C++ source location prefix); a CLI error is one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** The line range of a batch, from its `lines` column (which sources fill in file order). */
export function batchLines(lines: Float64Array | undefined, rows: number): LineRange | null {
  if (!lines || rows === 0 || lines.length === 0) return null;
  return { first: lines[0], last: lines[Math.min(rows, lines.length) - 1] };
}

/** The message of anything thrown: an Error's message, else its string form. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
