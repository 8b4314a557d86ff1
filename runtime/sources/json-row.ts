/**
 * The reference reading of one JSONL row: `JSON.parse`, plus a path lookup that tells "missing"
 * apart from "a parent is not an object".
 */
import { badRow, describeValue, type BadRow } from './bad-row.ts';
import { pathLabel } from './input-layout.ts';

/** What `lookupPath` returns when the last key is absent. */
export const MISSING: unique symbol = Symbol('missing');

/** A parent on the path holds something other than an object. */
export class PathBlocked {
  constructor(readonly detail: string) {}
}

/**
 * Parse a row. Rows written by Python's `json.dumps` may hold bare `NaN`, `Infinity` and
 * `-Infinity`, which are not JSON; such rows are re-read with those tokens as the strings "NaN",
 * "Infinity", "-Infinity", so a numeric field holding one gets the precise `nan` verdict and a field
 * the plan does not read does not reject the row.
 */
export function parseJsonRow(text: string): object | BadRow {
  const v = parseJsonLenient(text);
  if (v instanceof JsonSyntaxError) return badRow('invalid-json', v.message);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return badRow('wrong-type', `the row is ${describeValue(v)}, expected a JSON object`);
  }
  return v;
}

/** Why a text is not JSON (the engine's message, on one line). */
export class JsonSyntaxError {
  constructor(readonly message: string) {}
}

/** `JSON.parse`, with the bare NaN/Infinity repair described at `parseJsonRow`; never throws. */
export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const repaired = quoteBareNonFinite(text);
    if (repaired !== null) {
      try {
        return JSON.parse(repaired);
      } catch {
        // report the error of the text as written
      }
    }
    return new JsonSyntaxError(jsonErrorDetail(err));
  }
}

function jsonErrorDetail(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ');
}

const NON_FINITE = ['NaN', 'Infinity', '-Infinity'];

/**
 * The text with bare NaN/Infinity/-Infinity tokens (outside strings) turned into JSON strings, or
 * null when it has none.
 */
export function quoteBareNonFinite(text: string): string | null {
  let out = '';
  let last = 0;
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // skip the string, honouring escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      continue;
    }
    if (c === 78 /* N */ || c === 73 /* I */ || c === 45 /* - */) {
      for (const tok of NON_FINITE) {
        if (text.startsWith(tok, i) && !isWordChar(text.charCodeAt(i + tok.length)) && !isWordChar(text.charCodeAt(i - 1))) {
          out += `${text.slice(last, i)}"${tok}"`;
          i += tok.length - 1;
          last = i + 1;
          changed = true;
          break;
        }
      }
    }
  }
  return changed ? out + text.slice(last) : null;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46;
}

/** The value at `path` in a parsed row, `MISSING`, or `PathBlocked` when a parent is not an object. */
export function lookupPath(row: object, path: readonly string[]): unknown {
  let cur: unknown = row;
  for (let k = 0; k < path.length; k++) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) {
      return new PathBlocked(`field "${pathLabel(path.slice(0, k))}" is ${describeValue(cur)}, not an object`);
    }
    if (!Object.hasOwn(cur, path[k])) return MISSING;
    cur = (cur as Record<string, unknown>)[path[k]];
  }
  return cur;
}
