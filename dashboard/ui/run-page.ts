/**
 * The run page of the dashboard: fetches one run and shows it with {@link runView}.
 */
import type { RunDetail } from '../api-types.ts';
import { getJson } from './api-client.ts';
import { el, replaceChildren } from './dom.ts';
import type { Page } from './page.ts';
import { runView } from './run-view.ts';

export function runPage(id: string): Page {
  const root = el('div', { class: 'run-page' });
  return {
    title: `Run ${id}`,
    root,
    load: async () => {
      const d = await getJson<RunDetail>(`runs/${encodeURIComponent(id)}`);
      document.title = `${d.run.comparison} run ${d.run.id} — m4 dashboard`;
      replaceChildren(root, runView(d, { links: true }));
    },
  };
}
