/** Keys whose values are credentials, wherever they appear in a logged object. */
const SECRET_KEY = /token|secret|password|authorization|cookie|code_?verifier|api_?key|credential/i;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g;
/** OAuth query parameters that carry credentials when a URL is logged. */
const SECRET_PARAM =
  /([?&](?:code|access_token|refresh_token|client_secret|code_verifier)=)[^&#\s]+/g;

const REDACTED = '[redacted]';

/**
 * Replaces credentials in anything about to be logged. pino's own `redact` needs every path
 * spelled out in advance; tokens reach the log nested at any depth (errors from HTTP clients
 * carry request headers and bodies), so this walks the whole object instead.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && v != null ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}

export function redactString(text: string): string {
  return text.replace(BEARER, `$1 ${REDACTED}`).replace(SECRET_PARAM, `$1${REDACTED}`);
}
