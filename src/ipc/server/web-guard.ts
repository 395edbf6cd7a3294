import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What every answer of the web server carries. The pages have no inline script or style, load
 * nothing from elsewhere and are never framed; no address (with a token or not) leaves as a
 * referrer.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/**
 * DNS rebinding: a web page on evil.example can make its own name resolve to 127.0.0.1 and so
 * reach this server as "same origin". The Host header still says evil.example, so only requests
 * naming exactly our address and port are served.
 */
export function hostIsOurs(req: IncomingMessage, host: string): boolean {
  return req.headers.host === host;
}

/**
 * Whether a request comes from our own pages. Browsers send `Origin` with every POST (our
 * queries, mutations and uploads) and with any cross-origin request, but leave it off same-origin
 * GETs such as an EventSource (our subscriptions); those carry `Sec-Fetch-Site: same-origin`,
 * which a page elsewhere cannot forge. A request with neither (a script outside a browser) is not
 * a page of ours; scripts use the agent's socket.
 */
export function comesFromOurPages(req: IncomingMessage, origin: string): boolean {
  const sentOrigin = req.headers.origin;
  if (sentOrigin !== undefined) return sentOrigin === origin;
  return req.method === 'GET' && req.headers['sec-fetch-site'] === 'same-origin';
}

/** The value of one cookie, or undefined. */
export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
