import { escapeHtml } from '../domain/message-template.ts';

/**
 * The pages members see (they never sign in to the dashboard): one small, self-contained HTML
 * document in the creator's name, readable on a phone, light or dark with the system, and with
 * text contrast of at least 4.5:1 in both. `body` is trusted markup; every value in it must
 * already be escaped.
 */
export function memberPage(input: { title: string; brand: string | null; body: string }): string {
  const brand = input.brand ? escapeHtml(input.brand) : 'Payment reminders';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="robots" content="noindex">
<title>${escapeHtml(input.title)} · ${brand}</title>
<style>
:root{--bg:#f6f7f9;--surface:#fff;--text:#15181d;--muted:#4f5765;--border:#c3c9d1;--accent:#b13a0a;--on-accent:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--surface:#171a20;--text:#eceef2;--muted:#b4bcc8;--border:#3d444f;--accent:#fb923c;--on-accent:#1a1005}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text);font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
header{padding:1rem;border-bottom:1px solid var(--border);background:var(--surface)}header p{margin:0;font-weight:650;max-width:34rem;margin:0 auto}
main{max-width:34rem;margin:2rem auto;padding:0 1rem}h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}p{margin:0 0 1rem}.muted{color:var(--muted)}
form{display:flex;flex-direction:column;gap:.75rem;margin:1.5rem 0}
button{font:inherit;min-height:44px;padding:.6rem 1rem;border-radius:8px;border:1px solid var(--accent);cursor:pointer;text-align:center}
.primary{background:var(--accent);color:var(--on-accent);font-weight:650}.secondary{background:transparent;color:var(--text);border-color:var(--border)}
button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
</style></head>
<body><header><p>${brand}</p></header><main id="main">
<h1>${escapeHtml(input.title)}</h1>
${input.body}
</main></body></html>`;
}
