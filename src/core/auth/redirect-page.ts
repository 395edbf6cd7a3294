/** The page the browser shows after Google redirects back to DriveUp. */
export function renderRedirectPage(outcome: { ok: boolean; message: string }): string {
  const title = outcome.ok ? 'DriveUp is signed in' : 'DriveUp could not sign in';
  const next = outcome.ok ? 'You can close this tab.' : 'You can close this tab and try again.';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto">
<h1>${title}</h1>
<p>${escapeHtml(outcome.message)}</p>
<p>${next}</p>
</body>
</html>
`;
}

/** Messages can quote what came in on the redirect URL, which anyone can craft. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
