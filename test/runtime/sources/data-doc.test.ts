/**
 * docs/data.md shows how inputs map to fields (`from "payload.score"`, `from [...]`, `optional`):
 * every `.m4` snippet it shows must be what the language accepts, and its nested path must name the
 * nested field it says it does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../../grammar/parse.ts';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/data.md'), 'utf8');
const snippets = [...doc.matchAll(/```[a-z0-9]*\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^input /m.test(b));

describe('docs/data.md', () => {
  it('shows input declarations', () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  it.each(snippets.map((s, i) => [i + 1, s]))('snippet %d parses without a syntax problem', (_i, text) => {
    expect(parse(text as string, 'data.md').problems).toEqual([]);
  });

  it('maps the nested field it describes', () => {
    const line = snippets.flatMap((s) => s.split('\n')).find((l) => l.includes('a nested field'))!;
    expect(line).toMatch(/from "payload\.score"/);
    expect(line).toContain('{"payload": {"score": 0.3}}');
  });
});
