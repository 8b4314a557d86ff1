/**
 * The HTML documents around the UI bundle: the dashboard's single page (assets served separately)
 * and the self-contained report (script, stylesheet and data inlined).
 *
 * Invariants: the only database values placed in markup are escaped by {@link escapeHtml} (the
 * title) or serialised by {@link jsonForScript} (the embedded run); everything else is built by the
 * UI with text nodes. Both pages carry a Content-Security-Policy that forbids inline event handlers
 * and, for the report, every network request.
 */
import { createHash } from 'node:crypto';
import type { ReportPayload } from './api-types.ts';
import type { UiAssets } from './ui-bundle.ts';

/** Escape text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * JSON safe inside `<script type="application/json">`: `<` only occurs inside JSON strings, where
 * `\u003c` means the same, so `</script>` and `<!--` can never appear in the output.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The id of the `<script type="application/json">` holding a report's run; the UI reads it. */
export const REPORT_DATA_ID = 'm4-report-data';

/** Content-Security-Policy of the served dashboard: only its own scripts and API. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The dashboard's page: an empty shell the UI fills. */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>m4 dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<div id="app"><p class="loading">Loading…</p></div>
<script src="/assets/app.js"></script>
</body>
</html>
`;
}

/**
 * A self-contained report of one run: opens from a file with no network (every request is refused
 * by its CSP), the inline script allowed by hash only.
 */
export function reportPage(assets: UiAssets, payload: ReportPayload): string {
  const detail = payload.detail;
  const hash = createHash('sha256').update(assets.script, 'utf8').digest('base64');
  const csp = `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'`;
  const title = `m4 report — ${detail.run.comparison} (run ${detail.run.id})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${assets.css.replace(/<\/style/gi, '<\\/style')}</style>
</head>
<body>
<div id="app"><p class="loading">This report needs JavaScript to draw its charts.</p></div>
<script type="application/json" id="${REPORT_DATA_ID}">${jsonForScript(payload)}</script>
<script>${assets.script}</script>
</body>
</html>
`;
}
